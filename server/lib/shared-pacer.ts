// The WXPAY_REFUND_QPS budget shared by every instance on one database: each send reserves the next slot
// with a compare-and-set on one RateSlot row, so slots are evenly spaced across all instances together.
import type { Db } from '../db/client.ts';

export class SharedPacer {
  private readonly intervalMs: number;

  /** `headroom` keeps a little under the cap, so timer and network jitter never push a window over it. */
  constructor(
    private readonly db: Db,
    private readonly name: string,
    perSecond: number,
    headroom = 0.98,
  ) {
    this.intervalMs = 1000 / (perSecond * headroom);
  }

  /** Resolves at this caller's slot. */
  async next(): Promise<void> {
    for (;;) {
      const slot = await this.reserve();
      if (slot === null) continue; // another instance took that slot: take the next one
      const wait = slot - Date.now();
      if (wait >= 1) await new Promise((r) => setTimeout(r, wait));
      return;
    }
  }

  private reserve(): Promise<number | null> {
    return this.db.$transaction(async (tx) => {
      const now = Date.now();
      const row = await tx.rateSlot.findUnique({ where: { name: this.name } });
      if (!row) {
        await tx.rateSlot.create({ data: { name: this.name, nextAt: now + this.intervalMs } });
        return now;
      }
      const slot = Math.max(row.nextAt, now);
      const { count } = await tx.rateSlot.updateMany({
        where: { name: this.name, nextAt: row.nextAt },
        data: { nextAt: slot + this.intervalMs },
      });
      return count === 1 ? slot : null;
    }).catch((err: unknown) => {
      // two instances creating the row at once: one wins, the other simply tries again
      if ((err as { code?: string }).code === 'P2002') return null;
      throw err;
    });
  }
}
