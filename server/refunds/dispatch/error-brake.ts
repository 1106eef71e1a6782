// This instance's brake after WeChat Pay answered a refund call with an error. WeChat allows 6 erroneous
// calls a second per merchant (past that it answers INVALID_REQ_TOO_MUCH and wants a minute's rest:
// docs/wechat-pay.md, "Error classes"), so while the brake is on, calls go one at a time
// (SendWindow.maxInFlight) and ERROR_INTERVAL_MS apart: even if every one of them errs, fewer than 5
// erroneous calls a second.
//
// When it is on, made for up to a second's worth of calls being with WeChat at once, whose answers come
// back in any order:
// - every erroneous answer (retryable or final) puts it on, whenever its call was sent;
// - only an accepted call that was sent after the latest erroneous answer came back takes it off (with
//   the brake on, that is a call sent at the brake's pace, one at a time).
// An acceptance of a call that was already on its way when an error came back says nothing about WeChat
// now, so it never clears that error. The state is a count of erroneous answers and the highest count an
// accepted call had seen when it was sent: a sum and a maximum, so it does not depend on which of the
// answers in flight is handled last.
import { Pacer } from '../../lib/pacer.ts';

// WeChat allows 6 erroneous calls a second: after an error, slow to this until a call is accepted
export const ERROR_INTERVAL_MS = 200;

/** What the brake had seen when a call was sent; handed back with that call's answer. */
export interface BrakeMark {
  readonly errorsSeen: number;
}

export class ErrorBrake {
  /** Erroneous answers so far. */
  private errors = 0;
  /** Errors made up for: the most errors an accepted call had seen when it was sent. */
  private madeUpFor = 0;
  /** ≤ 5 calls a second while braking (the Pacer keeps 2 % under that). */
  private readonly spacing = new Pacer(1000 / ERROR_INTERVAL_MS);

  get on(): boolean {
    return this.errors > this.madeUpFor;
  }

  /** Taken when a call is sent. */
  mark(): BrakeMark {
    return { errorsSeen: this.errors };
  }

  /** WeChat's answer to the call sent with `mark`: accepted, or an error (retryable or final). */
  answered(mark: BrakeMark, accepted: boolean): void {
    if (accepted) this.madeUpFor = Math.max(this.madeUpFor, mark.errorsSeen);
    else this.errors++;
  }

  /** While braking: resolves at the next slot ERROR_INTERVAL_MS after the previous one; otherwise at once. */
  async pace(): Promise<void> {
    if (this.on) await this.spacing.next();
  }
}
