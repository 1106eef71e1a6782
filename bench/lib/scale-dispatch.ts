// Scale-out, part 2: the dispatcher draining 2,000 approved refunds (bench/dispatcher.ts's measurement) on 1 and on
// 2 server processes of one database, against one sandbox answering in WeChat's random 100–300 ms. The
// WXPAY_REFUND_QPS budget is one row in the database (RateSlot) that every instance reserves its send slots from,
// so 2 processes must still stay ≤ 150 calls in any second; the figures come from the sandbox's own call log.
import { callFigures, ensureWechatLatency, SANDBOX_LATENCY_ENV, waitAccepted, type CallFigures } from './dispatch-calls.ts';
import type { BenchDb } from './database.ts';
import { REFUND_QPS } from './figures.ts';
import { logMarks, startInstances, warningsSince } from './instances.ts';
import { cpuSpent, markCpu, type CpuSpent } from './machine-cpu.ts';
import { databaseCpuGroup } from './pg-processes.ts';
import { cpuSeconds } from './rss.ts';
import { Seeder, type SeededRefund } from './seeder.ts';
import type { Child } from './server.ts';
import type { BenchContext } from './types.ts';
import { prepareWorld, type World } from './world.ts';

const REFUNDS = 2_000;
export const DISPATCH_QPS = Number(process.env.BENCH_DISPATCH_QPS ?? REFUND_QPS); // others only to look into the pacing
/**
 * The steps run one after the other on one world: the sandbox settles (and notifies) and the servers query
 * accepted refunds only long after the last step, so that no step's calls share the sandbox or the database
 * with an earlier step's aftermath (bench/dispatcher.ts gets the same by being over within 60 s).
 */
const SETTLE_AFTER_MS = 600_000;
const QUERY_AFTER_S = 3_600;

export interface DispatchStep {
  processes: number;
  calls: CallFigures;
  sendingS: number;
  cpu: CpuSpent;
  /** server CPU (all processes) per refund, ms */
  cpuMsPerRefund: number;
  /** each server's CPU-seconds while sending: both take part */
  perServerCpuS: number[];
  warnings: string[];
}

export async function dispatchSteps(ctx: BenchContext, processCounts: number[]): Promise<DispatchStep[]> {
  const world = await prepareWorld('scale-out-dispatch', ctx);
  try {
    const seed = await Seeder.open(world);
    const buyers = await seed.buyers(200);
    // due a day from now: nothing moves until a step makes its own 2,000 due
    const later = { nextAttemptAt: new Date(Date.now() + 24 * 3600_000) };
    const batches: SeededRefund[][] = [];
    for (let k = 0; k < processCounts.length; k++) batches.push(await seed.refunds(await seed.paidOrders(REFUNDS, buyers, { inSandbox: true }), 'APPROVED', later));
    await seed.close();
    ctx.log(`seeded ${REFUNDS} APPROVED refunds per step on orders the sandbox has as paid`);
    const sandbox = await world.startSandbox({ SANDBOX_SETTLE_DELAY_MS: String(SETTLE_AFTER_MS), ...SANDBOX_LATENCY_ENV });
    const db = await world.open('watch');
    try {
      await ensureWechatLatency(world, sandbox);
      const steps: DispatchStep[] = [];
      for (const [k, n] of processCounts.entries()) steps.push(await step(ctx, world, sandbox, db, n, batches[k]));
      return steps;
    } finally {
      await db.close();
      await sandbox.stop();
    }
  } finally {
    await world.remove();
  }
}

async function step(ctx: BenchContext, world: World, sandbox: Child, db: BenchDb, n: number, refunds: SeededRefund[]): Promise<DispatchStep> {
  const inst = await startInstances(world, sandbox, n, {
    env: { WXPAY_REFUND_QPS: String(DISPATCH_QPS), REFUND_ORDER_GAP_S: '0', REFUND_QUERY_AFTER_S: String(QUERY_AFTER_S) },
    nodeArgs: ctx.nodeArgs,
  });
  try {
    const pids = inst.servers.map((s) => s.pid);
    const accepted = await db.number('SELECT COUNT(*) FROM "Refund" WHERE "acceptedAt" IS NOT NULL');
    const logs = logMarks(inst.servers);
    ctx.log(`dispatcher, ${n} process${n > 1 ? 'es' : ''}: ${REFUNDS} refunds due now at WXPAY_REFUND_QPS=${DISPATCH_QPS}`);
    const perServer0 = pids.map(cpuSeconds);
    const cpuGroups = { servers: pids, sandbox: [sandbox.pid], ...(await databaseCpuGroup(world)) };
    const c0 = markCpu(cpuGroups);
    // the start: this step's refunds all due now (every dispatcher looks at least once a second)
    await db.run(`UPDATE "Refund" SET "nextAttemptAt" = ? WHERE id >= ? AND id <= ?`, [db.ts(Date.now()), refunds[0].id, refunds[refunds.length - 1].id]);
    await waitAccepted(db, accepted + REFUNDS, 180_000);
    const c1 = markCpu(cpuGroups);
    const perServerCpuS = pids.map((pid, i) => cpuSeconds(pid) - perServer0[i]);
    const cpu = cpuSpent(c0, c1);
    const calls = await callFigures(world, sandbox, new Set(refunds.map((r) => r.refundNo)));
    const cpuMsPerRefund = (cpu.groups.servers * 1000) / REFUNDS;
    ctx.log(`  ${calls.rate.toFixed(1)} calls/s, busiest second ${calls.peak}, server CPU ${cpuMsPerRefund.toFixed(1)} ms per refund`);
    return { processes: n, calls, sendingS: cpu.wallS, cpu, cpuMsPerRefund, perServerCpuS, warnings: warningsSince(inst.servers, logs) };
  } finally {
    await inst.stop();
  }
}
