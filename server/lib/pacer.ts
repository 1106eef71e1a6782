// Evenly spaced send slots: at most `perSecond` in any one-second window, never in bursts.

export class Pacer {
  private nextAt = 0;
  private readonly intervalMs: number;

  /** `headroom` keeps a little under the cap, so timer jitter can never push a window over it. */
  constructor(perSecond: number, headroom = 0.98) {
    this.intervalMs = 1000 / (perSecond * headroom);
  }

  /** Resolves at the caller's slot. */
  async next(): Promise<void> {
    const now = performance.now();
    const slot = Math.max(this.nextAt, now);
    this.nextAt = slot + this.intervalMs;
    const wait = slot - now;
    if (wait >= 1) await new Promise((r) => setTimeout(r, wait));
  }
}
