// Durable notification delivery: every notification is a row, retried on WeChat's schedule until the merchant takes it
// (v2: a return_code SUCCESS reply; v3: HTTP 200 or 204, body ignored).
import { parseXml } from '../wechatpay/xml.ts';
import type { Faults } from './faults.ts';
import { postNotification } from './post-notification.ts';
import { V2, type NotificationRow, type Store, type Via } from './store.ts';
import type { SandboxLogger } from './types.ts';
import type { V3Keys } from './v3-keys.ts';

/** Intervals between attempts after the first (docs/wechat-pay.md § Notifications): 15 retries, 24h4m in all. */
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
    private readonly v3: V3Keys,
  ) {}

  /**
   * Queues a notification, due now; twice when a duplicateNotifications fault is armed. Safe inside the
   * caller's transaction (it only writes rows); call wake() after the commit. Returns the row ids.
   * `via` is the protocol (and v3 key mode) of the trade or refund it tells about.
   */
  enqueue(kind: 'pay' | 'refund', ref: string, url: string, body: string, via: Via = V2): number[] {
    const copies = this.faults.takeDuplicateNotification() ? 2 : 1;
    const ids: number[] = [];
    for (let i = 0; i < copies; i++) ids.push(this.store.insertNotification({ kind, ref, url, body, nextAt: Date.now(), via }));
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
    return this.track(id, this.attempt(row));
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
        if (row) void this.track(id, this.attempt(row));
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

  /** One POST; undefined when the merchant took it, else why not. */
  private async post(row: NotificationRow): Promise<string | undefined> {
    if (row.protocol === 'v3') {
      // Signed now, not when queued: a retry hours later must carry a fresh timestamp, and the current certificate.
      const headers = this.v3.sign(row.key_mode ?? 'platform-certificate', row.body);
      const reply = await postNotification(row.url, row.body, 'application/json', headers, this.abort.signal);
      if (reply.status === 200 || reply.status === 204) return undefined;
      return `reply is HTTP ${reply.status}: ${JSON.stringify(reply.body.slice(0, 200))}`;
    }
    const reply = (await postNotification(row.url, row.body, 'text/xml; charset=utf-8', {}, this.abort.signal)).body;
    let code: string | undefined;
    try {
      code = parseXml(reply).return_code;
    } catch {
      code = undefined;
    }
    return code === 'SUCCESS' ? undefined : `reply is not return_code SUCCESS: ${JSON.stringify(reply.slice(0, 200))}`;
  }

  private async attempt(row: NotificationRow): Promise<boolean> {
    const { id, attempts: attemptsBefore, kind, ref } = row;
    let error: string | undefined;
    try {
      error = await this.post(row);
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
