// Scale-out on one machine (issue 15, point 3): what a second server process adds, on one SQLite file (WAL lets
// several processes share it; SQLite's lock serialises their writes) and on PostgreSQL (N instances on one
// database), the sandbox (WeChat) one process for all of them, as in production. For 1 and 2 processes:
//  - the buyer refund request under 64 connections in total, split evenly, in one common window;
//  - the dispatcher draining 2,000 approved refunds at WXPAY_REFUND_QPS=150, a budget the instances share
//    through the database, so 2 processes must still stay ≤ 150 calls in any second;
// and where the machine's cores went meanwhile (servers, load generator, sandbox, PostgreSQL, other work): on 2
// cores shared by all of them, that is the ceiling a second process runs into. Not in the default run (≈ 3 min per
// database here): `npm run bench -- scale-out`.
import { describeCpu, type CpuSpent } from './lib/machine-cpu.ts';
import { DB_NAME } from './lib/report.ts';
import { buyerSteps, type BuyerStep } from './lib/scale-buyer.ts';
import { DISPATCH_QPS, dispatchSteps, type DispatchStep } from './lib/scale-dispatch.ts';
import type { Benchmark } from './lib/types.ts';

/**
 * 1, 2, 2, 1 processes: this machine is shared, and other work comes and goes by most of a core within a minute;
 * in this order a drift over the run weighs on both counts alike. Each count's figure is over its two steps.
 */
const ORDER = [1, 2, 2, 1];
const COUNTS = [1, 2];

const processes = (n: number) => `${n} process${n > 1 ? 'es' : ''}`;
const sum = (v: number[]) => v.reduce((a, b) => a + b, 0);
const mean = (v: number[]) => sum(v) / v.length;

/** Several steps' CPU as one: CPU-seconds and wall time added up. */
function pooled(cpus: CpuSpent[]): CpuSpent {
  const add = (f: (c: CpuSpent) => number) => sum(cpus.map(f));
  const groups = Object.fromEntries(Object.keys(cpus[0].groups).map((k) => [k, add((c) => c.groups[k])]));
  return { wallS: add((c) => c.wallS), cores: cpus[0].cores, busy: add((c) => c.busy), steal: add((c) => c.steal), runner: add((c) => c.runner), groups, rest: add((c) => c.rest) };
}

/** "1.97 of 2 (servers 1.20, load generator 0.30, …)": cores busy, in CPU-seconds per second. */
function cpuCell(c: CpuSpent, runner: string): string {
  const per = (v: number) => (v / c.wallS).toFixed(2);
  const parts = [...Object.entries(c.groups).map(([k, v]) => `${k} ${per(v)}`), `${runner} ${per(c.runner)}`, `other work ${per(c.rest)}`];
  return `${per(c.busy)} of ${c.cores} (${parts.join(', ')})`;
}

function row(label: string, values: number[], format: (v: number) => string, ratio = true): string {
  return `| ${label} | ${values.map(format).join(' | ')} | ${ratio ? `${(values[values.length - 1] / values[0]).toFixed(2)}×` : '—'} |`;
}

function table(buyer: BuyerStep[], dispatch: DispatchStep[]): string[] {
  const b = COUNTS.map((n) => buyer.filter((s) => s.processes === n));
  const d = COUNTS.map((n) => dispatch.filter((s) => s.processes === n));
  const statusesOf = (steps: BuyerStep[]) => sum(steps.flatMap((s) => Object.values(s.load.statuses)));
  return [
    `| figure (each: over its 2 steps) | ${COUNTS.map(processes).join(' | ')} | ${COUNTS[1]} ÷ ${COUNTS[0]} |`,
    `|---|${COUNTS.map(() => '---|').join('')}---|`,
    row('Buyer refund request, 64 connections in total: throughput (2xx), mean', b.map((s) => mean(s.map((x) => x.load.rps))), (v) => `${Math.round(v).toLocaleString('en-US')} req/s`),
    row('Buyer refund request: answers other than 2xx', b.map((s) => sum(s.map((x) => x.load.non2xx)) / statusesOf(s)), (v) => `${(v * 100).toFixed(1)} %`, false),
    row('Buyer refund request: p99 latency, mean', b.map((s) => mean(s.map((x) => x.load.p99))), (v) => `${Math.round(v)} ms`),
    row('Buyer refund request: server CPU per request, all processes', b.map((s) => (sum(s.map((x) => x.cpu.groups.servers)) * 1000) / sum(s.map((x) => x.load.answeredInWindow))), (v) => `${v.toFixed(2)} ms`),
    `| Buyer refund request: cores busy in the window | ${b.map((s) => cpuCell(pooled(s.map((x) => x.cpu)), 'load generator')).join(' | ')} | — |`,
    row(`Dispatcher, 2,000 refunds at WXPAY_REFUND_QPS=${DISPATCH_QPS}: rate, first to last call, mean`, d.map((s) => mean(s.map((x) => x.calls.rate))), (v) => `${v.toFixed(1)} calls/s`),
    row(`Dispatcher: most calls in any 1-second window, highest (≤ ${DISPATCH_QPS})`, d.map((s) => Math.max(...s.map((x) => x.calls.peak))), (v) => `${v} calls`),
    row('Dispatcher: server CPU per refund, all processes', d.map((s) => (sum(s.map((x) => x.cpu.groups.servers)) * 1000) / sum(s.map((x) => x.calls.calls.length))), (v) => `${v.toFixed(1)} ms`),
    `| Dispatcher: cores busy while sending | ${d.map((s) => cpuCell(pooled(s.map((x) => x.cpu)), 'runner')).join(' | ')} | — |`,
  ];
}

/** How many warnings and errors the servers logged, by message. */
function warned(messages: string[]): string {
  if (messages.length === 0) return 'the servers logged no warning or error';
  const by = new Map<string, number>();
  for (const m of messages) by.set(m, (by.get(m) ?? 0) + 1);
  return `the servers logged ${messages.length} warnings or errors: ${[...by].slice(0, 3).map(([m, n]) => `${n}× “${m}”`).join('; ')}`;
}

function buyerNote(s: BuyerStep): string {
  const l = s.load;
  return (
    `${processes(s.processes)}: ${l.ok} answered 2xx in the common ${l.durationS.toFixed(1)} s window (${l.perServerRps.map((r) => `${Math.round(r)}`).join(' + ')} req/s; statuses ${JSON.stringify(l.statuses)}, ${l.errors} socket errors${l.exhausted ? ', the supply ran out' : ''}); ` +
    `p50 ${l.p50.toFixed(0)} ms, p99 ${l.p99.toFixed(0)} ms, max ${l.max.toFixed(0)} ms; every connection had its first answer after ${l.allConnectedS.toFixed(1)} s; ` +
    `server CPU ${s.cpuMsPerRequest.toFixed(2)} ms per request; ${describeCpu(s.cpu, 'load generator (autocannon, this runner)', 'kernel, other work on the machine')}; ${warned(s.warnings)}.`
  );
}

function dispatchNote(s: DispatchStep): string {
  const c = s.calls;
  return (
    `${processes(s.processes)}: ${c.calls.length} calls (${c.resent} refunds sent more than once), results ${JSON.stringify(c.results)}, ${c.rate.toFixed(1)} calls/s over ${c.spanS.toFixed(2)} s, busiest second ${c.peak}; ` +
    `server CPU ${s.perServerCpuS.map((v) => `${v.toFixed(1)} s`).join(' + ')} while sending (${s.sendingS.toFixed(1)} s), ${s.cpuMsPerRefund.toFixed(1)} ms per refund; sandbox ${((s.cpu.groups.sandbox * 1000) / c.calls.length).toFixed(1)} ms per call; ` +
    `${describeCpu(s.cpu, 'runner', 'kernel, other work on the machine')}; ${warned(s.warnings)}.`
  );
}

export const scaleOut: Benchmark = {
  name: 'scale-out',
  title: 'Scale-out on one machine: 1 and 2 server processes on one database',
  async run(ctx) {
    const buyer = await buyerSteps(ctx, ORDER);
    const dispatch = await dispatchSteps(ctx, ORDER);
    const rows = table(buyer, dispatch);
    ctx.log(`scale-out on ${DB_NAME[ctx.db]}:\n${rows.join('\n')}`);
    return {
      figures: [],
      notes: [
        `Scale-out on ${DB_NAME[ctx.db]}, steps in the order ${ORDER.join(', ')} processes, on ${buyer[0].cpu.cores} cores shared by the servers, the load generator, the sandbox${ctx.db === 'postgres' ? ', PostgreSQL' : ''} and other work:\n\n${rows.join('\n')}\n`,
        ...buyer.map((s) => `Scale-out, buyer refund request, ${buyerNote(s)}`),
        ...dispatch.map((s) => `Scale-out, dispatcher, ${dispatchNote(s)}`),
      ],
    };
  },
};
