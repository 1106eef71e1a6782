// Background loop: claims APPROVED refunds (and REFUNDING ones whose last send failed in a retryable way)
// and sends them to /secapi/pay/refund, paced under WXPAY_REFUND_QPS, one order's calls REFUND_ORDER_GAP_S
// apart. The refund is REFUNDING in the database before WeChat is called; its out_refund_no and fee never change.
//
// At the cap (150 calls/s) the database is the busy part, so the loop keeps its writes few: send slots are
// reserved a few at a time (SharedPacer), each refund is claimed in its own small transaction while the
// previous one waits for its slot, and what WeChat answered is recorded for several calls in one transaction
// (docs/benchmarks.md, "Dispatcher"). A crash before that record is the "answer lost" case the lease already
// covers: the refund is sent again with the same out_refund_no and fee, and WeChat answers with the same refund.
//
// The parts, in dispatch/: due-refunds.ts (what is due), send-window.ts (when a call may go: the shared QPS
// budget, the error brake, this instance's one-second window), claim.ts (REFUNDING before the call),
// send-refund.ts (the call and what its answer means), answer-recorder.ts (answers written in batches).
import type { Logger } from 'pino';
import type { Db } from '../db/client.ts';
import { SharedPacer } from '../lib/shared-pacer.ts';
import type { PayGateway } from '../gateway/gateway.ts';
import { crashPoint } from '../test-faults.ts';
import { AnswerRecorder } from './dispatch/answer-recorder.ts';
import { claimRefund } from './dispatch/claim.ts';
import { findDueRefunds, postpone, type Candidate } from './dispatch/due-refunds.ts';
import { RefundSender } from './dispatch/send-refund.ts';
import { SendWindow } from './dispatch/send-window.ts';

export interface DispatcherConfig {
  refundQps: number;
  refundOrderGapMs: number;
  retryBaseMs: number;
  wxpayTimeoutMs: number;
  refundQueryAfterMs: number;
}

const BATCH = 64;
const IDLE_POLL_MS = 1000;
// a refund is claimed this long before its send slot (a few claimed-but-unsent refunds at most)
const CLAIM_AHEAD_MS = 25;

export class RefundDispatcher {
  private running = false;
  private loop: Promise<void> | null = null;
  private wakeUp: (() => void) | null = null;
  private readonly inFlight = new Set<Promise<void>>();
  /** When a call may go: the QPS cap shared with every other instance, the error brake, this instance's own second. */
  private readonly window: SendWindow;
  private readonly sender: RefundSender;

  constructor(
    private readonly db: Db,
    gw: PayGateway,
    private readonly cfg: DispatcherConfig,
    private readonly log: Logger,
  ) {
    this.window = new SendWindow(new SharedPacer(db, 'wxpay-refund', cfg.refundQps), cfg);
    this.sender = new RefundSender(db, gw, new AnswerRecorder(db, cfg.refundQueryAfterMs), cfg.retryBaseMs, log);
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
    const due = await findDueRefunds(this.db, new Date(), BATCH);
    if (due.length === 0) return false;
    for (const [i, c] of due.entries()) {
      if (!this.running) break;
      const gapEnds = (c.order.lastRefundCallAt?.getTime() ?? 0) + this.cfg.refundOrderGapMs;
      if (gapEnds > Date.now()) {
        await postpone(this.db, c, new Date(gapEnds));
        continue;
      }
      while (this.inFlight.size >= this.window.maxInFlight) await Promise.race(this.inFlight);
      // the slot first; the claim starts a little before it, so its transaction is not on the pacing path
      const slot = await this.window.reserve(due.length - i);
      await this.window.until(slot - CLAIM_AHEAD_MS);
      const claimed = await claimRefund(this.db, c, this.cfg);
      if (!claimed) continue; // its slot goes unused
      crashPoint('after-claim');
      // it waits for its slot (or a fresh one) while the next one is claimed; sent at once if already due
      const p = this.send(c, slot).catch((err) => this.log.error({ err, refundNo: c.refundNo }, 'refund send failed'));
      const tracked = p.finally(() => this.inFlight.delete(tracked));
      this.inFlight.add(tracked);
    }
    return true;
  }

  private async send(c: Candidate, slot: number): Promise<void> {
    const permit = await this.window.go(slot);
    await this.sender.send(c, (outcome) => this.window.answered(permit, outcome.kind === 'accepted'));
  }
}
