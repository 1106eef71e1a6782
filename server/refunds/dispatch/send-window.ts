// When this instance may send the next refund call to WeChat Pay. Three limits, composed here so that the
// dispatcher only asks "when may I send one call?":
// 1. WXPAY_REFUND_QPS, one budget for every instance: evenly spaced slots reserved in the database
//    (lib/shared-pacer.ts);
// 2. the error brake (error-brake.ts): one call at a time, ≤ 5 a second, after WeChat answered with an error;
// 3. this instance's own sends in the last second and ARRIVAL_MARGIN_MS, never more than 98 % of the cap (or 2
//    below it) whatever the timers did: the last word before a call goes. The margin is room for the way there:
//    calls sent evenly reach WeChat a little bunched (a new TLS connection takes longer than a reused one, WeChat's
//    side reads them in turns), and WeChat counts them as they arrive.
// The caller prepares the call (claims the refund, signs the request) before its slot and hands it over with
// its SendTiming; whoever writes it to the socket — the send thread (wechatpay/send-thread.ts) — holds it until
// the slot and checks 1 and 3 there (lib/slot-gate.ts), where the timers are not delayed by the database.
import type { SharedPacer } from '../../lib/shared-pacer.ts';
import { SlotMissed, type SendTiming } from '../../lib/slot-gate.ts';
import { ErrorBrake, type BrakeMark } from './error-brake.ts';

// at most this many seconds' worth of calls (at the QPS cap) wait for WeChat's answer at once
const IN_FLIGHT_S = 1;

/**
 * How much sooner than sent calls may arrive together at WeChat. Measured against the sandbox on the same 2 cores
 * (docs/benchmarks.md): with calls sent evenly at 147 a second, one second of arrivals held up to 153, and
 * WeChat's frequency limit refused some, with a 14 ms margin (two slot intervals); none with 50 ms, for at most
 * ≈ 141 calls a second (148 in 1,050 ms), from one instance or several together (sharedSlotRate).
 */
const ARRIVAL_MARGIN_MS = 50;

/** Where the evenly spaced slots come from: the SharedPacer (a stand-in in unit tests). */
export type SlotSource = Pick<SharedPacer, 'take' | 'until' | 'lateMs'>;

export interface SendWindowConfig {
  refundQps: number;
  wxpayTimeoutMs: number;
}

/**
 * This instance's own cap in any span (a second and the arrival margin): 98 % of the QPS, or 2 below it where
 * that is more (148 of 150), so that a little more of the budget is used while the margin holds the arrivals.
 */
export function instanceCap(qps: number): number {
  return Math.max(1, Math.floor(qps * 0.98), qps - 2);
}

/** The span of this instance's window: a second, the arrival margin, at least two slot intervals. */
function windowSpanMs(qps: number): number {
  return 1000 + Math.max(Math.ceil(2000 / qps), ARRIVAL_MARGIN_MS);
}

/**
 * The rate of the slots shared by all instances: cap − 1 intervals per window span, so that any span holds at most
 * `cap` calls even when each goes up to its one interval late. Several instances together then keep the arrival
 * margin too, as each one's own window does.
 */
export function sharedSlotRate(qps: number): number {
  return (Math.max(1, instanceCap(qps) - 1) * 1000) / windowSpanMs(qps);
}

/** Leave to send one call; hand it back to answered() with WeChat's answer. */
export type SendPermit = BrakeMark;

export class SendWindow {
  private readonly brake = new ErrorBrake();
  private readonly recent: SendTiming['window'];

  constructor(
    private readonly slots: SlotSource,
    private readonly cfg: SendWindowConfig,
  ) {
    this.recent = { name: 'wxpay-refund', cap: instanceCap(cfg.refundQps), spanMs: windowSpanMs(cfg.refundQps) };
  }

  /** Whether the error brake is on. */
  get braking(): boolean {
    return this.brake.on;
  }

  /**
   * Enough in flight to keep the QPS going through WeChat's latency (IN_FLIGHT_S of calls: its usual
   * 100–300 ms with room to spare), bounded so a stall can't pile up: when WeChat is slower than that,
   * sending slows down rather than opening ever more TLS connections to a server that is already behind.
   * One while braking.
   */
  get maxInFlight(): number {
    if (this.brake.on) return 1;
    const byTimeout = Math.ceil((this.cfg.refundQps * this.cfg.wxpayTimeoutMs) / 1000 / 4);
    return Math.max(4, Math.min(byTimeout, Math.ceil(this.cfg.refundQps * IN_FLIGHT_S)));
  }

  /**
   * The epoch-ms time of a slot reserved for the next call. `coming` is how many calls the caller has
   * coming (a hint: a few slots are reserved at once); while braking, one at a time and spaced out.
   */
  async reserve(coming: number): Promise<number> {
    await this.brake.pace();
    return this.slots.take(this.brake.on ? 1 : coming);
  }

  /** Waits until `at` (epoch ms), e.g. a little before a reserved slot. */
  until(at: number): Promise<void> {
    return this.slots.until(at);
  }

  /**
   * Hands the call to `send` with its timing: at its slot, within the slot's lateness, within this instance's
   * window. When `send` rejects with SlotMissed (nothing was sent: the slot was past use, or the window full),
   * the call gets a fresh slot and is handed over again, so late sends never bunch up with the slots after
   * them. `send` gets the permit to give back to answered() with WeChat's answer.
   */
  async go<T>(slot: number, send: (timing: SendTiming, permit: SendPermit) => Promise<T>): Promise<T> {
    for (;;) {
      const permit = this.brake.mark();
      try {
        return await send({ at: slot, lateMs: this.slots.lateMs, window: this.recent }, permit);
      } catch (err) {
        if (!(err instanceof SlotMissed)) throw err;
        if (err.retryInMs > 0) await new Promise((r) => setTimeout(r, err.retryInMs));
        slot = await this.slots.take(1);
      }
    }
  }

  /** WeChat answered the call sent under `permit`: drives the error brake. */
  answered(permit: SendPermit, accepted: boolean): void {
    this.brake.answered(permit, accepted);
  }
}
