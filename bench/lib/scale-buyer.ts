// Scale-out, part 1: the buyer refund request (bench/buyer-refund.ts's requests: a different paid order each, with
// its buyer's bearer token) on 1 and on 2 server processes of one database, 64 connections in total split evenly,
// in one common window (split-load.ts). CPU is read over that window, for the servers, the load generator (this
// runner) and the machine as a whole: on 2 cores they all share, that is the ceiling.
import { logMarks, startInstances, warningsSince } from './instances.ts';
import { cpuSpent, markCpu, type CpuMark, type CpuSpent } from './machine-cpu.ts';
import { databaseCpuGroup } from './pg-processes.ts';
import { refundRequests, Seeder, type SeededOrder } from './seeder.ts';
import type { Child } from './server.ts';
import { splitLoad, type SplitLoadResult } from './split-load.ts';
import type { BenchContext } from './types.ts';
import { prepareWorld, type World } from './world.ts';

const CONNECTIONS = 64;
const DURATION_S = Number(process.env.BENCH_WINDOW_S ?? 10);
const WARMUP_S = 3;
const BUYERS = 2_000;
/** Orders per step: more than a step sends in its warm-up, cold start, window and grace (≈ 25 s) at 1,000 req/s,
 *  well above what this machine serves; running out cuts the window short, and the details say so. */
const ORDERS_PER_STEP = 25_000;

export interface BuyerStep {
  processes: number;
  load: SplitLoadResult;
  cpu: CpuSpent;
  /** server CPU (all processes) per answer in the window, ms */
  cpuMsPerRequest: number;
  warnings: string[];
}

export async function buyerSteps(ctx: BenchContext, processCounts: number[]): Promise<BuyerStep[]> {
  const world = await prepareWorld('scale-out-buyer', ctx);
  try {
    const seed = await Seeder.open(world);
    const orders = await seed.paidOrders(ORDERS_PER_STEP * processCounts.length, await seed.buyers(BUYERS));
    await seed.close();
    ctx.log(`seeded ${orders.length} paid orders of ${BUYERS} buyers (${ORDERS_PER_STEP} per step)`);
    // no WeChat call in a refund request: the sandbox is there because the server is configured with it
    const sandbox = await world.startSandbox();
    try {
      const steps: BuyerStep[] = [];
      for (const [k, n] of processCounts.entries()) {
        steps.push(await step(ctx, world, sandbox, n, orders.slice(k * ORDERS_PER_STEP, (k + 1) * ORDERS_PER_STEP)));
      }
      return steps;
    } finally {
      await sandbox.stop();
    }
  } finally {
    await world.remove();
  }
}

async function step(ctx: BenchContext, world: World, sandbox: Child, n: number, orders: SeededOrder[]): Promise<BuyerStep> {
  const inst = await startInstances(world, sandbox, n, { env: { BUYER_RATE_LIMIT_PER_MIN: '1000000' }, nodeArgs: ctx.nodeArgs });
  try {
    const pids = { servers: inst.servers.map((s) => s.pid), sandbox: [sandbox.pid], ...(await databaseCpuGroup(world)) };
    const logs = logMarks(inst.servers);
    const marks: CpuMark[] = [];
    ctx.log(`buyer refund request, ${n} process${n > 1 ? 'es' : ''}: ${CONNECTIONS} connections in total, ${DURATION_S} s`);
    const load = await splitLoad({
      urls: inst.servers.map((s) => s.url),
      connections: CONNECTIONS,
      durationS: DURATION_S,
      warmupS: WARMUP_S,
      onWindow: () => marks.push(markCpu(pids)),
      next: refundRequests(orders),
    });
    const cpu = cpuSpent(marks[0], marks[1]);
    const cpuMsPerRequest = (cpu.groups.servers * 1000) / load.answeredInWindow;
    ctx.log(`  ${Math.round(load.rps)} req/s (${load.perServerRps.map((r) => Math.round(r)).join(' + ')}), p99 ${load.p99.toFixed(0)} ms, ${load.non2xx} non-2xx, server CPU ${cpuMsPerRequest.toFixed(2)} ms per request`);
    return { processes: n, load, cpu, cpuMsPerRequest, warnings: warningsSince(inst.servers, logs) };
  } finally {
    await inst.stop();
  }
}
