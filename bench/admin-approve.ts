// 3. POST /api/admin/refunds/:refundNo/approve on distinct REQUESTED refunds, 64 connections: ≥ 0.5× hello.
// One merchant session (cookie + X-CSRF-Token) as the admin web sends them. The orders are not known to the
// sandbox and WXPAY_REFUND_QPS is 1, so the dispatcher that approval wakes barely runs: the figure is the
// approval endpoint's; the dispatcher has its own benchmark.
import { adminSession } from '../test/helpers/api.ts';
import { describeRun, measurePair } from './lib/pair.ts';
import { BENCH_ADMIN } from './lib/server.ts';
import { fmt, type Benchmark } from './lib/types.ts';
import { prepareWorld, Seeder } from './lib/world.ts';

const CONNECTIONS = 64;
const DURATION_S = 10;
const WARMUP_S = 3;
const REFUNDS = 40_000;

export const adminApprove: Benchmark = {
  name: 'admin-approve',
  title: 'Admin approve',
  async run(ctx) {
    const world = await prepareWorld('admin-approve');
    const seed = new Seeder(world);
    const refunds = seed.refunds(seed.paidOrders(REFUNDS, seed.buyers(500)), 'REQUESTED');
    seed.close();
    ctx.log(`seeded ${REFUNDS} REQUESTED refunds`);
    const running = await world.start({ env: { WXPAY_REFUND_QPS: '1' }, nodeArgs: ctx.nodeArgs });
    const server = running.server;
    try {
      const admin = await adminSession(server.url, BENCH_ADMIN);
      let i = 0;
      const p = await measurePair(ctx, server, {
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
      const ratio = p.it.rps / p.hello.rps;
      return {
        rows: [
          { benchmark: '3. Admin approve (distinct REQUESTED refunds), 64 conn. — throughput', figure: fmt.rps(p.it.rps), hello: fmt.rps(p.hello.rps), ratio: fmt.ratio(ratio), target: '≥ 0.5×', met: ratio >= 0.5 },
        ],
        notes: [describeRun('Admin approve', p)],
        maxRssMb: p.maxRssMb,
      };
    } finally {
      await running.stop();
      world.remove();
    }
  },
};
