// The last word before a paced call goes: at its slot, not later than the slot allows, and within this
// instance's own one-second window. It runs where the call is written to the socket — in the send thread
// (wechatpay/send-thread.ts), whose event loop has nothing else to do, so a call goes at its slot even while
// the server's own loop is busy with the database (docs/architecture.md#refund-dispatch-timing).

/** When a paced call may go, handed with the call to whoever sends it. */
export interface SendTiming {
  /** The slot, epoch ms: the call goes no earlier. */
  at: number;
  /** How late after `at` it may still go; later, the slot is past use and the call does not go (SlotMissed). */
  lateMs: number;
  /** This instance's own window: at most `cap` calls named `name` within any `spanMs`. */
  window: { name: string; cap: number; spanMs: number };
}

/** The call did not go: its slot was past use (`late`), or this instance's window was full (`window`). */
export class SlotMissed extends Error {
  override name = 'SlotMissed';
  constructor(
    readonly why: 'late' | 'window',
    /** For `window`: how long until the window has room again. */
    readonly retryInMs: number,
  ) {
    super(why === 'late' ? 'the send slot was past use' : `this instance's one-second window is full for ${retryInMs} ms`);
  }
}

/**
 * This instance's sends in the last `spanMs` (a second, or a little more; their times, oldest first): never more
 * than `cap`. A caller may ask for a longer span for a while (up to `maxExtraMs` more): see COLD_EXTRA_SPAN_MS.
 */
export class OneSecondWindow {
  private readonly sentAt: number[] = [];

  constructor(
    readonly cap: number,
    readonly spanMs = 1000,
    private readonly maxExtraMs = 0,
  ) {}

  /**
   * 0: fewer than `cap` sends in the span (+ `extraMs`) up to `now`, and this one is counted; else ms to wait
   * before asking again.
   */
  admit(now: number, extraMs = 0): number {
    while (this.sentAt.length > 0 && this.sentAt[0] <= now - this.spanMs - this.maxExtraMs) this.sentAt.shift();
    const span = this.spanMs + Math.min(extraMs, this.maxExtraMs);
    let first = 0; // the oldest send within the span
    while (first < this.sentAt.length && this.sentAt[first] <= now - span) first++;
    if (this.sentAt.length - first < this.cap) {
      this.sentAt.push(now);
      return 0;
    }
    return this.sentAt[first] + span - now + 1;
  }
}

/**
 * While the sender is opening new connections (a burst after a quiet spell), WeChat reads the first calls late:
 * each new connection is a TLS handshake for it, and the first calls arrive together once it caught up. Measured
 * against the sandbox on this project's machines: ≈ 100 ms late for the first ≈ 0.3 s of a burst of 150 calls a
 * second, which put up to 163 arrivals in one second though no second had more than 147 sends. So while
 * connections are being opened, and for a second after, the window spans this much more: the calls of any
 * second, read that late, still fit under the cap.
 */
export const COLD_EXTRA_SPAN_MS = 150;

/** Holds each call until its slot, then lets it go or refuses it; one per sender, its windows by name. */
export class SlotGate {
  private readonly windows = new Map<string, OneSecondWindow>();
  private coldUntil = 0;

  /** The sender is opening a new connection: the windows span COLD_EXTRA_SPAN_MS more until a second after. */
  opening(now = Date.now()): void {
    this.coldUntil = now + 1000;
  }

  /** Resolves at the slot when the call may go (and counts it); rejects with SlotMissed when it may not. */
  async pass(t: SendTiming): Promise<void> {
    const wait = t.at - Date.now();
    if (wait >= 1) await new Promise((r) => setTimeout(r, wait));
    const now = Date.now();
    if (now > t.at + t.lateMs) throw new SlotMissed('late', 0);
    const hold = this.windowOf(t.window).admit(now, now < this.coldUntil ? COLD_EXTRA_SPAN_MS : 0);
    if (hold > 0) throw new SlotMissed('window', hold);
  }

  private windowOf(w: SendTiming['window']): OneSecondWindow {
    let win = this.windows.get(w.name);
    if (!win || win.cap !== w.cap || win.spanMs !== w.spanMs) {
      this.windows.set(w.name, (win = new OneSecondWindow(w.cap, w.spanMs, COLD_EXTRA_SPAN_MS)));
    }
    return win;
  }
}
