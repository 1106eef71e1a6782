// A bounded autocannon run measured in steady state. Every response's status and latency is recorded, so
// throughput counts only 2xx answers and percentiles are exact (autocannon's own summary has no p95).
//
// Why not autocannon's own totals: autocannon opens all its connections at once, and a Node server whose
// event loop is saturated accepts new connections only about one per loop iteration. The first request on
// a late-accepted connection then waits seconds (measured: up to ~7 s at 64 connections on the refund
// request) although the server handles every accepted request in well under 150 ms. So the window opens
// only once every connection has had an answer and the warm-up is over. That ramp of autocannon's own
// connections on an idle server is still reported (`allConnectedS`), in the details only: issue 15's figure of
// 64 connections opened at once on a *busy* server is measured after the window, by `whileLoaded`
// (bench/lib/burst.ts), while this load goes on.
import autocannon from 'autocannon';

export interface LoadResult {
  /** 2xx answers per second in the window. */
  rps: number;
  ok: number;
  non2xx: number;
  errors: number;
  durationS: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  /** status code → count in the window, for the notes */
  statuses: Record<number, number>;
  /** The supply of distinct requests ran out before the window closed. */
  exhausted: boolean;
  /**
   * autocannon's own ramp: seconds from it opening all its connections at once, at the start of the load on an
   * idle server, until the last of them had its first answer. Each connection sends its next request as soon as
   * it has an answer, and autocannon opens them on the runner's busy event loop, so this times the load
   * generator as much as the server: not issue 15's figure (bench/lib/burst.ts is), kept for the details.
   */
  allConnectedS: number;
  /** Answers before every connection had its first one: how busy the server was meanwhile. */
  coldAnswers: number;
  /** Worst latency of a request sent before the window (cold connections). */
  coldMaxMs: number;
  /** Every answer of the run, warm-up and grace included. */
  answered: number;
  connections: number;
}

export interface LoadOptions {
  url: string;
  connections: number;
  durationS: number;
  /** Minimum warm-up before the window; it also waits for every connection's first answer (≤ 60 s). */
  warmupS?: number;
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  body?: string;
  /** Builds each request; return null when there is nothing left to send (the run then stops). */
  next?: () => { method?: string; path: string; headers?: Record<string, string>; body?: string } | null;
  /**
   * Runs once the window and its grace are over, while the load goes on unchanged (the server stays busy, and
   * nothing it does can touch the window's figures); the load stops when it settles. Given the count of the
   * load's answers so far. Skipped if the supply ran out (the load then has stopped already).
   */
  whileLoaded?: (answered: () => number) => Promise<void>;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

const MAX_CONNECT_WAIT_S = 60;
const GRACE_S = 2; // after the window, answers to requests sent inside it are still collected
const WHILE_LOADED_MAX_S = 600; // whileLoaded's bound (bench/lib/burst.ts: 3 bursts of at most 190 s each)

export async function load(o: LoadOptions): Promise<LoadResult> {
  const warmupMs = (o.warmupS ?? 2) * 1000;
  const windowMs = o.durationS * 1000;
  const latencies: number[] = [];
  const statuses: Record<number, number> = {};
  const connected = new Set<unknown>();
  let ok = 0;
  let exhausted = false;
  let coldMaxMs = 0;
  let windowStart = Infinity;
  let windowEnd = Infinity;
  let lastOkInWindow = 0;
  let allConnectedAt = 0;
  let answered = 0;
  let coldAnswers = 0;
  const started = performance.now();

  const requests = o.next
    ? [
        {
          setupRequest: (req: Record<string, unknown>) => {
            const n = o.next!();
            if (!n) {
              // autocannon cannot take "no request" for a one-request list: ask for a 404 and stop the run
              if (!exhausted) setImmediate(() => instance.stop());
              exhausted = true;
              return { ...req, method: 'GET', path: '/api/__bench_supply_exhausted__' };
            }
            return { ...req, method: n.method ?? o.method ?? 'GET', path: n.path, headers: { ...(req.headers as object), ...n.headers }, body: n.body };
          },
        },
      ]
    : undefined;

  const instance = autocannon({
    url: o.path ? new URL(o.path, o.url).toString() : o.url, // autocannon takes the path from the url
    connections: o.connections,
    duration: (warmupMs + windowMs) / 1000 + MAX_CONNECT_WAIT_S + GRACE_S + (o.whileLoaded ? WHILE_LOADED_MAX_S : 0) + 5, // an upper bound: stopped below
    method: o.method ?? 'GET',
    headers: o.headers,
    body: o.body,
    requests,
    timeout: 30,
  });
  const stopAt = setTimeout(() => instance.stop(), (warmupMs + windowMs) + (MAX_CONNECT_WAIT_S + GRACE_S) * 1000);
  let afterWindowAt: NodeJS.Timeout | undefined;
  let whileLoadedDone: Promise<void> = Promise.resolve();
  let whileLoadedError: unknown = null;
  const afterWindow = () => {
    whileLoadedDone = (async () => {
      try {
        if (o.whileLoaded && !exhausted) await o.whileLoaded(() => answered);
      } catch (err) {
        whileLoadedError = err;
      } finally {
        instance.stop();
      }
    })();
  };

  instance.on('response', (client: unknown, status: number, _bytes: number, ms: number) => {
    const now = performance.now() - started;
    const sentAt = now - ms;
    answered += 1;
    if (!allConnectedAt) {
      coldAnswers += 1;
      connected.add(client);
      if (connected.size === o.connections) allConnectedAt = now;
    }
    if (windowStart === Infinity && allConnectedAt && now >= warmupMs) {
      windowStart = now;
      windowEnd = now + windowMs;
      clearTimeout(stopAt);
      afterWindowAt = setTimeout(afterWindow, windowMs + GRACE_S * 1000);
    }
    if (sentAt < windowStart) {
      coldMaxMs = Math.max(coldMaxMs, ms);
      return;
    }
    if (exhausted && status === 404) return;
    if (sentAt < windowEnd) {
      latencies.push(ms);
      statuses[status] = (statuses[status] ?? 0) + 1;
    }
    if (now <= windowEnd && status >= 200 && status < 300) {
      ok += 1;
      lastOkInWindow = now;
    }
  });
  const r = (await instance) as { errors: number };
  clearTimeout(stopAt);
  clearTimeout(afterWindowAt); // the supply ran out first: nothing is left to run under load
  await whileLoadedDone;
  if (whileLoadedError) throw whileLoadedError;
  if (windowStart === Infinity) throw new Error(`load on ${o.url}: not every connection got an answer in ${MAX_CONNECT_WAIT_S} s`);
  const elapsedMs = exhausted ? lastOkInWindow - windowStart : windowMs;
  latencies.sort((a, b) => a - b);
  const non2xx = Object.entries(statuses).reduce((s, [k, v]) => (Number(k) >= 300 || Number(k) < 200 ? s + v : s), 0);
  return {
    rps: ok / (elapsedMs / 1000),
    ok,
    non2xx,
    errors: r.errors,
    durationS: elapsedMs / 1000,
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
    p99: percentile(latencies, 99),
    max: latencies[latencies.length - 1] ?? NaN,
    statuses,
    exhausted,
    allConnectedS: allConnectedAt / 1000,
    coldAnswers,
    connections: o.connections,
    coldMaxMs,
    answered,
  };
}
