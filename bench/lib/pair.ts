// The same load on the bare hello endpoint and on the endpoint under test, one right after the other.
import { load, type LoadOptions, type LoadResult } from './load.ts';
import { cpuSeconds, RssSampler } from './rss.ts';
import type { BenchContext, Measured } from './types.ts';
import type { Child } from './server.ts';

export interface Pair {
  hello: LoadResult;
  it: LoadResult;
  maxRssMb: number;
  /** CPU time (user + system) each server process used per request answered, ms: a figure noise moves less. */
  cpuMsPerRequest: { hello: number; it: number };
}

export async function measurePair(
  ctx: BenchContext,
  server: Child,
  o: Omit<LoadOptions, 'url'> & { label: string },
): Promise<Pair> {
  const shape = { connections: o.connections, durationS: o.durationS, warmupS: o.warmupS };
  ctx.log(`${o.label}: hello, ${o.connections} connections, ${o.durationS} s`);
  const helloCpu0 = cpuSeconds(ctx.hello.pid);
  const hello = await load({ url: ctx.hello.url, path: '/hello', ...shape });
  const helloCpu = cpuSeconds(ctx.hello.pid) - helloCpu0;
  ctx.log(`${o.label}: ${Math.round(hello.rps)} hello req/s; now the endpoint`);
  const rss = new RssSampler(server.pid);
  const cpu0 = cpuSeconds(server.pid);
  const it = await load({ ...o, url: server.url });
  const itCpu = cpuSeconds(server.pid) - cpu0;
  const maxRssMb = rss.stop();
  // answers over the whole run (warm-up and cold start included), as the CPU time covers the whole run
  const cpuMsPerRequest = { hello: (helloCpu * 1000) / hello.answered, it: (itCpu * 1000) / it.answered };
  ctx.log(`${o.label}: ${Math.round(it.rps)} req/s, p99 ${it.p99.toFixed(1)} ms, ${it.non2xx} non-2xx, max RSS ${maxRssMb.toFixed(0)} MB`);
  return { hello, it, maxRssMb, cpuMsPerRequest };
}

export function describeRun(what: string, p: Pair): string {
  const r = p.it;
  const h = p.hello;
  const ms = (n: number) => `${n.toFixed(1)} ms`;
  return (
    `${what}: ${r.ok} answered 2xx in the ${r.durationS.toFixed(1)} s window (statuses ${JSON.stringify(r.statuses)}, ${r.errors} socket errors)` +
    `${r.exhausted ? ', the prepared supply ran out before the window closed' : ''}; ` +
    `latency p50 ${ms(r.p50)} / p95 ${ms(r.p95)} / p99 ${ms(r.p99)} / max ${ms(r.max)} (hello: ${ms(h.p50)} / ${ms(h.p95)} / ${ms(h.p99)} / ${ms(h.max)}); ` +
    `server CPU per request ${p.cpuMsPerRequest.it.toFixed(2)} ms (hello ${p.cpuMsPerRequest.hello.toFixed(3)} ms, ${(p.cpuMsPerRequest.it / p.cpuMsPerRequest.hello).toFixed(0)}×); ` +
    `cold start: the last of the ${r.connections} connections opened at once had its first answer after ${r.allConnectedS.toFixed(2)} s (hello ${h.allConnectedS.toFixed(2)} s), ` +
    `while the server answered ${r.coldAnswers} requests on the connections it had accepted (hello ${h.coldAnswers}); worst request before the window ${Math.round(r.coldMaxMs)} ms.`
  );
}

/** Issue 15's three figures of an endpoint under 64 connections: throughput, p99, and the cold start in ms. */
export function endpointFigures(name: 'buyer-refund' | 'notify-refund' | 'admin-approve', p: Pair): Measured[] {
  return [
    { key: `${name}.rps`, value: p.it.rps, hello: p.hello.rps },
    { key: `${name}.p99`, value: p.it.p99, hello: p.hello.p99 },
    { key: `${name}.cold`, value: p.it.allConnectedS * 1000, hello: p.hello.allConnectedS * 1000 },
  ];
}
