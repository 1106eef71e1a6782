// 1. POST /api/mp/orders/:orderNo/refunds on distinct paid orders, 64 connections: ≥ 0.5× hello, p99 ≤ 100 ms.
import { describeRun, measurePair } from './lib/pair.ts';
import { fmt, type Benchmark } from './lib/types.ts';
import { prepareWorld, Seeder } from './lib/world.ts';

const CONNECTIONS = 64;
const DURATION_S = 10;
const WARMUP_S = 3;
const ORDERS = 40_000;
const BUYERS = 2_000;

export const buyerRefund: Benchmark = {
  name: 'buyer-refund',
  title: 'Buyer refund request',
  async run(ctx) {
    const world = await prepareWorld('buyer-refund');
    const seed = new Seeder(world);
    const buyers = seed.buyers(BUYERS);
    const orders = seed.paidOrders(ORDERS, buyers);
    seed.close();
    ctx.log(`seeded ${ORDERS} paid orders of ${BUYERS} buyers`);
    const running = await world.start({ env: { BUYER_RATE_LIMIT_PER_MIN: '1000000' }, nodeArgs: ctx.nodeArgs });
    const server = running.server;
    try {
      let i = 0;
      const p = await measurePair(ctx, server, {
        label: 'buyer refund request',
        connections: CONNECTIONS,
        durationS: DURATION_S,
        warmupS: WARMUP_S,
        next: () => {
          const o = orders[i++];
          if (!o) return null;
          return {
            method: 'POST',
            path: `/api/mp/orders/${o.orderNo}/refunds`,
            headers: { authorization: `Bearer ${o.buyer.token}`, 'content-type': 'application/json' },
            body: JSON.stringify({ amountFen: o.totalFen, reason: '不想要了' }),
          };
        },
      });
      const ratio = p.it.rps / p.hello.rps;
      return {
        rows: [
          { benchmark: '1. Buyer refund request (distinct paid orders), 64 conn. — throughput', figure: fmt.rps(p.it.rps), hello: fmt.rps(p.hello.rps), ratio: fmt.ratio(ratio), target: '≥ 0.5×', met: ratio >= 0.5 },
          { benchmark: '1. Buyer refund request, 64 conn. — p99 latency', figure: fmt.ms(p.it.p99), hello: fmt.ms(p.hello.p99), ratio: fmt.ratio(p.it.p99 / p.hello.p99), target: '≤ 100 ms', met: p.it.p99 <= 100 },
        ],
        notes: [describeRun('Buyer refund request', p)],
        maxRssMb: p.maxRssMb,
      };
    } finally {
      await running.stop();
      world.remove();
    }
  },
};
