// When this instance may send the next refund call to WeChat Pay. Three limits, composed here so that the
// dispatcher only asks "when may I send one call?":
// 1. WXPAY_REFUND_QPS, one budget for every instance: evenly spaced slots reserved in the database
//    (lib/shared-pacer.ts);
// 2. the error brake (error-brake.ts): one call at a time, ≤ 5 a second, after WeChat answered with an error;
// 3. this instance's own sends in the last second and two slot intervals, never more than 98 % of the cap (or 2 below it)
//    whatever the timers did (a slot used late, a busy event loop): the last word before a call goes. The two
//    intervals are room for the network: calls sent evenly may reach WeChat a little bunched (a new TLS
//    connection takes longer than a reused one), and WeChat counts them as they arrive.
// A slot is reserved first, so the caller can prepare the call (claim the refund) before it is due; go()
// then waits for it.
import type { SharedPacer } from '../../lib/shared-pacer.ts';
import { ErrorBrake, type BrakeMark } from './error-brake.ts';

// at most this many seconds' worth of calls (at the QPS cap) wait for WeChat's answer at once
const IN_FLIGHT_S = 1;

/** Where the evenly spaced slots come from: the SharedPacer (a stand-in in unit tests). */
export type SlotSource = Pick<SharedPacer, 'take' | 'usable' | 'until'>;

export interface SendWindowConfig {
  refundQps: number;
  wxpayTimeoutMs: number;
}

/**
 * This instance's own cap in any span: 98 % of the QPS, or 2 below it where that is more (148 of 150). Two calls
 * of room are what the span's two intervals of arrival bunching need; at 150/s, 98 % with that span would hold
 * one instance to 145/s, below the 97 % of the budget a backlog should get (docs/benchmarks.md).
 */
export function instanceCap(qps: number): number {
  return Math.max(1, Math.floor(qps * 0.98), qps - 2);
}

/** Leave to send one call; hand it back to answered() with WeChat's answer. */
export type SendPermit = BrakeMark;

export class SendWindow {
  private readonly brake = new ErrorBrake();
  private readonly recent: OneSecondWindow;

  constructor(
    private readonly slots: SlotSource,
    private readonly cfg: SendWindowConfig,
  ) {
    this.recent = new OneSecondWindow(instanceCap(cfg.refundQps), 1000 + Math.ceil(2000 / cfg.refundQps));
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
   * Resolves when the call may go: at its slot (a fresh one if this one is past use, so late sends never
   * bunch up with the slots after them), once this instance sent fewer than its cap in the last second.
   * Resolves without a timer when both already hold. Counts the call as sent.
   */
  async go(slot: number): Promise<SendPermit> {
    for (;;) {
      await this.slots.until(slot);
      // checked again after a wait for this instance's second too: every call goes within one interval of
      // a slot of its own, which is what keeps all instances together under the cap
      if (!this.slots.usable(slot)) {
        slot = await this.slots.take(1);
        continue;
      }
      const wait = this.recent.admit(Date.now());
      if (wait === 0) return this.brake.mark();
      await new Promise((r) => setTimeout(r, wait));
    }
  }

  /** WeChat answered the call sent under `permit`: drives the error brake. */
  answered(permit: SendPermit, accepted: boolean): void {
    this.brake.answered(permit, accepted);
  }
}

/** This instance's sends in the last `spanMs` (a second, or a little more; their times, oldest first): never more than `cap`. */
export class OneSecondWindow {
  private readonly sentAt: number[] = [];

  constructor(
    readonly cap: number,
    readonly spanMs = 1000,
  ) {}

  /** 0: fewer than `cap` sends in the span up to `now`, and this one is counted; else ms to wait before asking again. */
  admit(now: number): number {
    while (this.sentAt.length > 0 && this.sentAt[0] <= now - this.spanMs) this.sentAt.shift();
    if (this.sentAt.length < this.cap) {
      this.sentAt.push(now);
      return 0;
    }
    return this.sentAt[0] + this.spanMs - now + 1;
  }
}
