// POST /api/wxpay/notify/refund with encrypted req_info, each for a distinct REFUNDING refund: ≥ 0.25× hello,
// p99 ≤ 100 ms. The refunds are seeded as WeChat-accepted (REFUNDING, acceptedAt set, next query a day away) and
// the notifications are forged beforehand with the sandbox merchant's real API key, so only the server's work is
// measured: decrypt, check, apply (REFUNDING → REFUNDED with the order's money), store as received.
import { refundNotification } from './lib/forge.ts';
import { describeRun, endpointFigures, measurePair } from './lib/pair.ts';
import type { Benchmark } from './lib/types.ts';
import { Seeder } from './lib/seeder.ts';
import { prepareWorld } from './lib/world.ts';

const CONNECTIONS = 64;
const DURATION_S = Number(process.env.BENCH_WINDOW_S ?? 10);
const WARMUP_S = 3;
const REFUNDS = 40_000;

export const notifyRefund: Benchmark = {
  name: 'notify-refund',
  title: 'Refund notification',
  async run(ctx) {
    const world = await prepareWorld('notify-refund', ctx);
    try {
      const seed = await Seeder.open(world);
      const orders = await seed.paidOrders(REFUNDS, await seed.buyers(500));
      const refunds = await seed.refunds(orders, 'REFUNDING', { nextAttemptAt: new Date(Date.now() + 24 * 3600_000) });
      await seed.close();
      const bodies = refunds.map((r) =>
        refundNotification(world.credentials, { outRefundNo: r.refundNo, outTradeNo: r.order.orderNo, totalFee: r.order.totalFen, refundFee: r.amountFen }),
      );
      ctx.log(`seeded ${REFUNDS} REFUNDING refunds and forged their notifications`);
      const running = await world.start({ nodeArgs: ctx.nodeArgs });
      try {
        let i = 0;
        const p = await measurePair(ctx, running.server, {
          label: 'refund notification',
          connections: CONNECTIONS,
          durationS: DURATION_S,
          warmupS: WARMUP_S,
          next: () => {
            const body = bodies[i++];
            if (body === undefined) return null;
            return { method: 'POST', path: '/api/wxpay/notify/refund', headers: { 'content-type': 'text/xml' }, body };
          },
        });
        return { figures: endpointFigures('notify-refund', p), notes: [describeRun('Refund notification', p)], maxRssMb: p.maxRssMb };
      } finally {
        await running.stop();
      }
    } finally {
      await world.remove();
    }
  },
};
