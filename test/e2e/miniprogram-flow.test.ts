// The mini-program's own service layer (its real miniprogram/api code) against a real server in sandbox mode.
// `wx` is a stand-in built on Node HTTP (wx.request), a fixed wx.login code (one buyer) and a Map for storage;
// everything above it is the code that runs in WeChat: silent login, tokens, errors, Idempotency-Key.
// Story: log in, list products, order, pay through sandbox-pay, ask for a refund, the merchant approves it in
// the admin API, and the buyer sees it REFUNDED.
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../helpers/server.ts';
import type { TestServer } from '../helpers/server.ts';
import { adminSession, TEST_ADDRESS, waitFor } from '../helpers/api.ts';
import type { Address, Order, PayParams, Product, Refund, NewOrderItem, NewRefund } from '../../miniprogram/api/types.ts';

const MP_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../miniprogram');
const LOGIN_CODE = 'e2e-miniprogram-buyer';

// The mini-program modules are imported at run time by path (Vite transpiles them); the root tsconfig checks
// this file as Node code and must not type-check wx code, so their surface is declared here.
interface MpApi {
  config: { setApiBaseUrl(url: string): void };
  session: { TOKEN_KEY: string };
  errors: { ApiError: new (...args: never[]) => Error & { code: string; statusCode: number } };
  products: { listProducts(): Promise<Product[]> };
  orders: {
    createOrder(items: NewOrderItem[], address: Address): Promise<Order>;
    payOrder(orderNo: string): Promise<PayParams>;
    sandboxPay(orderNo: string): Promise<Order>;
    listOrders(): Promise<Order[]>;
    getOrder(orderNo: string): Promise<Order>;
  };
  refunds: {
    requestRefund(orderNo: string, refund: NewRefund, idempotencyKey: string): Promise<Refund>;
    getRefund(refundNo: string): Promise<Refund>;
    cancelRefund(refundNo: string): Promise<Refund>;
  };
  money: { yuanToFen(s: string): number | null; fenToYuan(f: number): string };
  refund: { composeReason(reason: string, note: string): string };
  id: { newIdempotencyKey(): string };
}

async function loadMiniprogram(): Promise<MpApi> {
  const load = (rel: string) => import(/* @vite-ignore */ path.join(MP_ROOT, rel));
  return {
    config: await load('config.ts'),
    session: await load('api/session.ts'),
    errors: await load('api/errors.ts'),
    products: await load('api/products.ts'),
    orders: await load('api/orders.ts'),
    refunds: await load('api/refunds.ts'),
    money: await load('utils/money.ts'),
    refund: await load('utils/refund.ts'),
    id: await load('utils/id.ts'),
  } as MpApi;
}

interface WxRequestOptions {
  url: string;
  method?: string;
  data?: unknown;
  header?: Record<string, string>;
  timeout?: number;
  success?: (res: { statusCode: number; data: unknown; header: Record<string, unknown>; errMsg: string }) => void;
  fail?: (err: { errMsg: string }) => void;
}

/** A `wx` for Node: just what the service layer uses, behaving like the base library's. */
function nodeWx() {
  const storage = new Map<string, unknown>();
  const log: { method: string; path: string; status: number; idempotencyKey?: string }[] = [];
  let logins = 0;
  const wx = {
    request(opts: WxRequestOptions) {
      const method = opts.method ?? 'GET';
      // wx.request sends `data` as a JSON body for POST with content-type json (GETs here carry none).
      const body = method !== 'GET' && opts.data !== undefined ? JSON.stringify(opts.data) : undefined;
      const req = http.request(opts.url, { method, headers: { ...opts.header }, timeout: opts.timeout ?? 15000 }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let data: unknown = text;
          try {
            data = text ? JSON.parse(text) : '';
          } catch {
            // dataType 'json' leaves a body that is not JSON as the raw string.
          }
          const u = new URL(opts.url);
          log.push({ method, path: u.pathname, status: res.statusCode ?? 0, idempotencyKey: opts.header?.['Idempotency-Key'] });
          opts.success?.({ statusCode: res.statusCode ?? 0, data, header: res.headers, errMsg: 'request:ok' });
        });
      });
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', (err) => opts.fail?.({ errMsg: `request:fail ${err.message}` }));
      if (body !== undefined) req.write(body);
      req.end();
      return { abort: () => req.destroy() };
    },
    login(opts: { success?: (res: { code: string; errMsg: string }) => void }) {
      logins += 1;
      setImmediate(() => opts.success?.({ code: LOGIN_CODE, errMsg: 'login:ok' }));
    },
    getStorageSync: (key: string) => (storage.has(key) ? storage.get(key) : ''),
    setStorageSync: (key: string, value: unknown) => void storage.set(key, value),
    removeStorageSync: (key: string) => void storage.delete(key),
  };
  return { wx, storage, log, logins: () => logins };
}

describe('mini-program service layer against a sandbox server', () => {
  let server: TestServer;
  let mp: MpApi;
  let fake: ReturnType<typeof nodeWx>;

  beforeAll(async () => {
    fake = nodeWx();
    (globalThis as unknown as { wx: unknown }).wx = fake.wx;
    server = await startServer();
    mp = await loadMiniprogram();
    mp.config.setApiBaseUrl(server.baseUrl);
  });

  afterAll(async () => {
    if (server) {
      const code = await server.stop();
      if (code !== 0) console.error(server.logs());
    }
  });

  it('logs in, orders, pays in the sandbox, gets a refund approved and sees it REFUNDED', async () => {
    // Silent login on the first call: wx.login → POST /api/mp/login, token kept in storage.
    const products = await mp.products.listProducts();
    expect(fake.logins()).toBe(1);
    expect(typeof fake.storage.get(mp.session.TOKEN_KEY)).toBe('string');
    const product = products.find((p) => p.stock >= 2);
    expect(product, 'sandbox mode seeds demo products').toBeDefined();
    expect(Number.isInteger(product!.priceFen)).toBe(true);

    // Order 2 with a delivery address, as the confirm page always sends one: UNPAID, totalled in integer fen.
    const order = await mp.orders.createOrder([{ productId: product!.id, quantity: 2 }], TEST_ADDRESS);
    expect(order.status).toBe('UNPAID');
    expect(order.address).toEqual(TEST_ADDRESS);
    expect(order.totalFen).toBe(product!.priceFen * 2);
    expect(order.items).toEqual([expect.objectContaining({ productId: product!.id, quantity: 2, subtotalFen: product!.priceFen * 2 })]);

    // Pay: the server answers wx.requestPayment fields, flagged sandbox; the sandbox cashier then pays.
    const pay = await mp.orders.payOrder(order.orderNo);
    expect(pay.sandbox).toBe(true);
    for (const field of ['timeStamp', 'nonceStr', 'package', 'signType', 'paySign'] as const) expect(typeof pay[field]).toBe('string');
    const paid = await mp.orders.sandboxPay(order.orderNo);
    expect(paid.status).toBe('PAID');
    const detail = await mp.orders.getOrder(order.orderNo);
    expect(detail).toMatchObject({ status: 'PAID', refundedFen: 0, refundableFen: order.totalFen, canRequestRefund: true });

    // Refund part of it, as the form does: yuan typed → exact fen, one Idempotency-Key for every attempt.
    const amountFen = mp.money.yuanToFen('0.1')!;
    expect(amountFen).toBe(10);
    const key = mp.id.newIdempotencyKey();
    const body = { amountFen, reason: mp.refund.composeReason('不想要了', 'e2e 测试') };
    const refund = await mp.refunds.requestRefund(order.orderNo, body, key);
    expect(refund).toMatchObject({ orderNo: order.orderNo, status: 'REQUESTED', amountFen: 10, reason: '不想要了：e2e 测试', actions: ['cancel'] });
    const again = await mp.refunds.requestRefund(order.orderNo, body, key);
    expect(again.refundNo, 'the same Idempotency-Key returns the same refund').toBe(refund.refundNo);
    const open = await mp.orders.getOrder(order.orderNo);
    expect(open).toMatchObject({ status: 'REFUND_REQUESTED', canRequestRefund: false });
    expect(open.refunds.map((r) => r.refundNo)).toEqual([refund.refundNo]);

    // The merchant approves through the admin API; the dispatcher and the sandbox do the rest.
    const admin = await adminSession(server.baseUrl);
    const approved = await admin.call('POST', `/api/admin/refunds/${refund.refundNo}/approve`);
    expect(approved.status, JSON.stringify(approved.body)).toBe(200);

    // The buyer polls, as the refund page does on pull-down.
    const done = await waitFor(async () => {
      const r = await mp.refunds.getRefund(refund.refundNo);
      expect(['APPROVED', 'REFUNDING', 'REFUNDED']).toContain(r.status);
      return r.status === 'REFUNDED' ? r : undefined;
    }, 90_000);
    expect(done).toMatchObject({ status: 'REFUNDED', amountFen: 10, actions: [] });

    const after = await mp.orders.getOrder(order.orderNo);
    expect(after).toMatchObject({ status: 'PARTIALLY_REFUNDED', refundedFen: 10, refundableFen: order.totalFen - 10, canRequestRefund: true });
    expect((await mp.orders.listOrders()).map((o) => o.orderNo)).toContain(order.orderNo);
    expect(fake.logins(), 'one login for the whole story').toBe(1);
  });

  it('maps a refused refund to a Chinese message and lets the buyer cancel a request', async () => {
    const [product] = (await mp.products.listProducts()).filter((p) => p.stock >= 1);
    const order = await mp.orders.createOrder([{ productId: product.id, quantity: 1 }], TEST_ADDRESS);
    await mp.orders.payOrder(order.orderNo);
    await mp.orders.sandboxPay(order.orderNo);

    // More than was paid: 422 REFUND_AMOUNT_EXCEEDS, shown in Chinese.
    const err = await mp.refunds
      .requestRefund(order.orderNo, { amountFen: order.totalFen + 1, reason: '其他' }, mp.id.newIdempotencyKey())
      .then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(mp.errors.ApiError);
    expect(err).toMatchObject({ code: 'REFUND_AMOUNT_EXCEEDS', statusCode: 422, message: '退款金额超过了可退金额' });

    const refund = await mp.refunds.requestRefund(order.orderNo, { amountFen: order.totalFen, reason: '发货太慢' }, mp.id.newIdempotencyKey());
    // A second request while one is open: 409 REFUND_IN_PROGRESS.
    const second = await mp.refunds
      .requestRefund(order.orderNo, { amountFen: 1, reason: '其他' }, mp.id.newIdempotencyKey())
      .then(() => undefined, (e: unknown) => e);
    expect(second).toMatchObject({ code: 'REFUND_IN_PROGRESS', statusCode: 409 });

    const cancelled = await mp.refunds.cancelRefund(refund.refundNo);
    expect(cancelled).toMatchObject({ status: 'CANCELLED', actions: [] });
    expect(await mp.orders.getOrder(order.orderNo)).toMatchObject({ status: 'PAID', canRequestRefund: true, refundableFen: order.totalFen });
  });

  it('logs in again and retries once when the server no longer knows the token', async () => {
    fake.storage.set(mp.session.TOKEN_KEY, 'a-token-the-server-never-issued');
    const before = fake.logins();
    const orders = await mp.orders.listOrders();
    expect(orders.length).toBeGreaterThan(0); // same wx.login code → same buyer → same orders
    expect(fake.logins()).toBe(before + 1);
    expect(fake.storage.get(mp.session.TOKEN_KEY)).not.toBe('a-token-the-server-never-issued');
    const attempts = fake.log.filter((r) => r.path === '/api/mp/orders' && r.method === 'GET').slice(-2);
    expect(attempts.map((a) => a.status)).toEqual([401, 200]);
  });

  it('reports another buyer’s or an unknown order as not found, in Chinese', async () => {
    const err = await mp.orders.getOrder('M00000000000000000000000000000').then(() => undefined, (e: unknown) => e);
    expect(err).toMatchObject({ code: 'NOT_FOUND', statusCode: 404, message: '没有找到相关订单或退款' });
  });
});
