// Races through the real HTTP API: duplicate clicks, many requests at once, approve vs cancel. Whatever the
// interleaving, WeChat sees each refund once, and the refunds of an order never add up to more than was paid.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  adminRefund,
  adminSession,
  asBuyer,
  buyerLogin,
  createProduct,
  placePaidOrder,
  placePaidOrderOf,
  requestRefund,
  sandboxControl,
  sandboxRefund,
  waitForRefundStatus,
  type AdminSession,
} from '../helpers/api.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;
let base: string;
let admin: AdminSession;

beforeAll(async () => {
  server = await startServer();
  base = server.baseUrl;
  admin = await adminSession(base);
});

afterAll(async () => {
  await server?.stop();
});

async function sandboxRefundsOf(orderNo: string) {
  const r = await sandboxControl(server, 'GET', `/sandbox/refunds?outTradeNo=${encodeURIComponent(orderNo)}`);
  return r.body.items as Array<{ outRefundNo: string; refundFee: number; status: string; calls: number; fees: number[] }>;
}

describe('duplicate clicks', () => {
  it('when the merchant approves twenty times at once, exactly one wins and WeChat sees one refund with one fee', async () => {
    const token = await buyerLogin(base);
    const order = await placePaidOrder(base, token);
    const refund = await requestRefund(base, token, order.orderNo, 1234);
    const answers = await Promise.all(Array.from({ length: 20 }, () => admin.call('POST', `/api/admin/refunds/${refund.refundNo}/approve`)));
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(19);
    for (const a of answers.filter((x) => x.status === 409)) expect(a.body.error.code).toBe('INVALID_STATE');

    const done = await waitForRefundStatus(admin, refund.refundNo, 'REFUNDED');
    expect(done.events.filter((e: any) => e.action === 'approve')).toHaveLength(1);
    expect(done.events.filter((e: any) => e.to === 'REFUNDING')).toHaveLength(1);
    const atWechat = await sandboxRefundsOf(order.orderNo);
    expect(atWechat).toHaveLength(1);
    expect(atWechat[0]).toMatchObject({ outRefundNo: refund.refundNo, refundFee: 1234, status: 'SUCCESS', calls: 1, fees: [1234] });
    const o = (await asBuyer(base, token)('GET', `/api/mp/orders/${order.orderNo}`)).body;
    expect(o.refundedFen).toBe(1234);
  });

  it('ten refund requests on one order at once: exactly one 201, the rest 409, and pending never exceeds paid', async () => {
    const token = await buyerLogin(base);
    const order = await placePaidOrder(base, token);
    const b = asBuyer(base, token);
    const amounts = Array.from({ length: 10 }, (_, i) => order.totalFen - i * 10);
    const answers = await Promise.all(amounts.map((amountFen) => b('POST', `/api/mp/orders/${order.orderNo}/refunds`, { amountFen, reason: 'race' })));
    const won = answers.filter((a) => a.status === 201);
    expect(won).toHaveLength(1);
    const lost = answers.filter((a) => a.status !== 201);
    expect(lost.map((a) => a.status)).toEqual(Array(9).fill(409));
    for (const a of lost) expect(a.body.error.code).toBe('REFUND_IN_PROGRESS');
    const o = (await b('GET', `/api/mp/orders/${order.orderNo}`)).body;
    expect(o.refunds).toHaveLength(1);
    expect(o.refunds[0].refundNo).toBe(won[0].body.refundNo);
    expect(o.refundableFen).toBe(order.totalFen - won[0].body.amountFen);
    expect(o.refundableFen).toBeGreaterThanOrEqual(0);
    expect(o.status).toBe('REFUND_REQUESTED');
  });

  it('approve and cancel at the same moment: one wins, and WeChat hears of it only if approve won', async () => {
    for (let round = 0; round < 5; round++) {
      const token = await buyerLogin(base);
      const order = await placePaidOrder(base, token);
      const refund = await requestRefund(base, token, order.orderNo, 100);
      const [ap, ca] = await Promise.all([
        admin.call('POST', `/api/admin/refunds/${refund.refundNo}/approve`),
        asBuyer(base, token)('POST', `/api/mp/refunds/${refund.refundNo}/cancel`),
      ]);
      expect([ap.status, ca.status].sort()).toEqual([200, 409]);
      if (ap.status === 200) {
        await waitForRefundStatus(admin, refund.refundNo, 'REFUNDED');
        expect((await sandboxRefund(server, refund.refundNo))?.fees).toEqual([100]);
      } else {
        const d = await adminRefund(admin, refund.refundNo);
        expect(d.status).toBe('CANCELLED');
        expect(d.events).toHaveLength(2);
        expect(await sandboxRefund(server, refund.refundNo)).toBeUndefined();
        const o = (await asBuyer(base, token)('GET', `/api/mp/orders/${order.orderNo}`)).body;
        expect(o).toMatchObject({ status: 'PAID', refundableFen: order.totalFen });
      }
    }
  });

  it('approve and reject at the same moment: exactly one decision stands', async () => {
    const token = await buyerLogin(base);
    const order = await placePaidOrder(base, token);
    const refund = await requestRefund(base, token, order.orderNo, 100);
    const answers = await Promise.all([
      admin.call('POST', `/api/admin/refunds/${refund.refundNo}/approve`),
      admin.call('POST', `/api/admin/refunds/${refund.refundNo}/reject`, { reason: 'race' }),
      admin.call('POST', `/api/admin/refunds/${refund.refundNo}/approve`),
      admin.call('POST', `/api/admin/refunds/${refund.refundNo}/reject`, { reason: 'race' }),
    ]);
    expect(answers.filter((a) => a.status === 200)).toHaveLength(1);
    const d = await adminRefund(admin, refund.refundNo);
    const decisions = d.events.filter((e: any) => e.from === 'REQUESTED');
    expect(decisions).toHaveLength(1);
  });
});

describe('never more money than paid', () => {
  it('many concurrent partial requests and approvals on a few orders never refund more than was paid', async () => {
    const product = await createProduct(admin, { name: 'race: 5 元', priceFen: 500, stock: 100 });
    const buyers = await Promise.all([0, 1, 2].map(() => buyerLogin(base)));
    const orders = await Promise.all(buyers.map((t) => placePaidOrderOf(base, t, product.id)));

    async function hammer(token: string, orderNo: string) {
      const b = asBuyer(base, token);
      for (let round = 0; round < 8; round++) {
        // several amounts at once; at most one may win
        const amounts = [120, 170, 230, 60].map((a) => a + round);
        const tries = await Promise.all(amounts.map((amountFen) => b('POST', `/api/mp/orders/${orderNo}/refunds`, { amountFen, reason: 'race' })));
        for (const t of tries) expect([201, 409, 422]).toContain(t.status);
        const won = tries.filter((t) => t.status === 201);
        expect(won.length).toBeLessThanOrEqual(1);
        if (won.length === 0) {
          const o = (await b('GET', `/api/mp/orders/${orderNo}`)).body;
          if (o.refundableFen < 60) return;
          continue;
        }
        const refundNo = won[0].body.refundNo;
        const approvals = await Promise.all([0, 1, 2].map(() => admin.call('POST', `/api/admin/refunds/${refundNo}/approve`)));
        expect(approvals.filter((a) => a.status === 200)).toHaveLength(1);
        await waitForRefundStatus(admin, refundNo, 'REFUNDED');
      }
    }
    await Promise.all(orders.map((o, i) => hammer(buyers[i], o.orderNo)));

    for (const [i, o] of orders.entries()) {
      const view = (await asBuyer(base, buyers[i])('GET', `/api/mp/orders/${o.orderNo}`)).body;
      const refunded = view.refunds.filter((r: any) => r.status === 'REFUNDED').reduce((s: number, r: any) => s + r.amountFen, 0);
      expect(view.refundedFen).toBe(refunded);
      expect(view.refundedFen).toBeLessThanOrEqual(view.totalFen);
      expect(view.refundedFen).toBeGreaterThan(0);
      const atWechat = await sandboxRefundsOf(o.orderNo);
      const paidOut = atWechat.filter((r) => r.status === 'SUCCESS').reduce((s, r) => s + r.refundFee, 0);
      expect(paidOut).toBe(view.refundedFen);
      expect(paidOut).toBeLessThanOrEqual(500);
      for (const r of atWechat) expect(new Set(r.fees).size).toBe(1); // every attempt of a refund had the same fee
      expect(new Set(atWechat.map((r) => r.outRefundNo)).size).toBe(atWechat.length);
    }
  }, 40_000);
});
