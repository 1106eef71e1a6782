// 2. POST /api/wxpay/notify/refund with encrypted req_info, each for a distinct REFUNDING refund: ≥ 0.5× hello.
// The refunds are seeded as WeChat-accepted (REFUNDING, acceptedAt set, next query a day away) and the
// notifications are forged beforehand with the sandbox merchant's real API key, so only the server's
// work is measured: decrypt, check, apply (REFUNDING → REFUNDED with the order's money), store as received.
import { describeRun, measurePair } from './lib/pair.ts';
import { fmt, type Benchmark } from './lib/types.ts';
import { prepareWorld, Seeder } from './lib/world.ts';
import { refundNotification } from '../test/helpers/forge.ts';

const CONNECTIONS = 64;
const DURATION_S = 10;
const WARMUP_S = 3;
const REFUNDS = 40_000;

export const notifyRefund: Benchmark = {
  name: 'notify-refund',
  title: 'Refund notification',
  async run(ctx) {
    const world = await prepareWorld('notify-refund');
    const seed = new Seeder(world);
    const orders = seed.paidOrders(REFUNDS, seed.buyers(500));
    const refunds = seed.refunds(orders, 'REFUNDING', { nextAttemptAt: new Date(Date.now() + 24 * 3600_000) });
    seed.close();
    const creds = { ...world.credentials, appSecret: '' };
    const bodies = refunds.map((r) =>
      refundNotification(creds, { outRefundNo: r.refundNo, outTradeNo: r.order.orderNo, totalFee: r.order.totalFen, refundFee: r.amountFen }),
    );
    ctx.log(`seeded ${REFUNDS} REFUNDING refunds and forged their notifications`);
    const running = await world.start({ nodeArgs: ctx.nodeArgs });
    const server = running.server;
    try {
      let i = 0;
      const p = await measurePair(ctx, server, {
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
      const ratio = p.it.rps / p.hello.rps;
      return {
        rows: [
          { benchmark: '2. Refund notification (encrypted req_info, distinct refunds), 64 conn. — throughput', figure: fmt.rps(p.it.rps), hello: fmt.rps(p.hello.rps), ratio: fmt.ratio(ratio), target: '≥ 0.5×', met: ratio >= 0.5 },
        ],
        notes: [describeRun('Refund notification', p)],
        maxRssMb: p.maxRssMb,
      };
    } finally {
      await running.stop();
      world.remove();
    }
  },
};
