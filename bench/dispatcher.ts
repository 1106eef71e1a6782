// The dispatcher draining 2,000 approved refunds (distinct orders, REFUND_ORDER_GAP_S=0) to the sandbox answering
// /secapi/pay/refund in WeChat's random 100–300 ms: ≥ 97 % of WXPAY_REFUND_QPS sustained, never above it in any
// one-second window, measured from the sandbox's own record of the calls (bench/lib/dispatch-calls.ts).
import { cpus } from 'node:os';
import { callDurations, callFigures, ensureWechatLatency, SANDBOX_LATENCY_ENV, SETTLE_AFTER_MS, waitAccepted } from './lib/dispatch-calls.ts';
import { REFUND_QPS } from './lib/figures.ts';
import { cpuSeconds, RssSampler } from './lib/rss.ts';
import type { Benchmark } from './lib/types.ts';
import { Seeder } from './lib/seeder.ts';
import { prepareWorld } from './lib/world.ts';

const REFUNDS = 2_000;
const QPS = Number(process.env.BENCH_DISPATCH_QPS ?? REFUND_QPS); // other values only to look into the pacing

export const dispatcher: Benchmark = {
  name: 'dispatcher',
  title: 'Dispatcher, 2,000 refunds, WeChat answering in 100–300 ms',
  async run(ctx) {
    const world = await prepareWorld('dispatcher', ctx);
    try {
      const seed = await Seeder.open(world);
      // due a day from now: nothing moves until the sandbox's latency is checked and the start is given
      const refunds = await seed.refunds(await seed.paidOrders(REFUNDS, await seed.buyers(200), { inSandbox: true }), 'APPROVED', {
        nextAttemptAt: new Date(Date.now() + 24 * 3600_000),
      });
      await seed.close();
      ctx.log(`seeded ${REFUNDS} APPROVED refunds on orders the sandbox has as paid`);
      const running = await world.start({
        env: { WXPAY_REFUND_QPS: String(QPS), REFUND_ORDER_GAP_S: '0' },
        sandboxEnv: { SANDBOX_SETTLE_DELAY_MS: String(SETTLE_AFTER_MS), ...SANDBOX_LATENCY_ENV },
        nodeArgs: ctx.nodeArgs,
      });
      const { server, sandbox } = running;
      const rss = new RssSampler(server.pid);
      const db = await world.open('watch');
      try {
        await ensureWechatLatency(world, sandbox);
        // the start: all 2,000 due now (the dispatcher looks at least once a second)
        await db.run(`UPDATE "Refund" SET "nextAttemptAt" = ? WHERE status = 'APPROVED'`, [db.ts(Date.now())]);
        const started = Date.now();
        const cpu0 = { server: cpuSeconds(server.pid), sandbox: cpuSeconds(sandbox.pid) };
        await waitAccepted(db, REFUNDS, 180_000);
        const sendingS = (Date.now() - started) / 1000;
        const cpu1 = { server: cpuSeconds(server.pid), sandbox: cpuSeconds(sandbox.pid) };
        ctx.log(`all ${REFUNDS} refunds accepted by the sandbox after ${sendingS.toFixed(1)} s`);
        const f = await callFigures(world, sandbox, new Set(refunds.map((r) => r.refundNo)));
        const accepted = await db.number(`SELECT COUNT(*) FROM "Refund" WHERE status = 'REFUNDING' AND "acceptedAt" IS NOT NULL`);
        const events = await db.number(`SELECT COUNT(*) FROM "RefundEvent" WHERE action = 'dispatch'`);
        const durations = await callDurations(db);
        const maxRssMb = rss.stop();
        ctx.log(`dispatcher: ${f.rate.toFixed(1)} calls/s, busiest second ${f.peak}`);
        return {
          figures: [
            { key: 'dispatcher.rate', value: f.rate },
            { key: 'dispatcher.peak', value: f.peak },
          ],
          notes: [
            `Dispatcher, ${REFUNDS} refunds at WXPAY_REFUND_QPS=${QPS}: ${f.calls.length} calls to /secapi/pay/refund (${f.resent} refunds sent more than once), results ${JSON.stringify(f.results)}; ` +
              `first to last call ${f.spanS.toFixed(2)} s; afterwards ${accepted}/${REFUNDS} refunds REFUNDING with WeChat's acceptance recorded, ${events} dispatch events; ${durations}. ` +
              `The sandbox answers each call after a random 100–300 ms and settles only ${SETTLE_AFTER_MS / 1000} s later. ` +
              `CPU while sending (${sendingS.toFixed(1)} s): server ${(cpu1.server - cpu0.server).toFixed(1)} s ` +
              `(${(((cpu1.server - cpu0.server) * 1000) / REFUNDS).toFixed(1)} ms per refund), sandbox ${(cpu1.sandbox - cpu0.sandbox).toFixed(1)} s ` +
              `(${(((cpu1.sandbox - cpu0.sandbox) * 1000) / REFUNDS).toFixed(1)} ms per refund), on ${cpus().length} cores shared with the rest of the machine.`,
          ],
          maxRssMb,
        };
      } finally {
        rss.stop();
        await db.close();
        await running.stop();
      }
    } finally {
      await world.remove();
    }
  },
};
