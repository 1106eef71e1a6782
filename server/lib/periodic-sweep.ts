// A background job that runs one sweep every interval, never two at once, and whose stop() waits for the
// sweep in progress: the shape of the server's timed loops (unpaid-order closer, auto-receive, refund timers).
import type { Logger } from 'pino';

export abstract class PeriodicSweep {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;

  constructor(
    protected readonly log: Logger,
    /** How a failed sweep is logged, e.g. "unpaid order sweep". */
    private readonly what: string,
  ) {}

  /** One pass; public so tests can take a deterministic step. */
  abstract sweep(): Promise<void>;

  start(intervalMs: number): void {
    this.timer = setInterval(() => {
      if (this.running) return;
      this.running = this.sweep()
        .catch((err) => this.log.error({ err }, `${this.what} failed`))
        .finally(() => (this.running = null));
    }, intervalMs);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }
}
