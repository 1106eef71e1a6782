// Background loop: claims APPROVED refunds (and REFUNDING ones whose last send failed in a retryable way)
// and sends them to /secapi/pay/refund, paced under WXPAY_REFUND_QPS, one order's calls REFUND_ORDER_GAP_S
// apart. The refund is REFUNDING in the database before WeChat is called; its out_refund_no and fee never change.
//
// At the cap (150 calls/s) the database is the busy part, so the loop keeps its writes few: send slots are
// reserved a few at a time (SharedPacer), each refund is claimed in its own small transaction while the
// previous one waits for its slot, and what WeChat answered is recorded for several calls in one transaction
// (RECORD_EVERY_MS). A crash before that record is the "answer lost" case the lease already covers: the
// refund is sent again with the same out_refund_no and fee, and WeChat answers with the same refund.
import type { Logger } from 'pino';
import type { Db } from '../db/client.ts';
import { Pacer } from '../lib/pacer.ts';
import { SharedPacer } from '../lib/shared-pacer.ts';
import { callRow, type PayGateway } from '../payments/gateway.ts';
import type { RefundOutcome, WxCallRecord } from '../wechatpay/client.ts';
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
// answers that came back within this long are recorded together, in one transaction
const RECORD_EVERY_MS = 20;
// a refund is claimed this long before its send slot (a few claimed-but-unsent refunds at most)
const CLAIM_AHEAD_MS = 25;
// at most this many seconds' worth of calls (at the QPS cap) wait for WeChat's answer at once
const IN_FLIGHT_S = 1;

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
  /** This instance's own sends in the last second (ring of times): never more than the cap, whatever the timers did. */
  private readonly sentAt: number[] = [];
  private readonly windowCap: number;
  /** Answers waiting to be recorded, and the timer that records them. */
  private answers: Answer[] = [];
  private recordTimer: NodeJS.Timeout | null = null;
  private recording: Promise<void> = Promise.resolve();

  constructor(
    private readonly db: Db,
    private readonly gw: PayGateway,
    private readonly cfg: DispatcherConfig,
    private readonly log: Logger,
  ) {
    this.pacer = new SharedPacer(db, 'wxpay-refund', cfg.refundQps);
    this.windowCap = Math.max(1, Math.floor(cfg.refundQps * 0.98));
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

  /**
   * Enough in flight to keep the QPS going through WeChat's latency (IN_FLIGHT_S of calls: its usual
   * 100–300 ms with room to spare), bounded so a stall can't pile up: when WeChat is slower than that,
   * sending slows down rather than opening ever more TLS connections to a server that is already behind.
   */
  private get maxInFlight(): number {
    if (this.erroring) return 1;
    const byTimeout = Math.ceil((this.cfg.refundQps * this.cfg.wxpayTimeoutMs) / 1000 / 4);
    return Math.max(4, Math.min(byTimeout, Math.ceil(this.cfg.refundQps * IN_FLIGHT_S)));
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
    for (const [i, c] of due.entries()) {
      if (!this.running) break;
      const gapEnds = (c.order.lastRefundCallAt?.getTime() ?? 0) + this.cfg.refundOrderGapMs;
      if (gapEnds > Date.now()) {
        await this.postpone(c, new Date(gapEnds));
        continue;
      }
      while (this.inFlight.size >= this.maxInFlight) await Promise.race(this.inFlight);
      if (this.erroring) await this.errorPacer.next();
      // the slot first; the claim starts a little before it, so its transaction is not on the pacing path
      let slot = await this.pacer.take(this.erroring ? 1 : due.length - i);
      await this.pacer.until(slot - CLAIM_AHEAD_MS);
      const claimed = await this.claim(c);
      if (!claimed) continue; // its slot goes unused
      crashPoint('after-claim');
      if (!this.pacer.usable(slot)) slot = await this.pacer.take(1);
      // due now: sent from here; otherwise it waits for its slot while the next one is claimed
      const p = (slot <= Date.now() ? this.dispatch(c) : this.sendAtSlot(c, slot)).catch((err) =>
        this.log.error({ err, refundNo: c.refundNo }, 'refund send failed'),
      );
      const tracked = p.finally(() => this.inFlight.delete(tracked));
      this.inFlight.add(tracked);
    }
    return true;
  }

  /** Waits for the slot; a timer that fired too late (a busy event loop) waits for a fresh slot instead. */
  private async sendAtSlot(c: Candidate, slot: number): Promise<void> {
    for (;;) {
      await this.pacer.until(slot);
      if (this.pacer.usable(slot)) return this.dispatch(c);
      slot = await this.pacer.take(1);
    }
  }

  /**
   * Sends now if this instance sent fewer than the cap in the last second (whatever the timers did), else
   * as soon as that is true again. The send starts synchronously when it can.
   */
  private dispatch(c: Candidate): Promise<void> {
    const now = Date.now();
    while (this.sentAt.length > 0 && this.sentAt[0] <= now - 1000) this.sentAt.shift();
    if (this.sentAt.length < this.windowCap) {
      this.sentAt.push(now);
      return this.send(c);
    }
    return new Promise((r) => setTimeout(r, this.sentAt[0] + 1000 - now + 1)).then(() => this.dispatch(c));
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
    this.setErroring(outcome.kind !== 'accepted');
    let retryInMs = 0;
    if (outcome.kind === 'retryable') {
      const attempts = c.attempts + 1;
      const backoff = Math.min(MAX_BACKOFF_MS, this.cfg.retryBaseMs * 2 ** Math.min(attempts - 1, 20));
      // INVALID_REQ_TOO_MUCH asks for at least a minute
      retryInMs = outcome.code === 'INVALID_REQ_TOO_MUCH' ? Math.max(backoff, 60_000) : backoff;
      this.log.warn({ refundNo: c.refundNo, code: outcome.code, attempts, retryInMs }, 'refund call will be retried');
    }
    // the call as evidence, and for an accepted or retryable answer what it means for the refund
    await this.record({ c, call, outcome, at: Date.now(), retryInMs });
    if (outcome.kind !== 'final') return;
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

  /** Resolves once the answer is in the database (with the others that came back within RECORD_EVERY_MS). */
  private record(a: Omit<Answer, 'done'>): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.answers.push({ ...a, done: { resolve, reject } });
      this.recordTimer ??= setTimeout(() => {
        this.recordTimer = null;
        const batch = this.answers;
        this.answers = [];
        // one recording at a time, in order
        this.recording = this.recording.then(() => this.recordBatch(batch));
      }, RECORD_EVERY_MS);
    });
  }

  private async recordBatch(batch: Answer[]): Promise<void> {
    try {
      await this.db.$transaction(async (tx) => {
        await tx.wechatCall.createMany({ data: batch.map((a) => callRow(a.call, { refundId: a.c.id, orderNo: a.c.order.orderNo })) });
        for (const { c, outcome, at, retryInMs } of batch) {
          if (outcome.kind === 'accepted') {
            // accepted is not refunded: the notification or a query after REFUND_QUERY_AFTER_S settles it
            await tx.refund.updateMany({
              where: { id: c.id, status: 'REFUNDING', acceptedAt: null },
              data: {
                acceptedAt: new Date(at),
                wxRefundId: outcome.refundId,
                lastErrorCode: null,
                nextAttemptAt: new Date(at + this.cfg.refundQueryAfterMs),
              },
            });
          } else if (outcome.kind === 'retryable') {
            await tx.refund.updateMany({
              where: { id: c.id, status: 'REFUNDING', acceptedAt: null },
              data: { nextAttemptAt: new Date(at + retryInMs), lastErrorCode: outcome.code },
            });
          }
        }
      });
      for (const a of batch) a.done.resolve();
    } catch (err) {
      for (const a of batch) a.done.reject(err);
    }
  }
}

interface Answer {
  c: Candidate;
  call: WxCallRecord;
  outcome: RefundOutcome;
  /** When the answer came back (epoch ms). */
  at: number;
  /** For a retryable answer: the back-off before the next send. */
  retryInMs: number;
  done: { resolve: () => void; reject: (err: unknown) => void };
}

class LostClaim extends Error {}
