// The dispatcher after a restart (a crash or a deploy): 400 APPROVED refunds already due are written while the
// server is stopped; WeChat (the sandbox, its own process, mutual TLS, signed answers, a random 100–300 ms per
// answer) is up; then the server starts with WXPAY_REFUND_QPS=150 and REFUND_ORDER_GAP_S=0 and sends them.
// From the sandbox's record of the calls: the rate from first to last call, the most calls in any sliding
// second, and the time from the server's process start to the first call.
import { callDurations, callFigures, ensureWechatLatency, SANDBOX_LATENCY_ENV, SETTLE_AFTER_MS, waitAccepted } from './lib/dispatch-calls.ts';
import { REFUND_QPS } from './lib/figures.ts';
import { RssSampler } from './lib/rss.ts';
import type { Benchmark } from './lib/types.ts';
import { Seeder } from './lib/seeder.ts';
import { prepareWorld } from './lib/world.ts';

const REFUNDS = 400;

export const dispatcherBacklog: Benchmark = {
  name: 'dispatcher-backlog',
  title: 'Dispatcher, backlog of 400 approved refunds after a restart',
  async run(ctx) {
    const world = await prepareWorld('dispatcher-backlog', ctx);
    try {
      const seed = await Seeder.open(world);
      // due already (approved before the restart): the dispatcher's first look finds all of them
      const refunds = await seed.refunds(await seed.paidOrders(REFUNDS, await seed.buyers(100), { inSandbox: true }), 'APPROVED', {
        nextAttemptAt: new Date(Date.now() - 1000),
      });
      await seed.close();
      ctx.log(`seeded ${REFUNDS} due APPROVED refunds with the server stopped`);
      const sandbox = await world.startSandbox({ SANDBOX_SETTLE_DELAY_MS: String(SETTLE_AFTER_MS), ...SANDBOX_LATENCY_ENV });
      try {
        await ensureWechatLatency(world, sandbox);
        const server = await world.startServer(sandbox, { env: { WXPAY_REFUND_QPS: String(REFUND_QPS), REFUND_ORDER_GAP_S: '0' }, nodeArgs: ctx.nodeArgs });
        const rss = new RssSampler(server.pid);
        const db = await world.open('watch');
        try {
          await waitAccepted(db, REFUNDS, 120_000);
          const f = await callFigures(world, sandbox, new Set(refunds.map((r) => r.refundNo)));
          const firstCallS = (f.ats[0] - server.spawnedAt) / 1000;
          const durations = await callDurations(db);
          const maxRssMb = rss.stop();
          ctx.log(`backlog: first call ${firstCallS.toFixed(2)} s after the spawn, ${f.rate.toFixed(1)} calls/s, busiest second ${f.peak}`);
          return {
            figures: [
              { key: 'backlog.rate', value: f.rate },
              { key: 'backlog.peak', value: f.peak },
              { key: 'backlog.firstCall', value: firstCallS },
            ],
            notes: [
              `Dispatcher backlog: ${REFUNDS} due APPROVED refunds written with the server stopped; once the server was spawned, ` +
                `its first refund call reached the sandbox ${firstCallS.toFixed(2)} s later and the last ${((f.ats[f.ats.length - 1] - server.spawnedAt) / 1000).toFixed(2)} s later ` +
                `(${f.calls.length} calls over ${f.spanS.toFixed(2)} s, ${f.resent} refunds sent more than once, results ${JSON.stringify(f.results)}); ${durations}.`,
            ],
            maxRssMb,
          };
        } finally {
          rss.stop();
          await db.close();
          await server.stop();
        }
      } finally {
        await sandbox.stop();
      }
    } finally {
      await world.remove();
    }
  },
};
