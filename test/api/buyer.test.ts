// The buyer's side of the contract, black box over HTTP: health, OpenAPI, login, products, orders, paying,
// and that a buyer only ever sees their own orders and refunds.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sign } from '../../server/wechatpay/sign.ts';
import { sandboxCredentials } from '../helpers/forge.ts';
import {
  adminSession,
  asBuyer,
  buyerLogin,
  createProduct,
  http,
  placeOrder,
  placePaidOrder,
  requestRefund,
  type AdminSession,
} from '../helpers/api.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { expectError } from '../helpers/expect-error.ts';

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


describe('health and description', () => {
  it('GET /healthz answers 200 {"status":"ok"}', async () => {
    const r = await http('GET', `${base}/healthz`);
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ status: 'ok' });
  });

  it('GET /api/openapi.json is OpenAPI 3.1 and lists every endpoint of the contract', async () => {
    const r = await http('GET', `${base}/api/openapi.json`);
    expect(r.status).toBe(200);
    expect(String(r.body.openapi)).toMatch(/^3\.1\./);
    const contract: Array<[string, string]> = [
      ['post', '/api/mp/login'],
      ['get', '/api/mp/products'],
      ['post', '/api/mp/orders'],
      ['get', '/api/mp/orders'],
      ['post', '/api/mp/orders/{orderNo}/pay'],
      ['get', '/api/mp/orders/{orderNo}'],
      ['post', '/api/mp/orders/{orderNo}/refunds'],
      ['get', '/api/mp/refunds/{refundNo}'],
      ['post', '/api/mp/refunds/{refundNo}/cancel'],
      ['post', '/api/admin/login'],
      ['post', '/api/admin/logout'],
      ['get', '/api/admin/refunds'],
      ['get', '/api/admin/refunds/{refundNo}'],
      ['post', '/api/admin/refunds/{refundNo}/approve'],
      ['post', '/api/admin/refunds/{refundNo}/reject'],
      ['post', '/api/admin/refunds/{refundNo}/retry'],
      ['get', '/api/admin/orders'],
      ['get', '/api/admin/orders/{orderNo}'],
      ['get', '/api/admin/products'],
      ['post', '/api/admin/products'],
      ['patch', '/api/admin/products/{id}'],
      ['post', '/api/wxpay/notify/pay'],
      ['post', '/api/wxpay/notify/refund'],
    ];
    const missing = contract.filter(([m, p]) => !r.body.paths?.[p]?.[m]).map(([m, p]) => `${m.toUpperCase()} ${p}`);
    expect(missing).toEqual([]);
  });

  it('an unknown /api path is a 404 in the error shape', async () => {
    for (const [m, p] of [
      ['GET', '/api/nothing-here'],
      ['POST', '/api/mp/nothing'],
      ['GET', '/api/admin/nothing'],
    ] as const) {
      expectError(await http(m, `${base}${p}`), 404, 'NOT_FOUND');
    }
  });
});

describe('buyer login', () => {
  it('a wx.login code gives a bearer token (and its expiry); the same code is the same buyer', async () => {
    const r = await http('POST', `${base}/api/mp/login`, { body: { code: 'story-same-buyer' } });
    expect(r.status).toBe(200);
    expect(r.body.token).toEqual(expect.any(String));
    expect(Number.isNaN(Date.parse(r.body.expiresAt))).toBe(false);
    const order = await placeOrder(base, r.body.token);
    const again = await buyerLogin(base, 'story-same-buyer');
    expect(again).not.toBe(r.body.token);
    const seen = await asBuyer(base, again)('GET', `/api/mp/orders/${order.orderNo}`);
    expect(seen.status).toBe(200);
  });

  it('a bad body is 400 VALIDATION_FAILED naming the field', async () => {
    for (const body of [{}, { code: '' }, { code: 42 }, { code: null }]) {
      const r = await http('POST', `${base}/api/mp/login`, { body });
      expectError(r, 400, 'VALIDATION_FAILED');
      expect(r.body.error.message).toContain('code');
    }
  });

  it('a code WeChat refuses ("invalid") is 401 UNAUTHENTICATED', async () => {
    expectError(await http('POST', `${base}/api/mp/login`, { body: { code: 'invalid' } }), 401, 'UNAUTHENTICATED');
  });
});

describe('authentication of the buyer API', () => {
  it('no token, a garbage token, or a malformed header is 401', async () => {
    const variants: Array<Record<string, string>> = [
      {},
      { authorization: 'Bearer not-a-real-token' },
      { authorization: 'Bearer ' },
      { authorization: 'Basic Zm9vOmJhcg==' },
      { authorization: 'garbage' },
    ];
    for (const headers of variants) {
      for (const [m, p] of [
        ['GET', '/api/mp/products'],
        ['GET', '/api/mp/orders'],
        ['POST', '/api/mp/orders'],
      ] as const) {
        const r = await http(m, `${base}${p}`, { headers, body: m === 'POST' ? { items: [{ productId: 1, quantity: 1 }] } : undefined });
        expectError(r, 401, 'UNAUTHENTICATED');
      }
    }
  });

  it("the merchant's admin cookie does not open the buyer API (401)", async () => {
    const r = await http('GET', `${base}/api/mp/orders`, { headers: { cookie: admin.cookie, 'x-csrf-token': admin.csrfToken } });
    expectError(r, 401, 'UNAUTHENTICATED');
  });

  it("a buyer's token does not open the admin API (401)", async () => {
    const token = await buyerLogin(base);
    const b = asBuyer(base, token);
    expectError(await b('GET', '/api/admin/refunds'), 401, 'UNAUTHENTICATED');
    expectError(await b('GET', '/api/admin/products'), 401, 'UNAUTHENTICATED');
    expectError(await b('POST', '/api/admin/products', { name: 'x', priceFen: 1, stock: 1 }), 401, 'UNAUTHENTICATED');
  });
});

describe('products and orders', () => {
  it('lists the products on sale with id, name, priceFen, stock', async () => {
    const token = await buyerLogin(base);
    const r = await asBuyer(base, token)('GET', '/api/mp/products');
    expect(r.status).toBe(200);
    expect(r.body.items.length).toBeGreaterThan(0);
    for (const p of r.body.items) {
      expect(p).toMatchObject({ id: expect.any(Number), name: expect.any(String), priceFen: expect.any(Number), stock: expect.any(Number) });
      expect(Number.isInteger(p.priceFen)).toBe(true);
    }
  });

  it('placing an order answers 201 UNPAID with the total, and takes the stock', async () => {
    const product = await createProduct(admin, { name: 'story: stock is taken', priceFen: 250, stock: 10 });
    const token = await buyerLogin(base);
    const b = asBuyer(base, token);
    const r = await b('POST', '/api/mp/orders', { items: [{ productId: product.id, quantity: 3 }] });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ status: 'UNPAID', totalFen: 750, refundedFen: 0, refunds: [] });
    expect(r.body.orderNo).toMatch(/^[0-9A-Za-z_-]{1,32}$/);
    expect(r.body.items).toEqual([expect.objectContaining({ productId: product.id, priceFen: 250, quantity: 3 })]);
    const after = (await b('GET', '/api/mp/products')).body.items.find((p: any) => p.id === product.id);
    expect(after.stock).toBe(7);
  });

  it('an unknown product is 404 and takes nothing', async () => {
    const token = await buyerLogin(base);
    const r = await asBuyer(base, token)('POST', '/api/mp/orders', { items: [{ productId: 987654, quantity: 1 }] });
    expectError(r, 404, 'NOT_FOUND');
  });

  it('more than the stock is 422 OUT_OF_STOCK and the stock stays', async () => {
    const product = await createProduct(admin, { name: 'story: only two left', priceFen: 100, stock: 2 });
    const token = await buyerLogin(base);
    const b = asBuyer(base, token);
    expectError(await b('POST', '/api/mp/orders', { items: [{ productId: product.id, quantity: 3 }] }), 422, 'OUT_OF_STOCK');
    const after = (await b('GET', '/api/mp/products')).body.items.find((p: any) => p.id === product.id);
    expect(after.stock).toBe(2);
    expect((await b('GET', '/api/mp/orders')).body.items).toEqual([]);
  });

  it('quantity 0, 1.5, "1", a missing quantity, empty or missing items are 400 naming the field', async () => {
    const token = await buyerLogin(base);
    const b = asBuyer(base, token);
    const cases: Array<[unknown, string]> = [
      [{ items: [{ productId: 1, quantity: 0 }] }, 'quantity'],
      [{ items: [{ productId: 1, quantity: 1.5 }] }, 'quantity'],
      [{ items: [{ productId: 1, quantity: '1' }] }, 'quantity'],
      [{ items: [{ productId: 1, quantity: -1 }] }, 'quantity'],
      [{ items: [{ productId: 1 }] }, 'quantity'],
      [{ items: [] }, 'items'],
      [{}, 'items'],
      [{ items: [{ quantity: 1 }] }, 'productId'],
    ];
    for (const [body, field] of cases) {
      const r = await b('POST', '/api/mp/orders', body);
      expectError(r, 400, 'VALIDATION_FAILED');
      expect(r.body.error.message, JSON.stringify(body)).toContain(field);
    }
    expect((await b('GET', '/api/mp/orders')).body.items).toEqual([]);
  });

  it('pay answers the wx.requestPayment fields with a paySign that verifies with the merchant key', async () => {
    const token = await buyerLogin(base);
    const order = await placeOrder(base, token);
    const r = await asBuyer(base, token)('POST', `/api/mp/orders/${order.orderNo}/pay`);
    expect(r.status).toBe(200);
    for (const f of ['timeStamp', 'nonceStr', 'package', 'signType', 'paySign']) expect(typeof r.body[f], f).toBe('string');
    expect(r.body.timeStamp).toMatch(/^\d{10}$/);
    expect(r.body.package).toMatch(/^prepay_id=wx/);
    expect(['MD5', 'HMAC-SHA256']).toContain(r.body.signType);
    const m = sandboxCredentials(server);
    const expected = sign(
      { appId: m.appid, timeStamp: r.body.timeStamp, nonceStr: r.body.nonceStr, package: r.body.package, signType: r.body.signType },
      m.apiKey,
      r.body.signType,
    );
    expect(r.body.paySign).toBe(expected);
    // asking again before paying is fine (same prepay), the order is still UNPAID
    const again = await asBuyer(base, token)('POST', `/api/mp/orders/${order.orderNo}/pay`);
    expect(again.status).toBe(200);
    expect(again.body.package).toBe(r.body.package);
    expect((await asBuyer(base, token)('GET', `/api/mp/orders/${order.orderNo}`)).body.status).toBe('UNPAID');
  });

  it('sandbox-pay makes the order PAID with paidAt; paying it again is 409 INVALID_STATE', async () => {
    const token = await buyerLogin(base);
    const order = await placeOrder(base, token);
    const b = asBuyer(base, token);
    const paid = await b('POST', `/api/mp/orders/${order.orderNo}/sandbox-pay`);
    expect(paid.status).toBe(200);
    expect(paid.body).toMatchObject({ orderNo: order.orderNo, status: 'PAID', totalFen: order.totalFen, refundedFen: 0 });
    expect(Number.isNaN(Date.parse(paid.body.paidAt))).toBe(false);
    expectError(await b('POST', `/api/mp/orders/${order.orderNo}/pay`), 409, 'INVALID_STATE');
  });

  it("my orders: only mine, newest first; the detail has orderNo, status, totalFen, refundedFen, items, refunds", async () => {
    const token = await buyerLogin(base);
    const other = await buyerLogin(base);
    const a = await placeOrder(base, token);
    await placeOrder(base, other);
    const b2 = await placePaidOrder(base, token);
    const c = await placeOrder(base, token, { quantity: 2 });
    const list = await asBuyer(base, token)('GET', '/api/mp/orders');
    expect(list.status).toBe(200);
    expect(list.body.items.map((o: any) => o.orderNo)).toEqual([c.orderNo, b2.orderNo, a.orderNo]);
    const detail = await asBuyer(base, token)('GET', `/api/mp/orders/${b2.orderNo}`);
    expect(detail.status).toBe(200);
    expect(detail.body).toMatchObject({
      orderNo: b2.orderNo,
      status: 'PAID',
      totalFen: b2.totalFen,
      refundedFen: 0,
      items: [expect.objectContaining({ productId: expect.any(Number), quantity: 1 })],
      refunds: [],
    });
    expect(detail.body.buyer).toBeUndefined(); // the openid is for the merchant's views
  });

  it('an order number that does not exist, or is not well-formed, is 404 / 400', async () => {
    const token = await buyerLogin(base);
    const b = asBuyer(base, token);
    expectError(await b('GET', '/api/mp/orders/M00000000000000NOPE'), 404, 'NOT_FOUND');
    expectError(await b('GET', '/api/mp/refunds/R00000000000000NOPE'), 404, 'NOT_FOUND');
    const bad = await b('GET', `/api/mp/orders/${'x'.repeat(40)}`);
    expect([400, 404]).toContain(bad.status);
  });
});

describe("buyer isolation: another buyer's order or refund does not exist for you", () => {
  it('GET, pay, refund request, refund read and cancel on someone else’s are 404, and nothing changes', async () => {
    const alice = await buyerLogin(base);
    const mallory = await buyerLogin(base);
    const paid = await placePaidOrder(base, alice);
    const unpaid = await placeOrder(base, alice);
    const refund = await requestRefund(base, alice, paid.orderNo, 100);
    const m = asBuyer(base, mallory);
    expectError(await m('GET', `/api/mp/orders/${paid.orderNo}`), 404, 'NOT_FOUND');
    expectError(await m('POST', `/api/mp/orders/${unpaid.orderNo}/pay`), 404, 'NOT_FOUND');
    expectError(await m('POST', `/api/mp/orders/${unpaid.orderNo}/sandbox-pay`), 404, 'NOT_FOUND');
    expectError(await m('POST', `/api/mp/orders/${paid.orderNo}/refunds`, { amountFen: 1, reason: 'mine now' }), 404, 'NOT_FOUND');
    expectError(await m('GET', `/api/mp/refunds/${refund.refundNo}`), 404, 'NOT_FOUND');
    expectError(await m('POST', `/api/mp/refunds/${refund.refundNo}/cancel`), 404, 'NOT_FOUND');
    expect((await m('GET', '/api/mp/orders')).body.items).toEqual([]);

    const a = asBuyer(base, alice);
    const mine = await a('GET', `/api/mp/refunds/${refund.refundNo}`);
    expect(mine.body.status).toBe('REQUESTED');
    const order = await a('GET', `/api/mp/orders/${paid.orderNo}`);
    expect(order.body.refunds).toHaveLength(1);
    expect((await a('GET', `/api/mp/orders/${unpaid.orderNo}`)).body.status).toBe('UNPAID');
  });

  it('the 404 for a foreign order is the same as for one that does not exist', async () => {
    const alice = await buyerLogin(base);
    const mallory = await buyerLogin(base);
    const paid = await placePaidOrder(base, alice);
    const foreign = await asBuyer(base, mallory)('GET', `/api/mp/orders/${paid.orderNo}`);
    const fake = paid.orderNo.slice(0, -3) + 'ZZZ';
    const missing = await asBuyer(base, mallory)('GET', `/api/mp/orders/${fake}`);
    expect(foreign.status).toBe(missing.status);
    expect(foreign.body.error.code).toBe(missing.body.error.code);
  });
});
