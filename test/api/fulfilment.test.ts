// Fulfilment through the real API: an address on the order, the merchant ships (refused while a refund is
// open, without an address, twice, or with a carrier WeChat does not know), WeChat's shipping service is
// told once through the outbox, the buyer confirms receipt (or the system does, later), and every move is
// in the order's history.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  adminSession,
  asBuyer,
  buyerLogin,
  placeOrder,
  placePaidOrder,
  requestRefund,
  sandboxControl,
  TEST_ADDRESS,
  waitFor,
  type AdminSession,
} from '../helpers/api.ts';
import { withDb } from '../helpers/database.ts';
import { expectError } from '../helpers/expect-error.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;
let base: string;
let admin: AdminSession;

beforeAll(async () => {
  server = await startServer({ env: { ORDER_AUTO_RECEIVE_S: '3' } });
  base = server.baseUrl;
  admin = await adminSession(base);
});

afterAll(async () => {
  await server?.stop();
});

const ship = (orderNo: string, body: unknown = { carrier: 'SF', trackingNo: 'SF1234567890' }) => admin.call('POST', `/api/admin/orders/${orderNo}/ship`, body);
const adminOrder = async (orderNo: string) => (await admin.call('GET', `/api/admin/orders/${orderNo}`)).body;

/** What WeChat's shipping service (the sandbox) holds for this order's payment. */
async function uploadsAtWechat(orderNo: string) {
  const { transactionId } = await withDb(server.env.DATABASE_URL, (db) => db.order.findUniqueOrThrow({ where: { orderNo }, select: { transactionId: true } }));
  const r = await sandboxControl(server, 'GET', `/sandbox/shipping-uploads?transactionId=${transactionId}`);
  expect(r.status).toBe(200);
  return r.body.items[0] as { accepted: number; reships: number; orderState: number; lastBody: Record<string, any> };
}

async function waitUploaded(orderNo: string) {
  return waitFor(async () => {
    const o = await adminOrder(orderNo);
    return o.wechatShipping?.status === 'UPLOADED' ? o : null;
  }, 15_000);
}

describe('placing an order with an address', () => {
  it('the order answers with its address, UNSHIPPED, no shipment yet, and the buyer cannot ship it', async () => {
    const token = await buyerLogin(base);
    const order = await placeOrder(base, token);
    expect(order).toMatchObject({ shippingStatus: 'UNSHIPPED', address: TEST_ADDRESS, shipment: null, receivedAt: null, actions: [] });
    expect(order).not.toHaveProperty('wechatShipping');
  });

  it('a malformed address is 400 naming the field, and no order is made', async () => {
    const token = await buyerLogin(base);
    const b = asBuyer(base, token);
    const product = (await b('GET', '/api/mp/products')).body.items[0];
    for (const [address, field] of [
      [{ ...TEST_ADDRESS, phone: 'call me' }, 'address.phone'],
      [{ ...TEST_ADDRESS, name: '' }, 'address.name'],
      [{ ...TEST_ADDRESS, detail: 'x'.repeat(101) }, 'address.detail'],
      [{ name: '张三' }, 'address.phone'],
    ] as const) {
      const r = await b('POST', '/api/mp/orders', { items: [{ productId: product.id, quantity: 1 }], address });
      expectError(r, 400, 'VALIDATION_FAILED');
      expect(r.body.error.message).toContain(field);
    }
    expect((await b('GET', '/api/mp/orders')).body.items).toHaveLength(0);
  });
});

describe('shipping', () => {
  it('carriers are WeChat’s codes with their names', async () => {
    const r = await admin.call('GET', '/api/admin/carriers');
    expect(r.status).toBe(200);
    const codes = r.body.items.map((c: { code: string }) => c.code);
    expect(codes).toEqual(expect.arrayContaining(['SF', 'ZTO', 'YTO', 'STO', 'YD', 'JTSD', 'EMS', 'JD']));
    expect(r.body.items.find((c: { code: string }) => c.code === 'SF').name).toBe('顺丰速运');
  });

  it('ships a paid order: SHIPPED with its shipment, one event, and WeChat’s shipping service accepts it once', async () => {
    const token = await buyerLogin(base);
    const order = await placePaidOrder(base, token);
    expect((await adminOrder(order.orderNo)).actions).toEqual(['ship']);
    const r = await ship(order.orderNo);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      shippingStatus: 'SHIPPED',
      shipment: { carrier: 'SF', carrierName: '顺丰速运', trackingNo: 'SF1234567890' },
      actions: [],
    });
    expect(['PENDING', 'UPLOADED']).toContain(r.body.wechatShipping.status);
    const o = await waitUploaded(order.orderNo);
    expect(o.wechatShipping).toMatchObject({ status: 'UPLOADED', lastError: null });
    expect(o.events).toEqual([expect.objectContaining({ from: 'UNSHIPPED', to: 'SHIPPED', action: 'ship', actor: 'merchant', role: 'OWNER' })]);
    const atWechat = await uploadsAtWechat(order.orderNo);
    expect(atWechat).toMatchObject({ accepted: 1, reships: 0, orderState: 2 });
    expect(atWechat.lastBody.shipping_list[0]).toMatchObject({ tracking_no: 'SF1234567890', express_company: 'SF', contact: { receiver_contact: '138****1234' } });
    const paid = await asBuyer(base, token)('GET', `/api/mp/orders/${order.orderNo}`);
    expect(paid.body).toMatchObject({ shippingStatus: 'SHIPPED', actions: ['receive'] });
    expect(paid.body).not.toHaveProperty('wechatShipping');
  });

  it('refuses what cannot be shipped, changing nothing', async () => {
    const token = await buyerLogin(base);
    const unpaid = await placeOrder(base, token);
    expectError(await ship(unpaid.orderNo), 409, 'INVALID_STATE');

    const noAddress = await placePaidOrder(base, token, { address: null });
    const r = await ship(noAddress.orderNo);
    expectError(r, 409, 'INVALID_STATE');
    expect(r.body.error.message).toContain('address');

    const paid = await placePaidOrder(base, token);
    expectError(await ship(paid.orderNo, { carrier: 'NOPE', trackingNo: 'X1' }), 400, 'VALIDATION_FAILED');
    expectError(await ship(paid.orderNo, { carrier: 'SF', trackingNo: 'has space' }), 400, 'VALIDATION_FAILED');
    expectError(await ship(paid.orderNo, { carrier: 'SF', trackingNo: 'x'.repeat(65) }), 400, 'VALIDATION_FAILED');
    expectError(await ship('M404NOSUCHORDER'), 404, 'NOT_FOUND');
    const still = await adminOrder(paid.orderNo);
    expect(still).toMatchObject({ shippingStatus: 'UNSHIPPED', shipment: null, wechatShipping: null, events: [] });

    expect((await ship(paid.orderNo)).status).toBe(200);
    expectError(await ship(paid.orderNo, { carrier: 'ZTO', trackingNo: 'ZTO1' }), 409, 'INVALID_STATE');
    expect((await adminOrder(paid.orderNo)).shipment.carrier).toBe('SF');
  });

  it('is refused while a refund is open, and works again once it is rejected; a refund of a shipped order still works', async () => {
    const token = await buyerLogin(base);
    const order = await placePaidOrder(base, token);
    const refund = await requestRefund(base, token, order.orderNo, 100);
    expect((await adminOrder(order.orderNo)).actions).toEqual([]);
    expectError(await ship(order.orderNo), 409, 'REFUND_IN_PROGRESS');
    expect((await admin.call('POST', `/api/admin/refunds/${refund.refundNo}/reject`, { reason: '已发货前协商' })).status).toBe(200);
    expect((await ship(order.orderNo)).status).toBe(200);
    const after = await requestRefund(base, token, order.orderNo, 100);
    expect(after.status).toBe('REQUESTED');
  });

  it('a wholly refunded order cannot be shipped', async () => {
    const token = await buyerLogin(base);
    const order = await placePaidOrder(base, token);
    const refund = await requestRefund(base, token, order.orderNo, order.totalFen);
    expect((await admin.call('POST', `/api/admin/refunds/${refund.refundNo}/approve`)).status).toBe(200);
    await waitFor(async () => (await adminOrder(order.orderNo)).status === 'REFUNDED', 15_000);
    expectError(await ship(order.orderNo), 409, 'INVALID_STATE');
  });
});

describe('receipt', () => {
  it('the buyer confirms receipt once; the merchant and another buyer cannot', async () => {
    const token = await buyerLogin(base);
    const order = await placePaidOrder(base, token);
    const b = asBuyer(base, token);
    expectError(await b('POST', `/api/mp/orders/${order.orderNo}/receive`), 409, 'INVALID_STATE');
    expect((await ship(order.orderNo)).status).toBe(200);
    const other = asBuyer(base, await buyerLogin(base));
    expectError(await other('POST', `/api/mp/orders/${order.orderNo}/receive`), 404, 'NOT_FOUND');
    const r = await b('POST', `/api/mp/orders/${order.orderNo}/receive`);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ shippingStatus: 'RECEIVED', actions: [] });
    expect(r.body.receivedAt).toEqual(expect.any(String));
    expectError(await b('POST', `/api/mp/orders/${order.orderNo}/receive`), 409, 'INVALID_STATE');
    const events = (await adminOrder(order.orderNo)).events;
    expect(events.map((e: { action: string; actor: string }) => [e.action, e.actor])).toEqual([
      ['ship', 'merchant'],
      ['receive', 'buyer'],
    ]);
  });

  it('an order the buyer never confirms is received by the system after ORDER_AUTO_RECEIVE_S', async () => {
    const token = await buyerLogin(base);
    const order = await placePaidOrder(base, token);
    expect((await ship(order.orderNo)).status).toBe(200);
    const o = await waitFor(async () => {
      const x = await adminOrder(order.orderNo);
      return x.shippingStatus === 'RECEIVED' ? x : null;
    }, 20_000);
    expect(o.events.at(-1)).toMatchObject({ from: 'SHIPPED', to: 'RECEIVED', action: 'auto_receive', actor: 'system' });
  });
});

describe('the buyer’s tabs and the merchant’s queue', () => {
  it('counts and filters each tab from the server', async () => {
    const token = await buyerLogin(base);
    const b = asBuyer(base, token);
    await placeOrder(base, token); // 待付款
    const toShip = await placePaidOrder(base, token); // 待发货
    const shipped = await placePaidOrder(base, token);
    expect((await ship(shipped.orderNo)).status).toBe(200); // 待收货
    const refunded = await placePaidOrder(base, token);
    await requestRefund(base, token, refunded.orderNo, 1); // 售后 (and still 待发货)
    const all = await b('GET', '/api/mp/orders');
    expect(all.body.counts).toEqual({ UNPAID: 1, TO_SHIP: 2, TO_RECEIVE: 1, DONE: 0, AFTER_SALES: 1 });
    expect((await b('GET', '/api/mp/orders?tab=TO_SHIP')).body.items.map((o: { orderNo: string }) => o.orderNo).sort()).toEqual(
      [toShip.orderNo, refunded.orderNo].sort(),
    );
    expect((await b('GET', '/api/mp/orders?tab=TO_RECEIVE')).body.items.map((o: { orderNo: string }) => o.orderNo)).toEqual([shipped.orderNo]);
    expectError(await b('GET', '/api/mp/orders?tab=NOPE'), 400, 'VALIDATION_FAILED');
  });

  it('the merchant filters orders by shipping status, and the dashboard counts orders to ship', async () => {
    const token = await buyerLogin(base);
    const order = await placePaidOrder(base, token);
    const before = (await admin.call('GET', '/api/admin/stats')).body.orders.toShip;
    expect(before).toBeGreaterThanOrEqual(1);
    const queue = await admin.call('GET', '/api/admin/orders?status=PAID&shippingStatus=UNSHIPPED&pageSize=100');
    expect(queue.body.items.map((o: { orderNo: string }) => o.orderNo)).toContain(order.orderNo);
    for (const o of queue.body.items) expect(o).toMatchObject({ status: 'PAID', shippingStatus: 'UNSHIPPED' });
    expect((await ship(order.orderNo)).status).toBe(200);
    expect((await admin.call('GET', '/api/admin/stats')).body.orders.toShip).toBe(before - 1);
    expectError(await admin.call('GET', '/api/admin/orders?shippingStatus=LOST'), 400, 'VALIDATION_FAILED');
  });
});

describe('the shipping upload when WeChat fails', () => {
  it('is retried with back-off, shows its last error, and the merchant can retry it by hand', async () => {
    const token = await buyerLogin(base);
    const order = await placePaidOrder(base, token);
    const fault = await sandboxControl(server, 'POST', '/sandbox/platform/faults', { failNext: 100, errcode: -1 });
    expect(fault.status).toBe(200);
    expect((await ship(order.orderNo)).status).toBe(200);
    const failing = await waitFor(async () => {
      const o = await adminOrder(order.orderNo);
      return o.wechatShipping?.lastError ? o : null;
    }, 15_000);
    expect(failing.wechatShipping.status).not.toBe('UPLOADED');
    expect(failing.wechatShipping.lastError).toContain('-1');
    await sandboxControl(server, 'POST', '/sandbox/platform/faults', { failNext: 0 });
    const retried = await admin.call('POST', `/api/admin/orders/${order.orderNo}/wechat-shipping/retry`);
    expect(retried.status).toBe(200);
    const done = await waitUploaded(order.orderNo);
    expect(done.wechatShipping.lastError).toBeNull();
    expect(await uploadsAtWechat(order.orderNo)).toMatchObject({ accepted: 1, reships: 0 });
    expectError(await admin.call('POST', `/api/admin/orders/${order.orderNo}/wechat-shipping/retry`), 409, 'INVALID_STATE');
  });
});

