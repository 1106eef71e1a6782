// The dispatcher benchmarks' shared parts: WeChat's latency set on the sandbox, and the figures read from the
// sandbox's own record of the refund calls it received (GET /sandbox/refund-calls, `at` in ms), not from the
// server's word: the rate from first to last call, and the most calls in any sliding one-second window.
import { writeFileSync } from 'node:fs';
import { sandboxControl, waitFor } from './api.ts';
import type { BenchDb } from './database.ts';
import { percentile } from './load.ts';
import type { Child } from './server.ts';
import type { World } from './world.ts';

/** WeChat Pay's observed latency, drawn per answer: the sandbox's SANDBOX_LATENCY_MS and its faults' latencyMs. */
export const WECHAT_LATENCY_MS = { min: 100, max: 300 };
export const SANDBOX_LATENCY_ENV = { SANDBOX_LATENCY_MS: `${WECHAT_LATENCY_MS.min}-${WECHAT_LATENCY_MS.max}` };
/** The sandbox settles (and notifies) only well after the sending: notifications are a benchmark of their own,
 *  and the sandbox's settling work would otherwise delay and bunch the calls it timestamps. */
export const SETTLE_AFTER_MS = 120_000;

export interface Call {
  at: number;
  outRefundNo: string | null;
  result: string;
}

/** The most calls in any window [t, t + 1000 ms), over call times sorted ascending. */
export function maxInAnySecond(ats: number[]): number {
  let best = 0;
  let lo = 0;
  for (let hi = 0; hi < ats.length; hi++) {
    while (ats[hi] - ats[lo] >= 1000) lo++;
    best = Math.max(best, hi - lo + 1);
  }
  return best;
}

/**
 * Makes sure the sandbox answers in WeChat's random 100–300 ms (and not a fixed `slowMs`): set through the
 * control API, then read back, so a sandbox that cannot do it fails the benchmark instead of measuring another one.
 */
export async function ensureWechatLatency(world: World, sandbox: Child): Promise<void> {
  const set = await sandboxControl(world.dataDir, sandbox.url, 'PUT', '/sandbox/faults', { slowMs: 0, latencyMs: WECHAT_LATENCY_MS });
  const got = (await sandboxControl(world.dataDir, sandbox.url, 'GET', '/sandbox/faults')).body as { latencyMs?: { min: number; max: number }; slowMs?: number };
  if (set.status !== 200 || got.latencyMs?.min !== WECHAT_LATENCY_MS.min || got.latencyMs?.max !== WECHAT_LATENCY_MS.max || got.slowMs) {
    throw new Error(`the sandbox does not answer in a random ${WECHAT_LATENCY_MS.min}–${WECHAT_LATENCY_MS.max} ms: PUT /sandbox/faults ${set.status} ${JSON.stringify(set.body)}`);
  }
}

/** Waits until `n` refunds carry WeChat's acceptance, reading our own database (asking the sandbox for its
 *  growing call log every second would stall it and bunch the calls it timestamps). */
export async function waitAccepted(db: BenchDb, n: number, timeoutMs: number): Promise<void> {
  await waitFor(async () => (await db.number('SELECT COUNT(*) FROM "Refund" WHERE "acceptedAt" IS NOT NULL')) >= n, timeoutMs, 250);
}

export interface CallFigures {
  calls: Call[];
  ats: number[];
  rate: number;
  peak: number;
  spanS: number;
  results: Record<string, number>;
  /** refunds sent more than once */
  resent: number;
}

export async function callFigures(world: World, sandbox: Child, ours: Set<string>): Promise<CallFigures> {
  const all = (await sandboxControl(world.dataDir, sandbox.url, 'GET', '/sandbox/refund-calls')).body.items as Call[];
  const calls = all.filter((c) => c.outRefundNo !== null && ours.has(c.outRefundNo));
  if (process.env.BENCH_DUMP_CALLS) writeFileSync(process.env.BENCH_DUMP_CALLS, JSON.stringify(calls));
  const ats = calls.map((c) => c.at).sort((a, b) => a - b);
  const spanS = (ats[ats.length - 1] - ats[0]) / 1000;
  const results: Record<string, number> = {};
  const perRefund = new Map<string, number>();
  for (const c of calls) {
    results[c.result] = (results[c.result] ?? 0) + 1;
    perRefund.set(c.outRefundNo!, (perRefund.get(c.outRefundNo!) ?? 0) + 1);
  }
  return {
    calls,
    ats,
    rate: (ats.length - 1) / spanS,
    peak: maxInAnySecond(ats),
    spanS,
    results,
    resent: [...perRefund.values()].filter((n) => n > 1).length,
  };
}

/** How long the server's refund calls took, as it recorded them (WechatCall.durationMs): WeChat's latency plus the trip. */
export async function callDurations(db: BenchDb): Promise<string> {
  const ms = (await db.all<{ d: number }>(`SELECT "durationMs" AS d FROM "WechatCall" WHERE endpoint = '/secapi/pay/refund'`)).map((r) => Number(r.d)).sort((a, b) => a - b);
  if (ms.length === 0) return 'no refund call recorded yet';
  return `the server's ${ms.length} recorded refund calls took p50 ${percentile(ms, 50)} ms / p99 ${percentile(ms, 99)} ms / max ${ms[ms.length - 1]} ms (WeChat's latency plus TLS and the trip)`;
}
