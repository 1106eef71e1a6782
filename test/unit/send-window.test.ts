// When the dispatcher may send a refund call (server/refunds/dispatch/send-window.ts), on fake time: the error
// brake under answers that come back in any order, the brake's pace, this instance's one-second window
// whatever the slots did, and the shared QPS budget across two instances. The calls go through a SlotGate
// (server/lib/slot-gate.ts), the check the send thread makes before it writes a call to the socket.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Db } from '../../server/db/client.ts';
import { SharedPacer } from '../../server/lib/shared-pacer.ts';
import { ERROR_INTERVAL_MS } from '../../server/refunds/dispatch/error-brake.ts';
import { OneSecondWindow, SlotGate } from '../../server/lib/slot-gate.ts';
import { instanceCap, SendWindow, sharedSlotRate, type SendPermit, type SlotSource } from '../../server/refunds/dispatch/send-window.ts';

const QPS = 10;
const CAP = Math.floor(QPS * 0.98); // this instance's own cap in any one second
const CFG = { refundQps: QPS, wxpayTimeoutMs: 3000 };
const NORMAL_IN_FLIGHT = 8; // min(QPS × 1 s, QPS × timeout / 4), at least 4

/** Slots as a misbehaving pacer would hand them out: every one due right now, usable for `lateMs` (a burst). */
function burstingSlots(lateMs = Infinity): SlotSource & { taken: number[] } {
  const taken: number[] = [];
  return {
    taken,
    async take(wanted = 1) {
      taken.push(wanted);
      return Date.now();
    },
    lateMs,
    async until(slot: number) {
      const wait = slot - Date.now();
      if (wait >= 1) await new Promise((r) => setTimeout(r, wait));
    },
  };
}

/** The one RateSlot table, in memory: what SharedPacer reads and compare-and-sets. */
function memoryRateSlots(): Db {
  const rows = new Map<string, { name: string; nextAt: number }>();
  const rateSlot = {
    findUnique: async ({ where }: { where: { name: string } }) => (rows.has(where.name) ? { ...rows.get(where.name)! } : null),
    create: async ({ data }: { data: { name: string; nextAt: number } }) => {
      if (rows.has(data.name)) throw Object.assign(new Error('Unique constraint failed'), { code: 'P2002' });
      rows.set(data.name, { ...data });
      return data;
    },
    updateMany: async ({ where, data }: { where: { name: string; nextAt: number }; data: { nextAt: number } }) => {
      const row = rows.get(where.name);
      if (!row || row.nextAt !== where.nextAt) return { count: 0 };
      row.nextAt = data.nextAt;
      return { count: 1 };
    },
  };
  return { $transaction: (fn: (tx: unknown) => Promise<unknown>) => fn({ rateSlot }) } as unknown as Db;
}

/** A sender as the send thread is one: each call through its SlotGate; resolves with the call's permit when it went. */
function gatedSender(gate = new SlotGate()) {
  return (timing: Parameters<SlotGate['pass']>[0], permit: SendPermit) => gate.pass(timing).then(() => permit);
}

/** One call through the window, as the dispatcher makes it; time runs on as far as the brake's pace needs. */
async function sendNow(w: SendWindow, send = gatedSender()): Promise<SendPermit> {
  const permit = w.reserve(1).then((slot) => w.go(slot, send));
  await vi.advanceTimersByTimeAsync(2 * ERROR_INTERVAL_MS);
  return permit;
}

/** The most sends in any window [t, t + spanMs), a second unless told. */
function busiestSecond(times: number[], spanMs = 1000): number {
  const t = [...times].sort((a, b) => a - b);
  let most = 0;
  for (let i = 0, j = 0; i < t.length; i++) {
    while (j < t.length && t[j] < t[i] + spanMs) j++;
    most = Math.max(most, j - i);
  }
  return most;
}

beforeEach(() => {
  vi.useFakeTimers({ now: new Date('2025-01-01T00:00:00Z') });
});

afterEach(() => {
  vi.useRealTimers();
});

describe('error brake', () => {
  it('is off at first: calls go several at a time, slots reserved a few at once', async () => {
    const slots = burstingSlots();
    const w = new SendWindow(slots, CFG);
    expect(w.braking).toBe(false);
    expect(w.maxInFlight).toBe(NORMAL_IN_FLIGHT);
    await w.reserve(5);
    expect(slots.taken).toEqual([5]);
  });

  it('an error puts it on; acceptances of calls already on their way do not take it off; one sent after does', async () => {
    const w = new SendWindow(burstingSlots(), CFG);
    const [a, b, c] = [await sendNow(w), await sendNow(w), await sendNow(w)];
    w.answered(b, false);
    expect(w.braking).toBe(true);
    expect(w.maxInFlight).toBe(1);
    // a and c were sent before b's error came back: their acceptance says nothing about WeChat now
    w.answered(a, true);
    w.answered(c, true);
    expect(w.braking).toBe(true);
    const probe = await sendNow(w);
    w.answered(probe, true);
    expect(w.braking).toBe(false);
    expect(w.maxInFlight).toBe(NORMAL_IN_FLIGHT);
  });

  it('an error that comes back after an acceptance still counts (it is an erroneous call at WeChat)', async () => {
    const w = new SendWindow(burstingSlots(), CFG);
    const [a, b] = [await sendNow(w), await sendNow(w)];
    w.answered(b, true);
    expect(w.braking).toBe(false);
    w.answered(a, false);
    expect(w.braking).toBe(true);
    w.answered(await sendNow(w), true);
    expect(w.braking).toBe(false);
  });

  it('ends in the same state whatever order the answers of concurrent calls come back in', async () => {
    const outcomes = [true, false, true, false, true]; // five calls in flight together: two errors
    for (const order of permutations([0, 1, 2, 3, 4])) {
      const w = new SendWindow(burstingSlots(), CFG);
      const permits: SendPermit[] = [];
      for (let i = 0; i < outcomes.length; i++) permits.push(await sendNow(w));
      for (const i of order) w.answered(permits[i], outcomes[i]);
      expect(w.braking, `answers in order ${order}`).toBe(true);
      // one probe sent after both errors came back, accepted: off, whatever came last before it
      w.answered(await sendNow(w), true);
      expect(w.braking, `answers in order ${order}, then an accepted probe`).toBe(false);
    }
  });

  it('a probe sent between two errors does not lift the brake when the second error came back after it was sent', async () => {
    const w = new SendWindow(burstingSlots(), CFG);
    const [a, b] = [await sendNow(w), await sendNow(w)];
    w.answered(a, false);
    const probe = await sendNow(w);
    w.answered(b, false); // b was already with WeChat; its error came back while the probe was out
    w.answered(probe, true);
    expect(w.braking).toBe(true);
    w.answered(await sendNow(w), true);
    expect(w.braking).toBe(false);
  });

  it('while on: one slot at a time, ERROR_INTERVAL_MS apart (≤ 5 calls a second, under WeChat’s 6 erroneous ones)', async () => {
    const slots = burstingSlots();
    const w = new SendWindow(slots, CFG);
    const send = gatedSender();
    w.answered(await sendNow(w, send), false);
    slots.taken.length = 0;
    const at: number[] = [];
    const run = (async () => {
      for (let i = 0; i < 12; i++) {
        const permit = await w.go(await w.reserve(64), send);
        at.push(Date.now());
        w.answered(permit, false); // every one errs: the brake stays on
      }
    })();
    await vi.advanceTimersByTimeAsync(5000);
    await run;
    expect(slots.taken).toEqual(Array(12).fill(1));
    for (let i = 1; i < at.length; i++) expect(at[i] - at[i - 1]).toBeGreaterThanOrEqual(ERROR_INTERVAL_MS);
    expect(busiestSecond(at)).toBeLessThanOrEqual(5);
  });
});

describe('this instance’s one-second window', () => {
  it('admits up to its cap in any second, then says how long until the oldest send is a second old', () => {
    const win = new OneSecondWindow(3);
    expect([win.admit(0), win.admit(10), win.admit(20)]).toEqual([0, 0, 0]);
    expect(win.admit(30)).toBe(971); // the send at 0 leaves the window at 1000
    expect(win.admit(999)).toBe(2);
    expect(win.admit(1000)).toBe(0);
    expect(win.admit(1005)).toBe(6);
    expect(win.admit(1010)).toBe(0);
  });

  it('with a longer span, any one second of arrivals holds the cap though the sends reach WeChat up to the extra span late', () => {
    const win = new OneSecondWindow(3, 1100);
    expect([win.admit(0), win.admit(10), win.admit(20)]).toEqual([0, 0, 0]);
    expect(win.admit(1000)).toBe(101); // the send at 0 leaves the span at 1100, not 1000
    expect(win.admit(1100)).toBe(0);
  });

  it('holds the cap even when every slot comes due at once (timers, a busy event loop)', async () => {
    const w = new SendWindow(burstingSlots(), CFG);
    const send = gatedSender();
    const start = Date.now();
    const at: number[] = [];
    const sends = Array.from({ length: 3 * CAP + 2 }, async () => {
      await w.go(Date.now(), send);
      at.push(Date.now());
    });
    await vi.advanceTimersByTimeAsync(5000);
    await Promise.all(sends);
    expect(at).toHaveLength(3 * CAP + 2);
    expect(at.slice(0, CAP)).toEqual(Array(CAP).fill(start)); // the first CAP go at once, without a timer
    expect(busiestSecond(at)).toBe(CAP);
  });

  it('a call held back by it past its slot’s use takes a fresh slot', async () => {
    const slots = burstingSlots(5);
    const w = new SendWindow(slots, CFG);
    const gated = gatedSender();
    for (let i = 0; i < CAP; i++) await w.go(Date.now(), gated);
    slots.taken.length = 0;
    const slot = Date.now();
    let sentAt = 0;
    const send = w.go(slot, gated).then(() => (sentAt = Date.now()));
    await vi.advanceTimersByTimeAsync(2000);
    await send;
    expect(sentAt).toBeGreaterThan(slot + 1000);
    expect(slots.taken).toEqual([1]);
  });
});

describe('with the shared pacer', () => {
  it('two instances on one RateSlot, slots as the dispatcher spaces them: within the cap in any second and its arrival margin together', async () => {
    const qps = 150;
    const db = memoryRateSlots();
    const instances = [0, 1].map(() => new SendWindow(new SharedPacer(db, 'wxpay-refund', sharedSlotRate(qps), 1), { ...CFG, refundQps: qps }));
    const at: number[] = [];
    const calls = 3 * qps;
    // each instance as the dispatcher drives it: reserve, then the call waits for its slot while the next is reserved
    const loops = instances.map(async (w) => {
      const send = gatedSender(); // each instance its own send thread
      const sends: Promise<void>[] = [];
      for (let i = 0; i < calls; i++) {
        const slot = await w.reserve(calls - i);
        sends.push(w.go(slot, send).then(() => void at.push(Date.now())));
      }
      await Promise.all(sends);
    });
    await vi.advanceTimersByTimeAsync(10_000);
    await Promise.all(loops);
    expect(at).toHaveLength(2 * calls);
    expect(busiestSecond(at, 1050)).toBeLessThanOrEqual(instanceCap(qps)); // calls that arrive up to 50 ms bunched stay ≤ 148 in a second
  });

  it('a slot past use (the caller was late) is exchanged for a fresh one, not used in a burst', async () => {
    const db = memoryRateSlots();
    const pacer = new SharedPacer(db, 'wxpay-refund', QPS);
    const w = new SendWindow(pacer, CFG);
    const stale = await w.reserve(1);
    await vi.advanceTimersByTimeAsync(1000); // e.g. a slow claim
    expect(stale).toBeLessThan(Date.now() - pacer.lateMs);
    let sentAt = 0;
    const send = w.go(stale, gatedSender()).then(() => (sentAt = Date.now()));
    await vi.advanceTimersByTimeAsync(1000);
    await send;
    expect(sentAt).toBeGreaterThanOrEqual(stale + 1000);
  });
});

function permutations<T>(xs: T[]): T[][] {
  if (xs.length <= 1) return [xs];
  return xs.flatMap((x, i) => permutations([...xs.slice(0, i), ...xs.slice(i + 1)]).map((rest) => [x, ...rest]));
}
