// Background loop: claims APPROVED refunds (and REFUNDING ones whose last send failed in a retryable way)
// and sends them to /secapi/pay/refund, paced under WXPAY_REFUND_QPS, one order's calls REFUND_ORDER_GAP_S
// apart. The refund is REFUNDING in the database before WeChat is called; its out_refund_no and fee never change.
//
// At the cap (150 calls/s) the database is the busy part, so the loop keeps its writes few and off the timing:
// each refund is claimed in its own small transaction up to CLAIM_AHEAD_MS before its send slot, slots are
// reserved a few at a time (SharedPacer) and only for claimed refunds (a claim another instance won costs no
// slot), the call goes at its slot from the send thread, whose timers the database does not delay
// (docs/architecture.md#refund-dispatch-timing), and what WeChat answered is recorded for several calls in one
// transaction. A crash before that record is the "answer lost" case the lease already covers: the refund is
// sent again with the same out_refund_no and fee, and WeChat answers with the same refund.
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
import { SendWindow, sharedSlotRate } from './dispatch/send-window.ts';

export interface DispatcherConfig {
  refundQps: number;
  refundOrderGapMs: number;
  retryBaseMs: number;
  wxpayTimeoutMs: number;
  refundQueryAfterMs: number;
}

const BATCH = 64;
const IDLE_POLL_MS = 1000;
// a refund is claimed up to this long before its send slot: a claim delayed by other work on the event loop
// (a busy transaction queue, a burst of answers) still ends before its slot. At 150 calls/s ≈ 15 refunds are
// claimed but not yet sent; a crash leaves them to the lease, like a call whose answer was lost.
const CLAIM_AHEAD_MS = 100;

/** A copy of `xs` in random order (Fisher–Yates). */
function shuffled<T>(xs: T[]): T[] {
  const out = [...xs];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

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
    // the slots' own headroom is the window's (sharedSlotRate), not the pacer's default
    this.window = new SendWindow(new SharedPacer(db, 'wxpay-refund', sharedSlotRate(cfg.refundQps), 1), cfg);
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
    // in random order: instances reading the same due refunds then rarely race for the same one
    const due = shuffled(await findDueRefunds(this.db, new Date(), BATCH));
    if (due.length === 0) return false;
    for (const [i, c] of due.entries()) {
      if (!this.running) break;
      const gapEnds = (c.order.lastRefundCallAt?.getTime() ?? 0) + this.cfg.refundOrderGapMs;
      if (gapEnds > Date.now()) {
        await postpone(this.db, c, new Date(gapEnds));
        continue;
      }
      while (this.inFlight.size >= this.window.maxInFlight) await Promise.race(this.inFlight);
      // the claim first, the slot for it after: a claim lost to another instance leaves no slot unused
      const claimed = await claimRefund(this.db, c, this.cfg);
      if (!claimed) continue;
      crashPoint('after-claim');
      const slot = await this.window.reserve(due.length - i);
      // the call waits for its slot in the send thread while the next ones are claimed
      const p = this.send(c, slot).catch((err) => this.log.error({ err, refundNo: c.refundNo }, 'refund send failed'));
      const tracked = p.finally(() => this.inFlight.delete(tracked));
      this.inFlight.add(tracked);
      await this.window.until(slot - CLAIM_AHEAD_MS);
      // a turn of the event loop between two claims: on SQLite a claim completes without one (the driver is
      // synchronous), and a loop of claims would hold back WeChat's answers and everything else meanwhile
      await new Promise((r) => setImmediate(r));
    }
    return true;
  }

  private async send(c: Candidate, slot: number): Promise<void> {
    await this.window.go(slot, (timing, permit) =>
      this.sender.send(c, timing, (outcome) => this.window.answered(permit, outcome.kind === 'accepted')),
    );
  }
}
