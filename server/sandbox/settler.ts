// Moves accepted refunds from PROCESSING to their final state when due (durably), then queues their notification
// in the protocol the refund was made in.
import { chinaHuman } from './ids.ts';
import type { Faults, SettleStatus } from './faults.ts';
import { refundNotificationXml } from './notifications.ts';
import type { Notifier } from './notifier.ts';
import type { RefundRow, Store } from './store.ts';
import type { SandboxLogger, SandboxMerchant } from './types.ts';
import { v3RefundNotification } from './v3-notifications.ts';

const POLL_MS = 1000;
const BATCH = 64;

export interface Settled {
  refund: RefundRow;
  /** Empty when no notification went out (a loseNotifications fault, or no notify_url). */
  notificationIds: number[];
}

export class Settler {
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly store: Store,
    private readonly faults: Faults,
    private readonly notifier: Notifier,
    private readonly merchant: SandboxMerchant,
    private readonly log: SandboxLogger,
  ) {}

  start(): void {
    this.wake();
  }

  wake(): void {
    if (!this.closed) this.arm(0);
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
  }

  /**
   * Settles a PROCESSING refund: as `status` if given, else as the next settleAs fault says, else SUCCESS.
   * Status change and notification row commit together, so a crash cannot settle without notifying.
   * Null when the refund is not PROCESSING (already settled, by this or another process).
   */
  settle(outRefundNo: string, status?: SettleStatus): Settled | null {
    const result = this.store.tx(() => {
      const refund = this.store.refund(outRefundNo);
      if (!refund || refund.status !== 'PROCESSING') return null;
      const final = status ?? this.faults.takeSettleAs(outRefundNo) ?? 'SUCCESS';
      this.store.settleRefund(outRefundNo, final, final === 'SUCCESS' ? chinaHuman(Date.now()) : null);
      const settled = this.store.refund(outRefundNo) as RefundRow;
      return { refund: settled, notificationIds: this.queueNotification(settled) };
    });
    if (result) {
      this.log.info({ outRefundNo, status: result.refund.status, notified: result.notificationIds.length > 0 }, 'sandbox refund settled');
      this.notifier.wake();
    }
    return result;
  }

  /** Queues a settled refund's notification, unless a loseNotifications fault swallows it. Call inside a transaction. */
  queueNotification(refund: RefundRow): number[] {
    if (this.faults.takeLoseNotification()) {
      this.log.warn({ outRefundNo: refund.out_refund_no }, 'sandbox fault: refund notification lost');
      return [];
    }
    if (!refund.notify_url) {
      this.log.warn({ outRefundNo: refund.out_refund_no }, 'sandbox refund has no notify_url: nothing to notify');
      return [];
    }
    const trade = this.store.trade(refund.out_trade_no);
    if (!trade) return [];
    const body =
      refund.protocol === 'v3' ? v3RefundNotification(this.merchant, trade, refund) : refundNotificationXml(this.merchant, trade, refund);
    return this.notifier.enqueue('refund', refund.out_refund_no, refund.notify_url, body, { protocol: refund.protocol, keyMode: refund.key_mode });
  }

  private arm(delayMs: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.tick(), delayMs);
    this.timer.unref();
  }

  private tick(): void {
    if (this.closed) return;
    try {
      for (const no of this.store.dueRefunds(Date.now(), BATCH)) this.settle(no);
      const next = this.store.nextSettleAt();
      this.arm(next === null ? POLL_MS : Math.min(POLL_MS, Math.max(0, next - Date.now())));
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'sandbox settler tick failed');
      this.arm(POLL_MS);
    }
  }
}
