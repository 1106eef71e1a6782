// After-sales through the real API: a return and refund (退货退款) from request to money back, the merchant
// refusing returned goods, the timed moves made by `system`, a person beating a timer, stock back exactly
// once, the buyer's subscribe messages (43101 final), and the merchant's refund reasons.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RefundTimers } from '../../server/refunds/timers.ts';
import { createLogger } from '../../server/logger.ts';
import {
  adminRefund,
  adminSession,
  asBuyer,
  buyerLogin,
  createProduct,
  placePaidOrder,
  sandboxControl,
  waitFor,
  waitForRefundStatus,
  type AdminSession,
} from '../helpers/api.ts';
import { withDb } from '../helpers/database.ts';
import { expectError } from '../helpers/expect-error.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

const TEMPLATE = 'TPL-refund-notice';
let server: TestServer;
let base: string;
let admin: AdminSession;

beforeAll(async () => {
  server = await startServer({ env: { WECHAT_SUBSCRIBE_TEMPLATE_REFUND: TEMPLATE } });
  base = server.baseUrl;
  admin = await adminSession(base);
});

afterAll(async () => {
  await server?.stop();
});

const ship = (orderNo: string) => admin.call('POST', `/api/admin/orders/${orderNo}/ship`, { carrier: 'SF', trackingNo: 'SF100200300' });

/** A buyer's shipped order and an open return request on all of it. */
async function openReturn(opts: { productId?: number; quantity?: number } = {}) {
  const token = await buyerLogin(base);
  const b = asBuyer(base, token);
  let order;
  if (opts.productId) {
    const placed = await b('POST', '/api/mp/orders', { items: [{ productId: opts.productId, quantity: opts.quantity ?? 1 }], address: { name: '李四', phone: '13900001111', province: '北京市', city: '北京市', district: '朝阳区', detail: '建国路 1 号' } });
    order = (await b('POST', `/api/mp/orders/${placed.body.orderNo}/sandbox-pay`)).body;
  } else {
    order = await placePaidOrder(base, token);
  }
  expect((await ship(order.orderNo)).status).toBe(200);
  const r = await b('POST', `/api/mp/orders/${order.orderNo}/refunds`, { amountFen: order.totalFen, reason: '商品破损', type: 'RETURN_AND_REFUND' });
  expect(r.status).toBe(201);
  expect(r.body).toMatchObject({ type: 'RETURN_AND_REFUND', status: 'REQUESTED', returnShipment: null, images: [] });
  expect(r.body).not.toHaveProperty('returnAddress');
  return { token, b, order, refund: r.body };
}

async function messagesTo(refundNo: string) {
  const r = await sandboxControl(server, 'GET', '/sandbox/subscribe-messages');
  expect(r.status).toBe(200);
  return (r.body.items as Array<{ errcode: number; body: { page: string; data: Record<string, { value: string }> } }>).filter((m) => m.body.page?.endsWith(refundNo));
}

describe('return and refund', () => {
  it('is refused on an order not shipped yet: 422 NOT_SHIPPED, nothing created', async () => {
    const token = await buyerLogin(base);
    const order = await placePaidOrder(base, token);
    const r = await asBuyer(base, token)('POST', `/api/mp/orders/${order.orderNo}/refunds`, { amountFen: 100, reason: '坏了', type: 'RETURN_AND_REFUND' });
    expectError(r, 422, 'NOT_SHIPPED');
    expect((await asBuyer(base, token)('GET', `/api/mp/orders/${order.orderNo}`)).body.refunds).toEqual([]);
  });

  it('goes REQUESTED → AWAITING_RETURN → RETURN_SHIPPED → APPROVED → REFUNDED, with the address, the return’s tracking and a message at each step the buyer waits for', async () => {
    const { b, order, refund } = await openReturn();
    const approved = await admin.call('POST', `/api/admin/refunds/${refund.refundNo}/approve`);
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({ status: 'AWAITING_RETURN', actions: [] });
    expect(approved.body.returnAddress).toMatchObject({ name: expect.any(String), phone: expect.any(String), address: expect.any(String) });
    expect((await b('GET', `/api/mp/orders/${order.orderNo}`)).body.status).toBe('REFUND_AWAITING_RETURN');
    const mine = (await b('GET', `/api/mp/refunds/${refund.refundNo}`)).body;
    expect(mine.actions.sort()).toEqual(['cancel', 'return']);
    expect(mine.returnAddress).toEqual(approved.body.returnAddress);

    expectError(await b('POST', `/api/mp/refunds/${refund.refundNo}/return`, { carrier: 'NOPE', trackingNo: 'X1' }), 400, 'VALIDATION_FAILED');
    expectError(await b('POST', `/api/mp/refunds/${refund.refundNo}/return`, { carrier: 'YTO', trackingNo: 'has spaces' }), 400, 'VALIDATION_FAILED');
    const other = asBuyer(base, await buyerLogin(base));
    expectError(await other('POST', `/api/mp/refunds/${refund.refundNo}/return`, { carrier: 'YTO', trackingNo: 'YT1' }), 404, 'NOT_FOUND');
    const sent = await b('POST', `/api/mp/refunds/${refund.refundNo}/return`, { carrier: 'YTO', trackingNo: 'YT9876543210' });
    expect(sent.status).toBe(200);
    expect(sent.body).toMatchObject({ status: 'RETURN_SHIPPED', returnShipment: { carrier: 'YTO', carrierName: '圆通速递', trackingNo: 'YT9876543210' }, actions: [] });
    expectError(await b('POST', `/api/mp/refunds/${refund.refundNo}/return`, { carrier: 'YTO', trackingNo: 'YT1' }), 409, 'INVALID_STATE');
    expectError(await b('POST', `/api/mp/refunds/${refund.refundNo}/cancel`), 409, 'INVALID_STATE');
    expect((await adminRefund(admin, refund.refundNo)).actions.sort()).toEqual(['receive', 'refuse']);

    const received = await admin.call('POST', `/api/admin/refunds/${refund.refundNo}/receive`);
    expect(received.status).toBe(200);
    expect(['APPROVED', 'REFUNDING', 'REFUNDED']).toContain(received.body.status);
    const done = await waitForRefundStatus(admin, refund.refundNo, 'REFUNDED');
    expect(done.events.map((e: { action: string }) => e.action)).toEqual(['request', 'approve', 'return', 'receive', 'dispatch', 'succeed']);
    expect((await b('GET', `/api/mp/orders/${order.orderNo}`)).body).toMatchObject({ status: 'REFUNDED', refundedFen: order.totalFen });
    const timeline = (await b('GET', `/api/mp/refunds/${refund.refundNo}`)).body.events;
    expect(timeline.map((e: { by: string }) => e.by)).toEqual(['buyer', 'merchant', 'buyer', 'merchant', 'system', 'wechat']);

    const messages = await waitFor(async () => {
      const m = await messagesTo(refund.refundNo);
      return m.length >= 2 ? m : null;
    }, 15_000);
    expect(messages.map((m) => m.body.data.phrase3.value).sort()).toEqual(['已退款', '待退货']);
    for (const m of messages) expect(m.errcode).toBe(0);
  });

  it('returned goods the merchant refuses: REJECTED with the reason, the order free again, the buyer told', async () => {
    const { b, order, refund } = await openReturn();
    expect((await admin.call('POST', `/api/admin/refunds/${refund.refundNo}/approve`)).status).toBe(200);
    expectError(await admin.call('POST', `/api/admin/refunds/${refund.refundNo}/receive`), 409, 'INVALID_STATE');
    expect((await b('POST', `/api/mp/refunds/${refund.refundNo}/return`, { carrier: 'ZTO', trackingNo: 'ZTO123' })).status).toBe(200);
    expectError(await admin.call('POST', `/api/admin/refunds/${refund.refundNo}/refuse`, {}), 400, 'VALIDATION_FAILED');
    const refused = await admin.call('POST', `/api/admin/refunds/${refund.refundNo}/refuse`, { reason: '寄回的商品不是本店的' });
    expect(refused.body).toMatchObject({ status: 'REJECTED', rejectReason: '寄回的商品不是本店的' });
    const o = (await b('GET', `/api/mp/orders/${order.orderNo}`)).body;
    expect(o).toMatchObject({ status: 'PAID', refundedFen: 0, canRequestRefund: true });
    await waitFor(async () => (await messagesTo(refund.refundNo)).some((m) => m.body.data.phrase3.value === '已拒绝'), 15_000);
  });

  it('the buyer may withdraw a return while it waits for the goods', async () => {
    const { b, refund } = await openReturn();
    expect((await admin.call('POST', `/api/admin/refunds/${refund.refundNo}/approve`)).status).toBe(200);
    const c = await b('POST', `/api/mp/refunds/${refund.refundNo}/cancel`);
    expect(c.body).toMatchObject({ status: 'CANCELLED', actions: [] });
  });
});

describe('stock comes back exactly once', () => {
  it('for a received return covering the whole order, and for a refund only of a never-shipped order', async () => {
    const product = await createProduct(admin, { name: 'after-sales: 杯子', priceFen: 500, stock: 10 });
    const stock = async () => (await admin.call('GET', '/api/admin/products')).body.items.find((p: { id: number }) => p.id === product.id).stock;

    const { b, refund } = await openReturn({ productId: product.id, quantity: 3 });
    expect(await stock()).toBe(7);
    expect((await admin.call('POST', `/api/admin/refunds/${refund.refundNo}/approve`)).status).toBe(200);
    expect((await b('POST', `/api/mp/refunds/${refund.refundNo}/return`, { carrier: 'SF', trackingNo: 'SF42' })).status).toBe(200);
    expect((await admin.call('POST', `/api/admin/refunds/${refund.refundNo}/receive`)).status).toBe(200);
    expect(await stock()).toBe(10);
    await waitForRefundStatus(admin, refund.refundNo, 'REFUNDED');
    expect(await stock()).toBe(10); // the refund completing does not add them again

    // refund only, never shipped: two partial refunds, stock back once when the second completes the order
    const token = await buyerLogin(base);
    const bb = asBuyer(base, token);
    const placed = await bb('POST', '/api/mp/orders', { items: [{ productId: product.id, quantity: 2 }] });
    const paid = (await bb('POST', `/api/mp/orders/${placed.body.orderNo}/sandbox-pay`)).body;
    expect(await stock()).toBe(8);
    for (const amount of [400, 600]) {
      const r = await bb('POST', `/api/mp/orders/${paid.orderNo}/refunds`, { amountFen: amount, reason: '不想要了' });
      expect((await admin.call('POST', `/api/admin/refunds/${r.body.refundNo}/approve`)).status).toBe(200);
      await waitForRefundStatus(admin, r.body.refundNo, 'REFUNDED');
      expect(await stock()).toBe(amount === 400 ? 8 : 10);
    }
  });
});

describe('timed moves', () => {
  it('a person who acts first wins: the timer finds nothing to do (same compare-and-set)', async () => {
    const { b, refund } = await openReturn();
    expect((await admin.call('POST', `/api/admin/refunds/${refund.refundNo}/approve`)).status).toBe(200);
    expect((await b('POST', `/api/mp/refunds/${refund.refundNo}/return`, { carrier: 'SF', trackingNo: 'SF77' })).status).toBe(200);
    // another instance's timer, due now, racing the merchant's refusal
    await withDb(server.env.DATABASE_URL, async (db) => {
      const timers = new RefundTimers(db, { refundAutoApproveMs: 0, returnShipWithinMs: 3600_000, returnReceiveWithinMs: 0 }, createLogger('silent'));
      const [refused] = await Promise.all([admin.call('POST', `/api/admin/refunds/${refund.refundNo}/refuse`, { reason: '未收到' }), timers.sweep()]);
      const d = await adminRefund(admin, refund.refundNo);
      const after = d.events.slice(3).map((e: { action: string; actor: string }) => e.action);
      if (refused.status === 200) {
        expect(d.status).toBe('REJECTED');
        expect(after).toEqual(['refuse']);
      } else {
        expectError(refused, 409, 'INVALID_STATE');
        expect(after[0]).toBe('auto_receive');
        expect(d.events[3].actor).toBe('system');
      }
    });
  });

  it('RETURN_SHIP_WITHIN_S, RETURN_RECEIVE_WITHIN_S and REFUND_AUTO_APPROVE_S are made by system, and carry on after a restart', async () => {
    const timed = await startServer({ env: { RETURN_SHIP_WITHIN_S: '2', RETURN_RECEIVE_WITHIN_S: '2', REFUND_AUTO_APPROVE_S: '2', WECHAT_SUBSCRIBE_TEMPLATE_REFUND: TEMPLATE } });
    try {
      const a = await adminSession(timed.baseUrl);
      const token = await buyerLogin(timed.baseUrl);
      const b = asBuyer(timed.baseUrl, token);
      const shipped = async () => {
        const o = await placePaidOrder(timed.baseUrl, token);
        expect((await a.call('POST', `/api/admin/orders/${o.orderNo}/ship`, { carrier: 'SF', trackingNo: 'SF1' })).status).toBe(200);
        return o;
      };
      // never sent back: cancelled by system, the buyer told
      const o1 = await shipped();
      const r1 = (await b('POST', `/api/mp/orders/${o1.orderNo}/refunds`, { amountFen: 100, reason: '坏了', type: 'RETURN_AND_REFUND' })).body;
      expect((await a.call('POST', `/api/admin/refunds/${r1.refundNo}/approve`)).status).toBe(200);
      // sent back, never handled: received by system, the refund goes ahead
      const o2 = await shipped();
      const r2 = (await b('POST', `/api/mp/orders/${o2.orderNo}/refunds`, { amountFen: 100, reason: '坏了', type: 'RETURN_AND_REFUND' })).body;
      expect((await a.call('POST', `/api/admin/refunds/${r2.refundNo}/approve`)).status).toBe(200);
      expect((await b('POST', `/api/mp/refunds/${r2.refundNo}/return`, { carrier: 'SF', trackingNo: 'SF2' })).status).toBe(200);
      // refund only on an unshipped order: approved by system; on a shipped one it waits for the merchant
      const o3 = await placePaidOrder(timed.baseUrl, token);
      const r3 = (await b('POST', `/api/mp/orders/${o3.orderNo}/refunds`, { amountFen: 100, reason: '不想要了' })).body;
      const o4 = await shipped();
      const r4 = (await b('POST', `/api/mp/orders/${o4.orderNo}/refunds`, { amountFen: 100, reason: '不想要了' })).body;

      // the timers run in a restarted server too: their clock is the refund's row, not memory
      expect(await timed.stop()).toBe(0);
      const again = await startServer({ dataDir: timed.dataDir, env: { RETURN_SHIP_WITHIN_S: '2', RETURN_RECEIVE_WITHIN_S: '2', REFUND_AUTO_APPROVE_S: '2', WECHAT_SUBSCRIBE_TEMPLATE_REFUND: TEMPLATE } });
      Object.assign(timed, again);
      const a2 = await adminSession(again.baseUrl);
      const d1 = await waitForRefundStatus(a2, r1.refundNo, 'CANCELLED', 20_000);
      expect(d1.events.at(-1)).toMatchObject({ action: 'return_timeout', actor: 'system' });
      const d2 = await waitForRefundStatus(a2, r2.refundNo, 'REFUNDED', 20_000);
      expect(d2.events.map((e: { action: string }) => e.action)).toContain('auto_receive');
      const d3 = await waitForRefundStatus(a2, r3.refundNo, 'REFUNDED', 20_000);
      expect(d3.events[1]).toMatchObject({ action: 'auto_approve', actor: 'system' });
      expect((await adminRefund(a2, r4.refundNo)).status).toBe('REQUESTED');
      // the buyer of the return never sent back is told (the outbox sends it after the move)
      await waitFor(async () => {
        const items = (await sandboxControl(again, 'GET', '/sandbox/subscribe-messages')).body.items as Array<{ body: { page: string; data: Record<string, { value: string }> } }>;
        return items.some((m) => m.body.page.endsWith(r1.refundNo) && m.body.data.phrase3.value === '已关闭');
      }, 15_000);
    } finally {
      await timed.stop();
    }
  });
});

describe('buyer messages', () => {
  it('43101 (the buyer did not subscribe) is final: one try, never retried, and the refund is not held up', async () => {
    const { b, order, refund } = await openReturn();
    const openid = (await admin.call('GET', `/api/admin/orders/${order.orderNo}`)).body.buyer.openid;
    expect((await sandboxControl(server, 'POST', '/sandbox/platform/faults', { unsubscribed: [openid] })).status).toBe(200);
    expect((await admin.call('POST', `/api/admin/refunds/${refund.refundNo}/approve`)).status).toBe(200);
    expect((await b('GET', `/api/mp/refunds/${refund.refundNo}`)).body.status).toBe('AWAITING_RETURN');
    const row = await waitFor(
      () => withDb(server.env.DATABASE_URL, (db) => db.outboxMessage.findFirst({ where: { causeKey: `message:${refund.refundNo}:AWAITING_RETURN`, status: 'FAILED' } })),
      15_000,
    );
    expect(row.attempts).toBe(1);
    expect(row.lastError).toContain('43101');
    const tried = (await messagesTo(refund.refundNo)).filter((m) => m.errcode === 43101);
    expect(tried).toHaveLength(1);
  });
});

describe('refund reasons', () => {
  it('the merchant edits the two lists; the mini-program’s config serves them; each change is kept with who made it', async () => {
    const before = await http(`${base}/api/mp/config`);
    expect(before.subscribeTemplateIds).toEqual([TEMPLATE]);
    expect(before.refundReasons.RETURN_AND_REFUND.length).toBeGreaterThan(0);
    const reasons = { REFUND_ONLY: ['不想要了', '其他'], RETURN_AND_REFUND: ['坏了', '发错货', '其他'] };
    const r = await admin.call('PATCH', '/api/admin/settings', { refundReasons: reasons });
    expect(r.status).toBe(200);
    expect(r.body.refundReasons).toEqual(reasons);
    expect((await http(`${base}/api/mp/config`)).refundReasons).toEqual(reasons);
    expectError(await admin.call('PATCH', '/api/admin/settings', { refundReasons: { REFUND_ONLY: [], RETURN_AND_REFUND: ['x'] } }), 400, 'VALIDATION_FAILED');
    const changes = (await admin.call('GET', '/api/admin/settings/changes')).body.items;
    expect(changes[0]).toMatchObject({ key: 'refundReasons', to: reasons, actor: 'merchant' });
  });
});

async function http(url: string) {
  const res = await fetch(url);
  expect(res.status).toBe(200);
  return res.json();
}
