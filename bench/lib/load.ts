// A bounded autocannon run: every response's status and latency is recorded, so throughput counts only
// 2xx answers and percentiles are exact (autocannon's own summary has no p95).
import autocannon from 'autocannon';

export interface LoadResult {
  /** 2xx answers per second over the run. */
  rps: number;
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  durationS: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  /** status code → count, for the notes */
  statuses: Record<number, number>;
  /** The supply of distinct requests ran out before the duration did. */
  exhausted: boolean;
}

export interface LoadOptions {
  url: string;
  connections: number;
  durationS: number;
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  body?: string;
  /** Builds each request; return null when there is nothing left to send (the run then stops). */
  next?: () => { method?: string; path: string; headers?: Record<string, string>; body?: string } | null;
  timeoutS?: number;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

export async function load(o: LoadOptions): Promise<LoadResult> {
  const latencies: number[] = [];
  const statuses: Record<number, number> = {};
  let ok = 0;
  let exhausted = false;
  const requests = o.next
    ? [
        {
          setupRequest: (req: Record<string, unknown>) => {
            const n = o.next!();
            if (!n) {
              // autocannon cannot take "no request" for a one-request list: send a 404 and stop the run
              if (!exhausted) setImmediate(() => instance.stop());
              exhausted = true;
              return { ...req, method: 'GET', path: '/api/__bench_supply_exhausted__' };
            }
            return { ...req, method: n.method ?? o.method ?? 'GET', path: n.path, headers: { ...(req.headers as object), ...n.headers }, body: n.body };
          },
        },
      ]
    : undefined;
  const started = performance.now();
  let ended = 0;
  let lastOk = 0;
  const instance = autocannon({
    url: o.url,
    connections: o.connections,
    duration: o.durationS,
    method: (o.method ?? 'GET') as 'GET',
    path: o.path,
    headers: o.headers,
    body: o.body,
    requests: requests as never,
    timeout: o.timeoutS ?? 10,
  });
  instance.on('response', (_client: unknown, status: number, _bytes: number, ms: number) => {
    statuses[status] = (statuses[status] ?? 0) + 1;
    if (status >= 200 && status < 300) {
      ok += 1;
      lastOk = performance.now();
    }
    latencies.push(ms);
    ended = performance.now();
  });
  const r = await instance;
  const elapsed = ((exhausted ? lastOk : ended || performance.now()) - started) / 1000;
  latencies.sort((a, b) => a - b);
  const non2xx = Object.entries(statuses).reduce((s, [k, v]) => (Number(k) >= 300 || Number(k) < 200 ? s + v : s), 0);
  return {
    rps: ok / elapsed,
    ok,
    non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
    durationS: elapsed,
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
    p99: percentile(latencies, 99),
    max: latencies[latencies.length - 1] ?? NaN,
    statuses,
    exhausted,
  };
}
