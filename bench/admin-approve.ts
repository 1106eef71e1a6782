// POST /api/admin/refunds/:refundNo/approve on distinct REQUESTED refunds, 64 connections: ≥ 0.25× hello,
// p99 ≤ 100 ms. One merchant session (cookie + X-CSRF-Token) as the admin web sends them. The orders are not
// known to the sandbox and WXPAY_REFUND_QPS is 1, so the dispatcher that approval wakes barely runs: the figure
// is the approval endpoint's; the dispatcher has its own benchmarks.
import { adminSession } from './lib/api.ts';
import { describeRun, endpointFigures, measurePair } from './lib/pair.ts';
import type { Benchmark } from './lib/types.ts';
import { Seeder } from './lib/seeder.ts';
import { prepareWorld } from './lib/world.ts';

const CONNECTIONS = 64;
const DURATION_S = Number(process.env.BENCH_WINDOW_S ?? 10);
const WARMUP_S = 3;
const REFUNDS = 40_000;

export const adminApprove: Benchmark = {
  name: 'admin-approve',
  title: 'Admin approve',
  async run(ctx) {
    const world = await prepareWorld('admin-approve', ctx);
    try {
      const seed = await Seeder.open(world);
      const refunds = await seed.refunds(await seed.paidOrders(REFUNDS, await seed.buyers(500)), 'REQUESTED');
      await seed.close();
      ctx.log(`seeded ${REFUNDS} REQUESTED refunds`);
      const running = await world.start({ env: { WXPAY_REFUND_QPS: '1' }, nodeArgs: ctx.nodeArgs });
      try {
        const admin = await adminSession(running.server.url);
        let i = 0;
        const p = await measurePair(ctx, running.server, {
          label: 'admin approve',
          connections: CONNECTIONS,
          durationS: DURATION_S,
          warmupS: WARMUP_S,
          next: () => {
            const r = refunds[i++];
            if (!r) return null;
            return { method: 'POST', path: `/api/admin/refunds/${r.refundNo}/approve`, headers: { cookie: admin.cookie, 'x-csrf-token': admin.csrfToken } };
          },
        });
        return { figures: endpointFigures('admin-approve', p), notes: [describeRun('Admin approve', p)], maxRssMb: p.maxRssMb };
      } finally {
        await running.stop();
      }
    } finally {
      await world.remove();
    }
  },
};
