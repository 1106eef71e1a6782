// Crash safety (issue 6): SIGKILL as WeChat's pay notification arrives. The orders stay UNPAID (nothing
// half-applied); after the restart WeChat's redelivery, or the buyer paying again (the sandbox re-sends the
// notification of a paid trade), marks each order PAID exactly once, and its refunds then work as usual.
import { afterAll, describe, expect, it } from 'vitest';
import { createDb } from '../../server/db/client.ts';
import { adminSession, asBuyer, buyerLogin, placeOrder, requestRefund, sandboxControl, waitFor } from '../helpers/api.ts';
import { freePort, waitForExit } from '../helpers/crash.ts';
import { allProblems, waitAllFinal } from '../helpers/invariants.ts';
import { protocolEnv, protocolsForCase } from '../helpers/protocols.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

let first: TestServer | undefined;
let server: TestServer | undefined;
afterAll(async () => {
  await first?.kill(); // dead already, unless the crash point was never reached
  await server?.stop();
});

async function ordersDirect(databaseUrl: string, orderNos: string[]) {
  const db = await createDb(databaseUrl);
  try {
    const orders = await db.order.findMany({ where: { orderNo: { in: orderNos } }, select: { orderNo: true, status: true, paidAt: true } });
    const applied = await db.notification.findMany({ where: { kind: 'pay', orderNo: { in: orderNos }, outcome: 'applied' }, select: { orderNo: true } });
    return { orders, applied: applied.map((n) => n.orderNo) };
  } finally {
    await db.$disconnect();
  }
}

describe('killed by a pay notification', () => {
  for (const protocol of protocolsForCase(1))
  it(`in-pay-notification (${protocol}): orders stay UNPAID, then become PAID once each after the restart`, async () => {
    const env = { WXPAY_TIMEOUT_MS: '1000', PORT: String(await freePort()), ...protocolEnv(protocol) };
    first = await startServer({ env: { ...env, WXMALL_TEST_FAULTS: 'in-pay-notification' } });
    const token = await buyerLogin(first.baseUrl);
    const orders: Array<{ orderNo: string; totalFen: number }> = [];
    for (let i = 0; i < 3; i++) orders.push(await placeOrder(first.baseUrl, token, { productIndex: i % 3 }));
    const orderNos = orders.map((o) => o.orderNo);
    const buyer1 = asBuyer(first.baseUrl, token);
    const pays = await Promise.allSettled(orders.map((o) => buyer1('POST', `/api/mp/orders/${o.orderNo}/sandbox-pay`)));
    const end = await waitForExit(first, 20_000);
    expect(end.signal).toBe('SIGKILL');
    // no pay call answered PAID: the process died first
    for (const p of pays) if (p.status === 'fulfilled') expect(p.value.body?.status).not.toBe('PAID');

    const down = await ordersDirect(first.env.DATABASE_URL, orderNos);
    expect(down.orders.map((o) => [o.status, o.paidAt])).toEqual(orderNos.map(() => ['UNPAID', null]));
    expect(down.applied).toEqual([]);

    server = await startServer({ dataDir: first.dataDir, env });
    const base = server.baseUrl;
    const buyer = asBuyer(base, token);
    // WeChat had taken the money for at least one order (its notification is what killed us): that order is
    // left to WeChat's own redelivery (same notify_url, the port is kept); for the others the buyer taps
    // "pay" again (the sandbox re-sends the notification of a paid trade, or pays an unpaid one)
    const notes = (await sandboxControl(server, 'GET', '/sandbox/notifications')).body.items as Array<{ kind: string; ref: string }>;
    const paidAtWechat = orderNos.filter((no) => notes.some((n) => n.kind === 'pay' && n.ref === no));
    expect(paidAtWechat.length, JSON.stringify(notes)).toBeGreaterThanOrEqual(1);
    const leftToWechat = paidAtWechat[0];
    for (const o of orders.filter((x) => x.orderNo !== leftToWechat)) {
      const r = await buyer('POST', `/api/mp/orders/${o.orderNo}/sandbox-pay`);
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      expect(r.body.status).toBe('PAID');
    }
    await waitFor(async () => (await buyer('GET', `/api/mp/orders/${leftToWechat}`)).body.status === 'PAID', 30_000, 250);

    const up = await ordersDirect(server.env.DATABASE_URL, orderNos);
    expect(up.orders.every((o) => o.status === 'PAID' && o.paidAt !== null)).toBe(true);
    expect(up.applied.sort()).toEqual([...orderNos].sort()); // applied once each, whatever was redelivered

    // and the money flow works on them: a full refund of each, never more than paid
    const admin = await adminSession(base);
    for (const o of orders) {
      const r = await requestRefund(base, token, o.orderNo, o.totalFen);
      expect((await admin.call('POST', `/api/admin/refunds/${r.refundNo}/approve`)).status).toBe(200);
    }
    const done = await waitAllFinal(server, admin, orderNos, 15_000);
    for (const a of done) {
      expect(a.refunds.map((r) => r.status)).toEqual(['REFUNDED']);
      expect(a.refundedFen).toBe(a.totalFen);
    }
    expect((await allProblems(server, admin, orderNos)).problems).toEqual([]);
  });
});
