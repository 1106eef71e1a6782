// Background loop: claims APPROVED refunds (and REFUNDING ones whose last send failed in a retryable way)
// and sends them to /secapi/pay/refund, paced under WXPAY_REFUND_QPS, one order's calls REFUND_ORDER_GAP_S
// apart. The refund is REFUNDING in the database before WeChat is called; its out_refund_no and fee never change.
import type { Logger } from 'pino';
import type { Db } from '../db/client.ts';
import { Pacer } from '../lib/pacer.ts';
import { SharedPacer } from '../lib/shared-pacer.ts';
import { recordCall, type PayGateway } from '../payments/gateway.ts';
import { crashPoint } from '../test-faults.ts';
import { transition } from './repo.ts';

export interface DispatcherConfig {
  refundQps: number;
  refundOrderGapMs: number;
  retryBaseMs: number;
  wxpayTimeoutMs: number;
  refundQueryAfterMs: number;
}

const BATCH = 64;
const IDLE_POLL_MS = 1000;
const MAX_BACKOFF_MS = 10 * 60_000;
// WeChat allows 6 erroneous calls a second: after an error, slow to this until a call is accepted
const ERROR_INTERVAL_MS = 200;

interface Candidate {
  id: number;
  refundNo: string;
  status: string;
  amountFen: number;
  reason: string;
  orderId: number;
  attempts: number;
  nextAttemptAt: Date | null;
  order: { orderNo: string; totalFen: number; lastRefundCallAt: Date | null };
}

export class RefundDispatcher {
  private running = false;
  private loop: Promise<void> | null = null;
  private wakeUp: (() => void) | null = null;
  private readonly inFlight = new Set<Promise<void>>();
  /** The QPS cap, shared with every other instance through the database. */
  private readonly pacer: SharedPacer;
  /** This instance's own brake after WeChat answered with an error (≤ 5 erroneous calls a second). */
  private readonly errorPacer = new Pacer(1000 / ERROR_INTERVAL_MS);
  private erroring = false;

  constructor(
    private readonly db: Db,
    private readonly gw: PayGateway,
    private readonly cfg: DispatcherConfig,
    private readonly log: Logger,
  ) {
    this.pacer = new SharedPacer(db, 'wxpay-refund', cfg.refundQps);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run().catch((err) => this.log.error({ err }, 'refund dispatcher stopped'));
  }

  /** Something became due (an approval, a retry): look now instead of at the next poll. */
  wake(): void {
    this.wakeUp?.();
  }

  /** Stops claiming; waits for the calls already with WeChat to come back and be recorded. */
  async stop(): Promise<void> {
    this.running = false;
    this.wake();
    await this.loop;
    await Promise.allSettled([...this.inFlight]);
  }

  /** Enough in flight to keep the QPS going through WeChat's latency, bounded so a stall can't pile up. */
  private get maxInFlight(): number {
    if (this.erroring) return 1;
    return Math.max(4, Math.ceil((this.cfg.refundQps * this.cfg.wxpayTimeoutMs) / 1000 / 4));
  }

  private async run(): Promise<void> {
    while (this.running) {
      let worked = false;
      try {
        worked = await this.turn();
      } catch (err) {
        this.log.error({ err }, 'refund dispatcher turn failed; retrying');
      }
      if (!worked && this.running) await this.idle(IDLE_POLL_MS);
    }
  }

  private idle(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(done, ms);
      function done() {
        clearTimeout(t);
        resolve();
      }
      this.wakeUp = done;
    });
  }

  private async turn(): Promise<boolean> {
    const now = new Date();
    const due: Candidate[] = await this.db.refund.findMany({
      where: {
        nextAttemptAt: { lte: now },
        OR: [{ status: 'APPROVED' }, { status: 'REFUNDING', acceptedAt: null }],
      },
      orderBy: { nextAttemptAt: 'asc' },
      take: BATCH,
      select: {
        id: true,
        refundNo: true,
        status: true,
        amountFen: true,
        reason: true,
        orderId: true,
        attempts: true,
        nextAttemptAt: true,
        order: { select: { orderNo: true, totalFen: true, lastRefundCallAt: true } },
      },
    });
    if (due.length === 0) return false;
    for (const c of due) {
      if (!this.running) break;
      const gapEnds = (c.order.lastRefundCallAt?.getTime() ?? 0) + this.cfg.refundOrderGapMs;
      if (gapEnds > Date.now()) {
        await this.postpone(c, new Date(gapEnds));
        continue;
      }
      while (this.inFlight.size >= this.maxInFlight) await Promise.race(this.inFlight);
      if (this.erroring) await this.errorPacer.next();
      await this.pacer.next();
      const claimed = await this.claim(c);
      if (!claimed) continue;
      crashPoint('after-claim');
      const p = this.send(c).catch((err) => this.log.error({ err, refundNo: c.refundNo }, 'refund send failed'));
      const tracked = p.finally(() => this.inFlight.delete(tracked));
      this.inFlight.add(tracked);
    }
    return true;
  }

  private async postpone(c: Candidate, until: Date): Promise<void> {
    await this.db.$transaction((tx) =>
      tx.refund.updateMany({ where: { id: c.id, status: c.status, nextAttemptAt: c.nextAttemptAt }, data: { nextAttemptAt: until } }),
    );
  }

  /**
   * Takes the refund for one send: APPROVED → REFUNDING through the table, or a due resend of a REFUNDING
   * one, plus the order's gap, in one transaction. nextAttemptAt moves past the call's timeout, so if this
   * process dies mid-call the refund becomes due again and is resent with the same out_refund_no.
   */
  private async claim(c: Candidate): Promise<boolean> {
    const now = new Date();
    const lease = new Date(now.getTime() + this.cfg.wxpayTimeoutMs + 5000);
    try {
      return await this.db.$transaction(async (tx) => {
        const gap = await tx.order.updateMany({
          where: {
            id: c.orderId,
            OR: [{ lastRefundCallAt: null }, { lastRefundCallAt: { lte: new Date(now.getTime() - this.cfg.refundOrderGapMs) } }],
          },
          data: { lastRefundCallAt: now },
        });
        if (gap.count === 0) return false;
        const data = { nextAttemptAt: lease, attempts: { increment: 1 } };
        if (c.status === 'APPROVED') {
          await transition(tx, c, 'dispatch', { role: 'system', name: 'dispatcher' }, { data });
          return true;
        }
        const { count } = await tx.refund.updateMany({
          where: { id: c.id, status: 'REFUNDING', acceptedAt: null, nextAttemptAt: c.nextAttemptAt },
          data,
        });
        if (count === 0) throw new LostClaim();
        return true;
      });
    } catch (err) {
      if (err instanceof LostClaim || (err as { code?: string }).code === 'INVALID_STATE') return false;
      throw err;
    }
  }

  private async send(c: Candidate): Promise<void> {
    crashPoint('before-call');
    const { outcome, call } = await this.gw.client.refund({
      outTradeNo: c.order.orderNo,
      outRefundNo: c.refundNo,
      totalFee: c.order.totalFen,
      refundFee: c.amountFen,
      refundDesc: c.reason,
      notifyUrl: this.gw.notifyUrl('refund'),
    });
    crashPoint('after-call');
    await recordCall(this.db, call, { refundId: c.id, orderNo: c.order.orderNo });
    const now = Date.now();
    if (outcome.kind === 'accepted') {
      this.setErroring(false);
      // accepted is not refunded: the notification or a query after REFUND_QUERY_AFTER_S settles it
      await this.db.$transaction((tx) =>
        tx.refund.updateMany({
          where: { id: c.id, status: 'REFUNDING', acceptedAt: null },
          data: {
            acceptedAt: new Date(now),
            wxRefundId: outcome.refundId,
            lastErrorCode: null,
            nextAttemptAt: new Date(now + this.cfg.refundQueryAfterMs),
          },
        }),
      );
      return;
    }
    this.setErroring(true);
    if (outcome.kind === 'retryable') {
      const attempts = c.attempts + 1;
      const backoff = Math.min(MAX_BACKOFF_MS, this.cfg.retryBaseMs * 2 ** Math.min(attempts - 1, 20));
      // INVALID_REQ_TOO_MUCH asks for at least a minute
      const wait = outcome.code === 'INVALID_REQ_TOO_MUCH' ? Math.max(backoff, 60_000) : backoff;
      this.log.warn({ refundNo: c.refundNo, code: outcome.code, attempts, retryInMs: wait }, 'refund call will be retried');
      await this.db.$transaction((tx) =>
        tx.refund.updateMany({
          where: { id: c.id, status: 'REFUNDING', acceptedAt: null },
          data: { nextAttemptAt: new Date(now + wait), lastErrorCode: outcome.code },
        }),
      );
      return;
    }
    this.log.warn({ refundNo: c.refundNo, code: outcome.code }, 'refund refused by WeChat Pay');
    await this.db.$transaction(async (tx) => {
      const fresh = await tx.refund.findUniqueOrThrow({ where: { id: c.id } });
      if (fresh.status !== 'REFUNDING') return; // a notification got there first
      await transition(tx, fresh, 'fail', { role: 'wechat', name: 'wechat:refund' }, {
        note: `${outcome.code}: ${outcome.message}`,
        data: { failCode: outcome.code, failReason: outcome.message, lastErrorCode: outcome.code, nextAttemptAt: null },
      });
    });
  }

  private setErroring(on: boolean): void {
    this.erroring = on;
  }
}

class LostClaim extends Error {}
