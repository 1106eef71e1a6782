// The same load on the bare hello endpoint and on the endpoint under test, one right after the other; after each
// load's window, while it goes on, the bursts of 64 new connections (bench/lib/burst.ts).
import { BURST_CONNECTIONS, BurstClient, burstRequests, describeBursts, runBursts, type Bursts } from './burst.ts';
import { load, type LoadOptions, type LoadResult } from './load.ts';
import { cpuSeconds, RssSampler } from './rss.ts';
import type { BenchContext, Measured } from './types.ts';
import type { Child } from './server.ts';

export interface Pair {
  hello: LoadResult;
  it: LoadResult;
  maxRssMb: number;
  /** 64 new connections opened at once on the busy server, three times: issue 15's "cold start" figure */
  bursts: { hello: Bursts; it: Bursts };
  /** CPU time (user + system) each server process used per request answered, ms: a figure noise moves less. */
  cpuMsPerRequest: { hello: number; it: number };
}

export async function measurePair(
  ctx: BenchContext,
  server: Child,
  o: Omit<LoadOptions, 'url'> & { label: string },
): Promise<Pair> {
  const shape = { connections: o.connections, durationS: o.durationS, warmupS: o.warmupS };
  // the bursts' requests come first from the same supply as the load's: distinct orders or refunds, each one a
  // request the server answers 2xx, as real as the load's
  const itBursts = burstRequests(server.url, o.next ?? (() => ({ method: o.method, path: o.path ?? '/', headers: o.headers, body: o.body })));
  const helloBursts = burstRequests(ctx.hello.url, () => ({ path: '/hello' }));
  const client = await BurstClient.start();
  try {
    ctx.log(`${o.label}: hello, ${o.connections} connections, ${o.durationS} s, then ${itBursts.length} bursts of ${BURST_CONNECTIONS} new connections`);
    const helloCpu0 = cpuSeconds(ctx.hello.pid);
    const got: { hello?: Bursts; it?: Bursts } = {};
    const hello = await load({ url: ctx.hello.url, path: '/hello', ...shape, whileLoaded: async (n) => void (got.hello = await runBursts(client, ctx.hello.url, helloBursts, n)) });
    const helloCpu = cpuSeconds(ctx.hello.pid) - helloCpu0;
    ctx.log(`${o.label}: ${Math.round(hello.rps)} hello req/s, bursts ${burstLog(got.hello)}; now the endpoint`);
    const rss = new RssSampler(server.pid);
    const cpu0 = cpuSeconds(server.pid);
    const it = await load({ ...o, url: server.url, whileLoaded: async (n) => void (got.it = await runBursts(client, server.url, itBursts, n)) });
    const itCpu = cpuSeconds(server.pid) - cpu0;
    const maxRssMb = rss.stop();
    const { hello: helloB, it: itB } = got;
    if (!helloB || !itB) throw new Error(`${o.label}: the supply ran out before the bursts (the load had stopped)`);
    // answers over the whole run (warm-up, autocannon's ramp and the bursts included), as the CPU time covers it all
    const all = (l: LoadResult, b: Bursts) => l.answered + b.runs.length * BURST_CONNECTIONS;
    const cpuMsPerRequest = { hello: (helloCpu * 1000) / all(hello, helloB), it: (itCpu * 1000) / all(it, itB) };
    ctx.log(`${o.label}: ${Math.round(it.rps)} req/s, p99 ${it.p99.toFixed(1)} ms, ${it.non2xx} non-2xx, bursts ${burstLog(itB)}, max RSS ${maxRssMb.toFixed(0)} MB`);
    return { hello, it, maxRssMb, cpuMsPerRequest, bursts: { hello: helloB, it: itB } };
  } finally {
    client.stop();
  }
}

function burstLog(b: Bursts | undefined): string {
  return b ? b.runs.map((r) => `${Math.round(r.lastMs)} ms ${JSON.stringify(r.statuses)}`).join(', ') : 'not run';
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
    `${BURST_CONNECTIONS} new connections opened at once on the busy server, after the window while the load went on, last first answer per burst: ` +
    `${describeBursts(p.bursts.it)} (hello: ${describeBursts(p.bursts.hello)}); ` +
    `not the figure: autocannon's own ramp at the start of the load, its ${r.connections} connections opened at once on an idle server (the endpoint's just started), ` +
    `had each had a first answer after ${r.allConnectedS.toFixed(2)} s (hello ${h.allConnectedS.toFixed(2)} s), the server answering ${r.coldAnswers} requests meanwhile (hello ${h.coldAnswers}); ` +
    `worst request before the window ${Math.round(r.coldMaxMs)} ms.`
  );
}

/**
 * Issue 15's three figures of an endpoint under 64 connections: throughput, p99, and the first answer to every
 * one of 64 new connections on the busy server, ms: the worst of the bursts, since it promises every connection
 * (infinite, so missed and never recorded, when a connection had no answer at all: the details say why).
 */
export function endpointFigures(name: 'buyer-refund' | 'notify-refund' | 'admin-approve', p: Pair): Measured[] {
  const worst = (b: Bursts) => (b.complete ? b.worstMs : Infinity);
  return [
    { key: `${name}.rps`, value: p.it.rps, hello: p.hello.rps },
    { key: `${name}.p99`, value: p.it.p99, hello: p.hello.p99 },
    { key: `${name}.cold`, value: worst(p.bursts.it), hello: worst(p.bursts.hello) },
  ];
}
