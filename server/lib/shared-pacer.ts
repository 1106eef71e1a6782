// The WXPAY_REFUND_QPS budget shared by every instance on one database: slots are reserved with a
// compare-and-set on one RateSlot row, so they are evenly spaced across all instances together.
// A caller that has several sends coming reserves a few consecutive slots in one transaction (at most
// ~50 ms of them), instead of one transaction per send: at 150 calls/s that is 8× fewer writes.
import type { Db } from '../db/client.ts';

/** How far ahead one reservation may reach: slots an instance holds but does not use are lost, not moved. */
const BLOCK_MS = 50;
/**
 * A reserved slot may be used up to one interval late (the event loop was busy); later than that it is
 * dropped unused, so late sends never bunch up with the slots after them: with the 2 % headroom, slots
 * used up to one interval late still leave every one-second window within the cap.
 */
const LATE_SLOTS = 1;

export class SharedPacer {
  readonly intervalMs: number;
  private slots: number[] = [];
  private reserving: Promise<void> | null = null;

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
  async next(wanted = 1): Promise<void> {
    await this.until(await this.take(wanted));
  }

  /**
   * The epoch-ms time of a slot reserved for this caller, not yet due or only just past. `wanted` is how
   * many sends the caller has coming (a hint: more slots are reserved at once, up to BLOCK_MS of them).
   */
  async take(wanted = 1): Promise<number> {
    for (;;) {
      const fresh = Date.now() - LATE_SLOTS * this.intervalMs;
      while (this.slots.length > 0 && this.slots[0] < fresh) this.slots.shift();
      const slot = this.slots.shift();
      if (slot !== undefined) return slot;
      // one reservation at a time; callers that waited for it take from what it brought
      this.reserving ??= this.reserve(wanted).finally(() => (this.reserving = null));
      await this.reserving;
    }
  }

  /** How late after its time a slot may still be used (whoever sends checks it: lib/slot-gate.ts). */
  get lateMs(): number {
    return LATE_SLOTS * this.intervalMs;
  }

  /** Waits until the slot's time. */
  async until(slot: number): Promise<void> {
    const wait = slot - Date.now();
    if (wait >= 1) await new Promise((r) => setTimeout(r, wait));
  }

  private async reserve(wanted: number): Promise<void> {
    const count = Math.max(1, Math.min(wanted, Math.floor(BLOCK_MS / this.intervalMs)));
    const first = await this.db
      .$transaction(async (tx) => {
        const now = Date.now();
        const row = await tx.rateSlot.findUnique({ where: { name: this.name } });
        if (!row) {
          await tx.rateSlot.create({ data: { name: this.name, nextAt: now + count * this.intervalMs } });
          return now;
        }
        const slot = Math.max(row.nextAt, now);
        const { count: won } = await tx.rateSlot.updateMany({
          where: { name: this.name, nextAt: row.nextAt },
          data: { nextAt: slot + count * this.intervalMs },
        });
        return won === 1 ? slot : null; // another instance took those slots: the caller asks again
      })
      .catch((err: unknown) => {
        // two instances creating the row at once: one wins, the other simply tries again
        if ((err as { code?: string }).code === 'P2002') return null;
        throw err;
      });
    if (first === null) return;
    for (let i = 0; i < count; i++) this.slots.push(first + i * this.intervalMs);
  }
}
