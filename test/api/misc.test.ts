// The contract's error promises across the API: one JSON shape, no stack traces or secrets, 400 for bad input
// (never a 500), 413 for big bodies, 429 when a buyer floods; and a graceful stop on SIGTERM.
import { withDb } from '../helpers/database.ts';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sandboxCredentials, type MerchantCredentials } from '../helpers/forge.ts';
import {
  adminSession,
  buyerLogin,
  placePaidOrder,
  requestRefund,
  sandboxControl,
  waitForRefundStatus,
  type AdminSession,
} from '../helpers/api.ts';
import { startServer, TEST_ADMIN, type TestServer } from '../helpers/server.ts';

let server: TestServer;
let base: string;
let admin: AdminSession;
let buyer: string;
let creds: MerchantCredentials;

const RATE_LIMIT = 40;

beforeAll(async () => {
  server = await startServer({ env: { BUYER_RATE_LIMIT_PER_MIN: String(RATE_LIMIT) } });
  base = server.baseUrl;
  admin = await adminSession(base);
  buyer = await buyerLogin(base);
  creds = sandboxCredentials(server);
});

afterAll(async () => {
  await server?.stop();
});

interface Raw {
  status: number;
  text: string;
  body: any;
  headers: Headers;
}

async function raw(method: string, p: string, opts: { headers?: Record<string, string>; body?: string | Uint8Array } = {}): Promise<Raw> {
  const payload = typeof opts.body === 'string' || opts.body === undefined ? opts.body : new Uint8Array(opts.body);
  const res = await fetch(`${base}${p}`, { method, headers: opts.headers, body: payload });
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: res.status, text, body, headers: res.headers };
}

const seen: Raw[] = []; // every error answer of this file, checked for leaks at the end

function expectErrorShape(r: Raw, status: number, code?: string) {
  seen.push(r);
  expect(r.status, r.text).toBe(status);
  expect(r.headers.get('content-type') ?? '').toMatch(/^application\/json/);
  expect(r.body).toEqual({ error: { code: code ?? expect.any(String), message: expect.any(String) } });
  expect(r.body.error.message.length).toBeGreaterThan(0);
}

function noLeaks(r: Raw) {
  expect(r.text, 'a stack frame').not.toMatch(/\bat\s+[\w$.<>]+\s*\(|\bat\s+\/|\bat\s+file:/);
  expect(r.text, 'a source path').not.toMatch(/\.(ts|js|mjs):\d+/);
  expect(r.text, 'a file path').not.toMatch(/\/work\/|node_modules|\/home\/|\/tmp\//);
  expect(r.text, 'Prisma internals').not.toMatch(/prisma|SQLITE|sqlite/i);
  for (const secret of [creds.apiKey, creds.appSecret, TEST_ADMIN.password]) expect(r.text).not.toContain(secret);
}

const asJson = (token: string) => ({ authorization: `Bearer ${token}`, 'content-type': 'application/json' });
const adminJson = () => ({ cookie: admin.cookie, 'x-csrf-token': admin.csrfToken, 'content-type': 'application/json' });

describe('bodies that are too big or not JSON', () => {
  it('a JSON body over 32 KB is 413 PAYLOAD_TOO_LARGE on buyer and admin endpoints', async () => {
    const big = JSON.stringify({ items: [{ productId: 1, quantity: 1 }], pad: 'x'.repeat(33 * 1024) });
    expectErrorShape(await raw('POST', '/api/mp/orders', { headers: asJson(buyer), body: big }), 413, 'PAYLOAD_TOO_LARGE');
    const bigProduct = JSON.stringify({ name: 'x', priceFen: 1, stock: 1, description: 'y'.repeat(40 * 1024) });
    expectErrorShape(await raw('POST', '/api/admin/products', { headers: adminJson(), body: bigProduct }), 413, 'PAYLOAD_TOO_LARGE');
    expectErrorShape(await raw('POST', '/api/mp/login', { headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code: 'z'.repeat(64 * 1024) }) }), 413, 'PAYLOAD_TOO_LARGE');
    // just under the limit is read, and refused for what it says
    const under = JSON.stringify({ items: [{ productId: 1, quantity: 1 }], pad: 'x'.repeat(30 * 1024) });
    expectErrorShape(await raw('POST', '/api/mp/orders', { headers: asJson(buyer), body: under }), 400, 'VALIDATION_FAILED');
  });

  it('malformed JSON is 400 VALIDATION_FAILED naming the body', async () => {
    for (const body of ['{"items":', '{items: []}', "{'a':1}", 'null', '']) {
      const r = await raw('POST', '/api/mp/orders', { headers: asJson(buyer), body });
      expectErrorShape(r, 400, 'VALIDATION_FAILED');
      expect(r.body.error.message.toLowerCase(), JSON.stringify(body)).toMatch(/body|items/);
    }
    const r = await raw('POST', '/api/admin/login', { headers: { 'content-type': 'application/json' }, body: '{"username":"merchant",' });
    expectErrorShape(r, 400, 'VALIDATION_FAILED');
  });

  it('a JSON array or an unknown field is 400, not a crash', async () => {
    expectErrorShape(await raw('POST', '/api/mp/orders', { headers: asJson(buyer), body: '[]' }), 400, 'VALIDATION_FAILED');
    const extra = await raw('POST', '/api/mp/orders', { headers: asJson(buyer), body: JSON.stringify({ items: [{ productId: 1, quantity: 1 }], totalFen: 1 }) });
    expectErrorShape(extra, 400, 'VALIDATION_FAILED');
  });

  it('a gzip body that does not inflate is 400, not 500', async () => {
    const r = await raw('POST', '/api/mp/orders', {
      headers: { ...asJson(buyer), 'content-encoding': 'gzip' },
      body: Buffer.from('this is not gzip'),
    });
    expectErrorShape(r, 400, 'VALIDATION_FAILED');
    // a real gzip body is fine
    const ok = await raw('POST', '/api/mp/orders', {
      headers: { ...asJson(buyer), 'content-encoding': 'gzip' },
      body: gzipSync(JSON.stringify({ items: [] })),
    });
    expectErrorShape(ok, 400, 'VALIDATION_FAILED');
    expect(ok.body.error.message).toContain('items');
  });
});

describe('bad input in the URL is a 4xx, never a 500', () => {
  it('a malformed percent-escape in an order or refund number is 400 or 404', async () => {
    for (const [p, headers] of [
      ['/api/mp/orders/%E0%A4%A', { authorization: `Bearer ${buyer}` }],
      ['/api/mp/refunds/%ZZ', { authorization: `Bearer ${buyer}` }],
      ['/api/admin/refunds/%E0%A4%A', { cookie: admin.cookie }],
      ['/api/admin/orders/%', { cookie: admin.cookie }],
    ] as const) {
      const r = await raw('GET', p, { headers });
      seen.push(r);
      expect([400, 404], `${p}: ${r.text}`).toContain(r.status);
      expect(r.body?.error?.code).toMatch(/^(VALIDATION_FAILED|NOT_FOUND)$/);
    }
  });

  it('an impossible date in from/to is 400 naming it', async () => {
    for (const q of ['from=2026-13-45', 'to=2026-02-30T', 'from=9999-99-99', 'to=2026-00-10']) {
      const r = await raw('GET', `/api/admin/refunds?${q}`, { headers: { cookie: admin.cookie } });
      expectErrorShape(r, 400, 'VALIDATION_FAILED');
      expect(r.body.error.message).toContain(q.split('=')[0]);
    }
  });

  it('a repeated query parameter is 400', async () => {
    expectErrorShape(await raw('GET', '/api/admin/refunds?page=1&page=2', { headers: { cookie: admin.cookie } }), 400, 'VALIDATION_FAILED');
  });

  it('an unknown endpoint or method under /api is 404 in the error shape', async () => {
    expectErrorShape(await raw('DELETE', '/api/mp/orders', { headers: { authorization: `Bearer ${buyer}` } }), 404, 'NOT_FOUND');
    expectErrorShape(await raw('PUT', '/api/admin/products/1', { headers: adminJson(), body: '{}' }), 404, 'NOT_FOUND');
    expectErrorShape(await raw('GET', '/api/v2/anything'), 404, 'NOT_FOUND');
  });
});

describe('WeChat callbacks answer XML even when refusing', () => {
  it('a notification body over 64 KB is refused with FAIL XML', async () => {
    const r = await raw('POST', '/api/wxpay/notify/pay', { headers: { 'content-type': 'text/xml' }, body: `<xml><a>${'a'.repeat(70 * 1024)}</a></xml>` });
    expect(r.status).toBeGreaterThanOrEqual(400);
    expect(r.text).toMatch(/^<xml><return_code><!\[CDATA\[FAIL\]\]><\/return_code>/);
    noLeaks(r);
  });
});

describe('a buyer who floods the API', () => {
  it(`gets 429 RATE_LIMITED with Retry-After after ${RATE_LIMIT} requests a minute; other buyers are not affected`, async () => {
    const token = await buyerLogin(base);
    let limited: Raw | undefined;
    for (let i = 0; i < RATE_LIMIT + 5 && !limited; i++) {
      const r = await raw('GET', '/api/mp/products', { headers: { authorization: `Bearer ${token}` } });
      if (r.status === 429) limited = r;
      else expect(r.status).toBe(200);
    }
    expect(limited, 'never limited').toBeDefined();
    expectErrorShape(limited!, 429, 'RATE_LIMITED');
    expect(Number(limited!.headers.get('retry-after'))).toBeGreaterThan(0);
    const other = await buyerLogin(base);
    expect((await raw('GET', '/api/mp/products', { headers: { authorization: `Bearer ${other}` } })).status).toBe(200);
  });
});

describe('what error answers never contain', () => {
  it('no stack trace, source path, database detail or secret in any error answer above', async () => {
    // a few more that reach deep code paths
    seen.push(await raw('POST', '/api/mp/orders', { headers: asJson(buyer), body: JSON.stringify({ items: [{ productId: 2147483648, quantity: 1 }] }) }));
    seen.push(await raw('POST', '/api/mp/login', { headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code: 'busy' }) }));
    seen.push(await raw('POST', '/api/admin/login', { headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'merchant', password: 'nope' }) }));
    seen.push(await raw('GET', '/api/mp/orders/M' + '9'.repeat(31), { headers: { authorization: `Bearer ${buyer}` } }));
    expect(seen.length).toBeGreaterThan(20);
    for (const r of seen) {
      expect(r.status).toBeGreaterThanOrEqual(400);
      noLeaks(r);
    }
  });

  it('no X-Powered-By, and nosniff on API answers', async () => {
    const r = await raw('GET', '/api/mp/products', { headers: { authorization: `Bearer ${await buyerLogin(base)}` } });
    expect(r.headers.get('x-powered-by')).toBeNull();
    expect(r.headers.get('x-content-type-options')).toBe('nosniff');
  });
});

describe('graceful stop (runs last)', () => {
  it('SIGTERM while a WeChat refund call is in flight: the call finishes and is recorded, and the process exits 0', async () => {
    const token = await buyerLogin(base);
    const order = await placePaidOrder(base, token);
    const refund = await requestRefund(base, token, order.orderNo, 100);
    await sandboxControl(server, 'PUT', '/sandbox/faults', { slowMs: 1500 });
    expect((await admin.call('POST', `/api/admin/refunds/${refund.refundNo}/approve`)).status).toBe(200);
    await waitForRefundStatus(admin, refund.refundNo, 'REFUNDING', 5000);
    await new Promise((r) => setTimeout(r, 200)); // the call is now with the (slow) sandbox
    const code = await server.stop();
    expect(code).toBe(0);
    expect(server.logs()).toContain('stopped');
    await withDb(server.env.DATABASE_URL, async (db) => {
      const calls = await db.wechatCall.findMany({ where: { refund: { refundNo: refund.refundNo } }, select: { endpoint: true, resultCode: true, error: true } });
      expect(calls).toEqual([{ endpoint: '/secapi/pay/refund', resultCode: 'SUCCESS', error: null }]);
      const r = await db.refund.findUniqueOrThrow({ where: { refundNo: refund.refundNo } });
      // accepted by WeChat and recorded — unless its notification (sent while the slow answer was still on
      // its way) settled it first, which leaves nothing for the late answer to add
      expect(['REFUNDING', 'REFUNDED']).toContain(r.status);
      if (r.status === 'REFUNDING') expect(r.acceptedAt).not.toBeNull();
    });
  });
});
