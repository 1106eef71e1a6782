// 1. POST /api/mp/orders/:orderNo/refunds on distinct paid orders, 64 connections: ≥ 0.5× hello, p99 ≤ 100 ms.
import { load } from './lib/load.ts';
import { RssSampler } from './lib/rss.ts';
import { startMall } from './lib/server.ts';
import { fmt, type Benchmark } from './lib/types.ts';
import { prepareWorld, Seeder } from './lib/world.ts';

const CONNECTIONS = 64;
const DURATION_S = 10;
const WARMUP_S = 2;
const ORDERS = 60_000;
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
    const server = await startMall(world.env({ BUYER_RATE_LIMIT_PER_MIN: '1000000' }), ctx.nodeArgs);
    try {
      let i = 0;
      const next = () => {
        const o = orders[i++];
        if (!o) return null;
        return {
          method: 'POST',
          path: `/api/mp/orders/${o.orderNo}/refunds`,
          headers: { authorization: `Bearer ${o.buyer.token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ amountFen: o.totalFen, reason: '不想要了' }),
        };
      };
      await load({ url: ctx.hello.url, path: '/hello', connections: CONNECTIONS, durationS: WARMUP_S });
      const hello = await load({ url: ctx.hello.url, path: '/hello', connections: CONNECTIONS, durationS: DURATION_S });
      await load({ url: server.url, connections: CONNECTIONS, durationS: WARMUP_S, next });
      const rss = new RssSampler(server.pid);
      const r = await load({ url: server.url, connections: CONNECTIONS, durationS: DURATION_S, next });
      const maxRssMb = rss.stop();
      const ratio = r.rps / hello.rps;
      const notes = [
        `buyer refund request: ${r.ok} refunds created in ${r.durationS.toFixed(1)} s, ${r.non2xx} non-2xx ${JSON.stringify(r.statuses)}, ${r.errors} errors; ` +
          `latency p50 ${fmt.ms(r.p50)}, p99 ${fmt.ms(r.p99)}, max ${fmt.ms(r.max)}; hello p99 ${fmt.ms(hello.p99)}` +
          (r.exhausted ? ' (the seeded orders ran out before the duration)' : ''),
      ];
      return {
        rows: [
          { benchmark: 'Buyer refund request, 64 conn. — throughput', figure: fmt.rps(r.rps), hello: fmt.rps(hello.rps), ratio: fmt.ratio(ratio), target: '≥ 0.5×', met: ratio >= 0.5 },
          { benchmark: 'Buyer refund request, 64 conn. — p99 latency', figure: fmt.ms(r.p99), hello: fmt.ms(hello.p99), ratio: fmt.ratio(r.p99 / hello.p99), target: '≤ 100 ms', met: r.p99 <= 100 },
        ],
        notes,
        maxRssMb,
      };
    } finally {
      await server.stop();
      world.remove();
    }
  },
};
