// One load spread evenly over several servers (one autocannon per server, all in the runner's process), measured
// in one common steady-state window: it opens once every connection to every server has had an answer and the
// warm-up is over, and it closes for all of them at once, so that the servers' throughputs add up over the same
// seconds. (bench/lib/load.ts measures one server, in a window of its own: two of them side by side would open
// their windows apart, by as much as the cold start of the slower one.) Statuses and latencies are recorded per
// answer, as load.ts does: throughput counts only 2xx, percentiles are exact.
import autocannon from 'autocannon';
import { percentile } from './load.ts';

export interface NextRequest {
  method?: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

export interface SplitLoadOptions {
  urls: string[];
  /** in total; every server gets the same share */
  connections: number;
  durationS: number;
  warmupS: number;
  /** Builds each request, for every server from one supply (so no two requests are the same); null: none left. */
  next: () => NextRequest | null;
  /** Called as the window opens and as it closes: CPU counters read there cover the very same seconds. */
  onWindow?: (edge: 'open' | 'close') => void;
}

export interface SplitLoadResult {
  /** 2xx answers per second in the window, all servers together */
  rps: number;
  /** the same per server, in the order of `urls` */
  perServerRps: number[];
  ok: number;
  non2xx: number;
  errors: number;
  durationS: number;
  p50: number;
  p99: number;
  max: number;
  statuses: Record<number, number>;
  /** every answer received in the window, whatever its status: the denominator of CPU per request */
  answeredInWindow: number;
  /** seconds until every connection to every server had its first answer */
  allConnectedS: number;
  /** the supply of distinct requests ran out: the window was cut short */
  exhausted: boolean;
}

const MAX_CONNECT_WAIT_S = 60;
const GRACE_S = 2; // after the window, answers to requests sent inside it are still collected

export async function splitLoad(o: SplitLoadOptions): Promise<SplitLoadResult> {
  const per = o.connections / o.urls.length;
  if (!Number.isInteger(per)) throw new Error(`${o.connections} connections do not split evenly over ${o.urls.length} servers`);
  const warmupMs = o.warmupS * 1000;
  const windowMs = o.durationS * 1000;
  const started = performance.now();
  const since = () => performance.now() - started;
  const connected = o.urls.map(() => new Set<unknown>());
  const okPer = o.urls.map(() => 0);
  const latencies: number[] = [];
  const statuses: Record<number, number> = {};
  let allConnectedAt = 0;
  let windowStart = Infinity;
  let windowEnd = Infinity;
  let closed = false;
  let answeredInWindow = 0;
  let exhausted = false;

  const stopAll = () => instances.forEach((i) => i.stop());
  const safety = setTimeout(stopAll, warmupMs + windowMs + (MAX_CONNECT_WAIT_S + GRACE_S) * 1000);
  let closer: NodeJS.Timeout | undefined;
  const close = (stopNow: boolean) => {
    if (closed || windowStart === Infinity) return;
    closed = true;
    clearTimeout(closer);
    windowEnd = Math.min(windowEnd, since());
    o.onWindow?.('close');
    if (stopNow) stopAll();
    else setTimeout(stopAll, GRACE_S * 1000);
  };
  const open = (now: number) => {
    windowStart = now;
    windowEnd = now + windowMs;
    o.onWindow?.('open');
    clearTimeout(safety);
    closer = setTimeout(() => close(false), windowMs);
  };

  const setupRequest = (req: Record<string, unknown>) => {
    const n = o.next();
    if (!n) {
      // autocannon cannot skip a request: ask for a 404 (not counted) and end the run
      if (!exhausted) setImmediate(() => (windowStart === Infinity ? stopAll() : close(true)));
      exhausted = true;
      return { ...req, method: 'GET', path: '/api/__bench_supply_exhausted__' };
    }
    return { ...req, method: n.method ?? 'GET', path: n.path, headers: { ...(req.headers as object), ...n.headers }, body: n.body };
  };

  const instances = o.urls.map((url, k) => {
    const inst = autocannon({
      url,
      connections: per,
      duration: (warmupMs + windowMs) / 1000 + MAX_CONNECT_WAIT_S + GRACE_S + 5, // an upper bound: stopped above
      requests: [{ setupRequest }],
      timeout: 30,
    });
    inst.on('response', (client: unknown, status: number, _bytes: number, ms: number) => {
      const now = since();
      if (!allConnectedAt) {
        connected[k].add(client);
        if (connected.every((c) => c.size === per)) allConnectedAt = now;
      }
      if (windowStart === Infinity && allConnectedAt && now >= warmupMs) open(now);
      if (exhausted && status === 404) return;
      if (now >= windowStart && now <= windowEnd) {
        answeredInWindow += 1;
        if (status >= 200 && status < 300) okPer[k] += 1;
      }
      const sentAt = now - ms;
      if (sentAt >= windowStart && sentAt < windowEnd) {
        latencies.push(ms);
        statuses[status] = (statuses[status] ?? 0) + 1;
      }
    });
    return inst;
  });

  const results = (await Promise.all(instances)) as Array<{ errors: number }>;
  clearTimeout(safety);
  clearTimeout(closer);
  if (windowStart === Infinity) throw new Error(`load on ${o.urls.join(', ')}: ${exhausted ? 'the supply ran out' : `not every connection got an answer in ${MAX_CONNECT_WAIT_S} s`} before the window`);
  const durationS = (windowEnd - windowStart) / 1000;
  latencies.sort((a, b) => a - b);
  const ok = okPer.reduce((s, n) => s + n, 0);
  return {
    rps: ok / durationS,
    perServerRps: okPer.map((n) => n / durationS),
    ok,
    non2xx: Object.entries(statuses).reduce((s, [k, v]) => (Number(k) >= 200 && Number(k) < 300 ? s : s + v), 0),
    errors: results.reduce((s, r) => s + r.errors, 0),
    durationS,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    max: latencies[latencies.length - 1] ?? NaN,
    statuses,
    answeredInWindow,
    allConnectedS: allConnectedAt / 1000,
    exhausted,
  };
}
