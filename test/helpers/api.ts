// Small HTTP helpers for tests: a buyer, a paid order, a refund, a merchant session, sandbox control.
import { readFileSync } from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { TEST_ADMIN, type TestServer } from './server.ts';

export interface HttpAnswer {
  status: number;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  headers: Headers;
}

export async function http(method: string, url: string, opts: { body?: unknown; headers?: Record<string, string> } = {}): Promise<HttpAnswer> {
  const res = await fetch(url, {
    method,
    headers: { ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}), ...opts.headers },
    body: opts.body === undefined ? undefined : typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body),
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    /* not JSON */
  }
  return { status: res.status, body, headers: res.headers };
}

export async function buyerLogin(baseUrl: string, code = `buyer-${Math.random().toString(36).slice(2)}`): Promise<string> {
  const r = await http('POST', `${baseUrl}/api/mp/login`, { body: { code } });
  if (r.status !== 200) throw new Error(`login failed: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.token as string;
}

export function asBuyer(baseUrl: string, token: string) {
  return (method: string, p: string, body?: unknown, headers: Record<string, string> = {}) =>
    http(method, `${baseUrl}${p}`, { body, headers: { authorization: `Bearer ${token}`, ...headers } });
}

/** What wx.chooseAddress gives, as the mini-program sends it with every order. */
export const TEST_ADDRESS = { name: '张三', phone: '13800001234', province: '广东省', city: '广州市', district: '海珠区', detail: '新港中路 397 号' };

type OrderOptions = { productIndex?: number; quantity?: number; address?: typeof TEST_ADDRESS | null };

export async function placeOrder(baseUrl: string, token: string, opts: OrderOptions = {}) {
  const b = asBuyer(baseUrl, token);
  const products = await b('GET', '/api/mp/products');
  const product = products.body.items[opts.productIndex ?? 0];
  const address = opts.address === undefined ? TEST_ADDRESS : opts.address;
  const order = await b('POST', '/api/mp/orders', { items: [{ productId: product.id, quantity: opts.quantity ?? 1 }], ...(address ? { address } : {}) });
  if (order.status !== 201) throw new Error(`order failed: ${order.status} ${JSON.stringify(order.body)}`);
  return order.body;
}

/** An order PAID through the sandbox's cashier and WeChat's signed pay notification. */
export async function placePaidOrder(baseUrl: string, token: string, opts: OrderOptions = {}) {
  const order = await placeOrder(baseUrl, token, opts);
  const paid = await asBuyer(baseUrl, token)('POST', `/api/mp/orders/${order.orderNo}/sandbox-pay`);
  if (paid.status !== 200 || paid.body.status !== 'PAID') throw new Error(`sandbox pay failed: ${paid.status} ${JSON.stringify(paid.body)}`);
  return paid.body;
}

export async function requestRefund(baseUrl: string, token: string, orderNo: string, amountFen: number, reason = '不想要了') {
  const r = await asBuyer(baseUrl, token)('POST', `/api/mp/orders/${orderNo}/refunds`, { amountFen, reason });
  if (r.status !== 201) throw new Error(`refund request failed: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

export interface AdminSession {
  cookie: string;
  csrfToken: string;
  call(method: string, p: string, body?: unknown, headers?: Record<string, string>): Promise<HttpAnswer>;
}

export async function adminSession(baseUrl: string, who = TEST_ADMIN): Promise<AdminSession> {
  const r = await http('POST', `${baseUrl}/api/admin/login`, { body: who });
  if (r.status !== 200) throw new Error(`admin login failed: ${r.status} ${JSON.stringify(r.body)}`);
  const cookie = (r.headers.get('set-cookie') ?? '').split(';')[0];
  const csrfToken = r.body.csrfToken as string;
  return {
    cookie,
    csrfToken,
    call: (method, p, body, headers = {}) =>
      http(method, `${baseUrl}${p}`, { body, headers: { cookie, 'x-csrf-token': csrfToken, ...headers } }),
  };
}

/** Calls the sandbox's control API (/sandbox/…) over HTTPS, trusting its CA explicitly. */
export function sandboxControl(server: TestServer, method: string, p: string, body?: unknown): Promise<{ status: number; body: any }> {
  const ca = readFileSync(path.join(server.dataDir, 'sandbox', 'ca.pem'));
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = https.request(new URL(p, server.sandboxUrl), { method, ca, headers: payload ? { 'content-type': 'application/json' } : {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let parsed: unknown = text;
        try {
          parsed = JSON.parse(text);
        } catch {
          /* keep text */
        }
        resolve({ status: res.statusCode ?? 0, body: parsed });
      });
    });
    req.on('error', reject);
    req.end(payload);
  });
}

export async function waitFor<T>(fn: () => Promise<T | undefined | null | false>, timeoutMs = 20_000, everyMs = 100): Promise<T> {
  const until = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > until) throw new Error(`waitFor timed out after ${timeoutMs} ms${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

// ---- additions for the contract suites (test/api/*.test.ts) ----------------------------------------------

/** An order of a given product (by id, not by index), paid through the sandbox. */
export async function placePaidOrderOf(baseUrl: string, token: string, productId: number, quantity = 1) {
  const b = asBuyer(baseUrl, token);
  const order = await b('POST', '/api/mp/orders', { items: [{ productId, quantity }] });
  if (order.status !== 201) throw new Error(`order failed: ${order.status} ${JSON.stringify(order.body)}`);
  const paid = await b('POST', `/api/mp/orders/${order.body.orderNo}/sandbox-pay`);
  if (paid.status !== 200 || paid.body.status !== 'PAID') throw new Error(`sandbox pay failed: ${paid.status} ${JSON.stringify(paid.body)}`);
  return paid.body;
}

/** A product created by the merchant (on sale). */
export async function createProduct(admin: AdminSession, p: { name: string; priceFen: number; stock: number }) {
  const r = await admin.call('POST', '/api/admin/products', p);
  if (r.status !== 201) throw new Error(`product create failed: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body as { id: number; name: string; priceFen: number; stock: number; onSale: boolean };
}

/** The admin view of a refund (with order, events, wechatCalls). */
export async function adminRefund(admin: AdminSession, refundNo: string) {
  const r = await admin.call('GET', `/api/admin/refunds/${refundNo}`);
  if (r.status !== 200) throw new Error(`refund detail failed: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

/** Waits until the refund reaches one of `statuses` (admin view); returns that view. */
export async function waitForRefundStatus(admin: AdminSession, refundNo: string, statuses: string | string[], timeoutMs = 15_000) {
  const want = Array.isArray(statuses) ? statuses : [statuses];
  let last = '';
  try {
    return await waitFor(async () => {
      const r = await adminRefund(admin, refundNo);
      last = r.status;
      return want.includes(r.status) ? r : null;
    }, timeoutMs);
  } catch {
    throw new Error(`refund ${refundNo} did not reach ${want.join('|')} in ${timeoutMs} ms (last: ${last})`);
  }
}

/** The sandbox's record of one refund (calls, fees), or undefined when WeChat never saw it. */
export async function sandboxRefund(server: TestServer, outRefundNo: string) {
  const r = await sandboxControl(server, 'GET', `/sandbox/refunds?outRefundNo=${encodeURIComponent(outRefundNo)}`);
  return (r.body.items as Array<{ outRefundNo: string; outTradeNo: string; refundFee: number; status: string; source: string; calls: number; fees: number[] }>).find(
    (i) => i.outRefundNo === outRefundNo,
  );
}
