// Durable notification delivery: every notification is a row, retried on WeChat's schedule until a SUCCESS reply.
import { parseXml } from '../wechatpay/xml.ts';
import type { Faults } from './faults.ts';
import { postXml } from './post-xml.ts';
import type { Store } from './store.ts';
import type { SandboxLogger } from './types.ts';

/** Intervals between attempts after the first (docs/wechatpay.md § Notifications): 15 retries, 24h4m in all. */
export const RETRY_SCHEDULE_S = [15, 15, 30, 180, 600, 1200, 1800, 1800, 1800, 3600, 10800, 10800, 10800, 21600, 21600];

const LEASE_MS = 10_000; // longer than one attempt (5 s timeout): a crashed attempt is retried after this
const POLL_MS = 1000; // also picks up rows another process wrote into a shared data dir
const BATCH = 32;

export class Notifier {
  private timer: NodeJS.Timeout | undefined;
  private readonly inflight = new Map<number, Promise<boolean>>(); // by notification id
  private readonly abort = new AbortController();
  private closed = false;

  constructor(
    private readonly store: Store,
    private readonly faults: Faults,
    private readonly log: SandboxLogger,
    private readonly retryScale: number,
  ) {}

  /**
   * Queues a notification, due now; twice when a duplicateNotifications fault is armed. Safe inside the
   * caller's transaction (it only writes rows); call wake() after the commit. Returns the row ids.
   */
  enqueue(kind: 'pay' | 'refund', ref: string, url: string, body: string): number[] {
    const copies = this.faults.takeDuplicateNotification() ? 2 : 1;
    const ids: number[] = [];
    for (let i = 0; i < copies; i++) ids.push(this.store.insertNotification({ kind, ref, url, body, nextAt: Date.now() }));
    return ids;
  }

  start(): void {
    this.wake();
  }

  wake(): void {
    if (!this.closed) this.arm(0);
  }

  /** Makes the first attempt of a queued notification now and tells whether it was delivered. */
  async deliverNow(id: number): Promise<boolean> {
    const running = this.inflight.get(id); // the loop may have picked it up first
    if (running) return running;
    const row = this.store.claimNotification(id, Date.now(), LEASE_MS);
    if (!row) return this.store.notification(id)?.status === 'DELIVERED';
    return this.track(id, this.attempt(row.id, row.url, row.body, row.attempts, row.kind, row.ref));
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    this.abort.abort();
    await Promise.allSettled([...this.inflight.values()]);
  }

  private arm(delayMs: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.tick(), delayMs);
    this.timer.unref();
  }

  private tick(): void {
    if (this.closed) return;
    try {
      const now = Date.now();
      for (const id of this.store.dueNotifications(now, BATCH)) {
        const row = this.store.claimNotification(id, now, LEASE_MS);
        if (row) void this.track(id, this.attempt(row.id, row.url, row.body, row.attempts, row.kind, row.ref));
      }
      const next = this.store.nextNotificationAt();
      this.arm(next === null ? POLL_MS : Math.min(POLL_MS, Math.max(0, next - Date.now())));
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'sandbox notifier tick failed');
      this.arm(POLL_MS);
    }
  }

  private track(id: number, p: Promise<boolean>): Promise<boolean> {
    this.inflight.set(id, p);
    void p.finally(() => this.inflight.delete(id));
    return p;
  }

  private async attempt(id: number, url: string, body: string, attemptsBefore: number, kind: string, ref: string): Promise<boolean> {
    let error: string | undefined;
    try {
      const reply = await postXml(url, body, this.abort.signal);
      let code: string | undefined;
      try {
        code = parseXml(reply).return_code;
      } catch {
        code = undefined;
      }
      if (code !== 'SUCCESS') error = `reply is not return_code SUCCESS: ${JSON.stringify(reply.slice(0, 200))}`;
    } catch (err) {
      error = (err as Error).message;
    }
    if (this.closed && error !== undefined) {
      this.store.releaseNotification(id); // interrupted by close: not an attempt, the next start retries it
      return false;
    }
    const now = Date.now();
    if (error === undefined) {
      this.store.notificationDelivered(id, now);
      this.log.info({ kind, ref, attempt: attemptsBefore + 1 }, 'sandbox notification delivered');
    } else {
      const interval = RETRY_SCHEDULE_S[attemptsBefore];
      const nextAt = interval === undefined ? null : now + Math.round(interval * 1000 * this.retryScale);
      this.store.notificationFailed(id, error, nextAt);
      this.log.warn({ kind, ref, attempt: attemptsBefore + 1, error, gaveUp: nextAt === null }, 'sandbox notification not delivered');
    }
    this.wake();
    return error === undefined;
  }
}
