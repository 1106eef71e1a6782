// POST /api/mp/orders/:orderNo/refunds on distinct paid orders, 64 connections: ≥ 0.25× hello, p99 ≤ 100 ms.
import { describeRun, endpointFigures, measurePair } from './lib/pair.ts';
import type { Benchmark } from './lib/types.ts';
import { refundRequests, Seeder } from './lib/seeder.ts';
import { prepareWorld } from './lib/world.ts';

const CONNECTIONS = 64;
const DURATION_S = Number(process.env.BENCH_WINDOW_S ?? 10);
const WARMUP_S = 3;
const ORDERS = 40_000;
const BUYERS = 2_000;

export const buyerRefund: Benchmark = {
  name: 'buyer-refund',
  title: 'Buyer refund request',
  async run(ctx) {
    const world = await prepareWorld('buyer-refund', ctx);
    try {
      const seed = await Seeder.open(world);
      const orders = await seed.paidOrders(ORDERS, await seed.buyers(BUYERS));
      await seed.close();
      ctx.log(`seeded ${ORDERS} paid orders of ${BUYERS} buyers`);
      const running = await world.start({ env: { BUYER_RATE_LIMIT_PER_MIN: '1000000' }, nodeArgs: ctx.nodeArgs });
      try {
        const p = await measurePair(ctx, running.server, {
          label: 'buyer refund request',
          connections: CONNECTIONS,
          durationS: DURATION_S,
          warmupS: WARMUP_S,
          next: refundRequests(orders),
        });
        return { figures: endpointFigures('buyer-refund', p), notes: [describeRun('Buyer refund request', p)], maxRssMb: p.maxRssMb };
      } finally {
        await running.stop();
      }
    } finally {
      await world.remove();
    }
  },
};
