// How long the sandbox takes to answer a WeChat API call: an inclusive range in ms, drawn uniformly per answer.
// Real WeChat Pay answers in roughly 100–300 ms, so that is the default: benchmarks measure against it; tests set 0.
import { z } from 'zod';

export interface LatencyRange {
  min: number;
  max: number;
}

/** What WeChat Pay takes to answer, observed: the default of `npm start`'s sandbox and of the standalone one. */
export const WECHAT_LATENCY: Readonly<LatencyRange> = Object.freeze({ min: 100, max: 300 });

/** A minute: anything longer is a hang, which the `slowMs` fault or the platform `timeout` fault stands for. */
export const MAX_LATENCY_MS = 60_000;

/** The accepted text forms, for the messages of whoever reads them (server/config.ts, server/sandbox/main.ts). */
export const LATENCY_FORMAT = `milliseconds as "MIN-MAX" with MIN ≤ MAX (random per answer, e.g. "100-300"), "N" (fixed) or "0" (none), at most ${MAX_LATENCY_MS}`;

const ms = z.number().int().min(0).max(MAX_LATENCY_MS);

/** The control API's `latencyMs` (PUT /sandbox/faults); `{min: 0, max: 0}` answers at once. */
export const LatencyPatch = z
  .strictObject({ min: ms, max: ms })
  .refine((r) => r.min <= r.max, { message: 'min must not exceed max', path: ['max'] });

/** `100-300`, `200` or `0` → the range; null for anything else (the caller names its variable). */
export function parseLatency(text: string): LatencyRange | null {
  const m = /^(\d{1,6})(?:-(\d{1,6}))?$/.exec(text);
  if (!m) return null;
  const min = Number(m[1]);
  const max = m[2] === undefined ? min : Number(m[2]);
  return validLatency({ min, max }) ? { min, max } : null;
}

export function validLatency(r: LatencyRange): boolean {
  return LatencyPatch.safeParse(r).success;
}

/** One answer's wait: uniform over the whole milliseconds of [min, max]. */
export function drawLatencyMs(r: LatencyRange): number {
  return r.min + Math.floor(Math.random() * (r.max - r.min + 1));
}
