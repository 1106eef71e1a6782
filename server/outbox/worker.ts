// Background loop that sends the outbox's due messages (outbox.ts) through the handler of their kind.
// Each send is claimed first with a compare-and-set that also sets a lease, so with several instances one
// message has one sender at a time; a sender that dies leaves `inFlightAt` set, and the next claim tells the
// handler an earlier send may have arrived (it asks WeChat before sending again). Back-off from RETRY_BASE_MS.
import type { Logger } from 'pino';
import type { Db } from '../db/client.ts';
import { crashPoint } from '../test-faults.ts';

export type SendResult = { kind: 'done' } | { kind: 'retry'; error: string } | { kind: 'final'; error: string };

export interface OutboxMessageRow {
  id: number;
  kind: string;
  causeKey: string;
  orderId: number | null;
  payload: string;
  attempts: number;
}

export interface OutboxHandler {
  /**
   * Sends one message. `outcomeUnknown`: an earlier send of it may have reached WeChat (it failed, timed
   * out, or its sender died before recording the answer): check with WeChat first where a second send
   * would do harm.
   */
  send(message: OutboxMessageRow, ctx: { outcomeUnknown: boolean }): Promise<SendResult>;
}

export interface OutboxConfig {
  retryBaseMs: number;
  /** How long a claimed message is its sender's: longer than one call's timeout. */
  leaseMs: number;
  /** After this many tries a message is FAILED and waits for the merchant's retry. */
  maxAttempts: number;
  pollMs?: number;
}

const BATCH = 20;
const MAX_BACKOFF_MS = 3600_000;

export class OutboxWorker {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = true;

  constructor(
    private readonly db: Db,
    private readonly handlers: Record<string, OutboxHandler>,
    private readonly cfg: OutboxConfig,
    private readonly log: Logger,
  ) {}

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  /** Something was queued: look now instead of at the next poll. */
  wake(): void {
    if (this.stopped || this.running) return;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  private schedule(ms: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      if (this.stopped || this.running) return;
      this.running = this.sweep()
        .catch((err) => this.log.error({ err }, 'outbox sweep failed'))
        .finally(() => {
          this.running = null;
          if (!this.stopped && !this.timer) this.schedule(this.cfg.pollMs ?? 1000);
        });
    }, ms);
  }

  /** One pass over the due messages; exported for tests that want a deterministic step. */
  async sweep(): Promise<void> {
    const due = await this.db.outboxMessage.findMany({
      where: { status: 'PENDING', nextAttemptAt: { lte: new Date() } },
      orderBy: { nextAttemptAt: 'asc' },
      take: BATCH,
    });
    for (const m of due) {
      if (this.stopped) return;
      await this.sendOne(m);
    }
  }

  private async sendOne(m: OutboxMessageRow & { nextAttemptAt: Date | null; inFlightAt: Date | null; lastError: string | null }): Promise<void> {
    const handler = this.handlers[m.kind];
    if (!handler) {
      this.log.error({ kind: m.kind, causeKey: m.causeKey }, 'outbox message of an unknown kind');
      return;
    }
    const now = new Date();
    const claimed = await this.db.$transaction((tx) =>
      tx.outboxMessage.updateMany({
        where: { id: m.id, status: 'PENDING', nextAttemptAt: m.nextAttemptAt },
        data: { attempts: { increment: 1 }, inFlightAt: now, nextAttemptAt: new Date(now.getTime() + this.cfg.leaseMs), updatedAt: now },
      }),
    );
    if (claimed.count === 0) return; // another instance took it
    crashPoint('outbox-before-call');
    let result: SendResult;
    try {
      // an earlier try: still in flight when its sender died, or counted, or (after a merchant's retry of a FAILED
      // message, which starts the count again) known by the error it left
      const outcomeUnknown = m.inFlightAt !== null || m.attempts > 0 || m.lastError !== null;
      result = await handler.send({ ...m, attempts: m.attempts + 1 }, { outcomeUnknown });
    } catch (err) {
      this.log.error({ err, causeKey: m.causeKey }, 'outbox handler threw');
      result = { kind: 'retry', error: 'internal error while sending; will try again' };
    }
    crashPoint('outbox-after-call');
    await this.record(m, m.attempts + 1, result);
  }

  private async record(m: OutboxMessageRow, attempts: number, r: SendResult): Promise<void> {
    const now = new Date();
    const gaveUp = r.kind === 'final' || (r.kind === 'retry' && attempts >= this.cfg.maxAttempts);
    const backoff = Math.min(MAX_BACKOFF_MS, this.cfg.retryBaseMs * 2 ** Math.min(attempts - 1, 20));
    const data =
      r.kind === 'done'
        ? { status: 'DONE', doneAt: now, lastError: null, nextAttemptAt: null }
        : gaveUp
          ? { status: 'FAILED', lastError: r.error.slice(0, 500), nextAttemptAt: null }
          : { status: 'PENDING', lastError: r.error.slice(0, 500), nextAttemptAt: new Date(now.getTime() + backoff) };
    if (r.kind !== 'done') this.log.warn({ causeKey: m.causeKey, attempts, error: r.error, gaveUp }, 'outbox send did not succeed');
    // only this claim's own record: a merchant's retry or another instance's later claim is not overwritten
    await this.db.$transaction((tx) =>
      tx.outboxMessage.updateMany({ where: { id: m.id, status: 'PENDING', attempts }, data: { ...data, inFlightAt: null, updatedAt: now } }),
    );
  }
}
