// Security review as tests (issue 6): secrets never leak. A server at LOG_LEVEL=trace goes through a full
// run — buyer logins, orders, payments, refunds requested, cancelled, approved, rejected, failed and retried,
// WeChat's notifications (genuine, duplicated and forged), admin login failures, logout — and then its whole
// log and every response seen are searched for the admin password, the WeChat Pay API key and app secret
// (and the AES key derived from the API key), the merchant private key, session cookies, CSRF tokens and
// buyer bearer tokens. Tokens may appear only in the one answer that hands them out. Secrets are also
// stored only as hashes at rest. No error shows a stack trace.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sandboxControl, waitForRefundStatus, type AdminSession, type HttpAnswer } from '../helpers/api.ts';
import { withDb } from '../helpers/database.ts';
import { WRONG_KEY, payNotification, refundNotification, sandboxCredentials, type MerchantCredentials } from '../helpers/forge.ts';
import { TEST_ADMIN, startServer, type TestServer } from '../helpers/server.ts';

interface Seen {
  method: string;
  path: string;
  status: number;
  headers: Record<string, string>;
  setCookies: string[];
  text: string;
}

let server: TestServer;
let base: string;
let m: MerchantCredentials;
const seen: Seen[] = [];
const buyerTokens: string[] = [];
const sessionCookies: string[] = [];
const csrfTokens: string[] = [];

/** fetch, remembering everything that came back. */
async function call(method: string, p: string, opts: { body?: unknown; raw?: string; headers?: Record<string, string> } = {}): Promise<HttpAnswer & { text: string }> {
  const headers: Record<string, string> = { ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}), ...opts.headers };
  const res = await fetch(`${base}${p}`, { method, headers, body: opts.raw ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body)) });
  const text = await res.text();
  seen.push({ method, path: p, status: res.status, headers: Object.fromEntries(res.headers), setCookies: res.headers.getSetCookie(), text });
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    /* XML or HTML */
  }
  return { status: res.status, body, headers: res.headers, text };
}

async function buyer(code: string) {
  const r = await call('POST', '/api/mp/login', { body: { code } });
  expect(r.status).toBe(200);
  const token = (r.body as { token: string }).token;
  buyerTokens.push(token);
  return (method: string, p: string, body?: unknown) => call(method, p, { body, headers: { authorization: `Bearer ${token}` } });
}

async function login(username: string, password: string): Promise<AdminSession | null> {
  const r = await call('POST', '/api/admin/login', { body: { username, password } });
  if (r.status !== 200) return null;
  const setCookie = r.headers.getSetCookie()[0] ?? '';
  const pair = setCookie.split(';')[0];
  sessionCookies.push(pair.slice(pair.indexOf('=') + 1));
  const csrfToken = (r.body as { csrfToken: string }).csrfToken;
  csrfTokens.push(csrfToken);
  return {
    cookie: pair,
    csrfToken,
    call: (method, p, body, headers = {}) => call(method, p, { body, headers: { cookie: pair, 'x-csrf-token': csrfToken, ...headers } }),
  };
}

async function notify(kind: 'pay' | 'refund', xml: string) {
  return call('POST', `/api/wxpay/notify/${kind}`, { raw: xml, headers: { 'content-type': 'text/xml' } });
}

beforeAll(async () => {
  server = await startServer({ env: { LOG_LEVEL: 'trace' } });
  base = server.baseUrl;
  m = sandboxCredentials(server);

  // merchant: failed logins (another name, and the right name with wrong passwords), then a good one
  for (const pw of ['wrong-password-1', TEST_ADMIN.password.toUpperCase(), `${TEST_ADMIN.password} `]) {
    expect((await call('POST', '/api/admin/login', { body: { username: TEST_ADMIN.username, password: pw } })).status).toBe(401);
  }
  expect((await call('POST', '/api/admin/login', { body: { username: 'root', password: TEST_ADMIN.password } })).status).toBe(401);
  const admin = (await login(TEST_ADMIN.username, TEST_ADMIN.password))!;
  expect(admin).not.toBeNull();
  expect((await admin.call('GET', '/api/admin/me')).status).toBe(200);

  // buyers: log in, look, order, pay
  const alice = await buyer('alice-code');
  const bob = await buyer('bob-code');
  await call('POST', '/api/mp/login', { body: { code: 'invalid' } }); // WeChat says no
  const products = (await alice('GET', '/api/mp/products')).body as { items: Array<{ id: number }> };
  const orders: Array<{ orderNo: string; totalFen: number }> = [];
  for (const [i, who] of [alice, alice, bob, bob].entries()) {
    const o = await who('POST', '/api/mp/orders', { items: [{ productId: products.items[i % 2].id, quantity: 1 }] });
    expect(o.status).toBe(201);
    const order = o.body as { orderNo: string; totalFen: number };
    expect((await who('POST', `/api/mp/orders/${order.orderNo}/pay`)).status).toBe(200);
    expect((await who('POST', `/api/mp/orders/${order.orderNo}/sandbox-pay`)).status).toBe(200);
    orders.push(order);
  }
  await alice('GET', '/api/mp/orders');
  await bob('GET', `/api/mp/orders/${orders[0].orderNo}`); // another buyer's order: 404

  // refunds: approved (→ REFUNDED by notification), rejected, cancelled, failed then retried
  const req = async (who: typeof alice, orderNo: string, amountFen: number) => {
    const r = await who('POST', `/api/mp/orders/${orderNo}/refunds`, { amountFen, reason: '不想要了' });
    expect(r.status).toBe(201);
    return (r.body as { refundNo: string }).refundNo;
  };
  const r1 = await req(alice, orders[0].orderNo, 100);
  expect((await admin.call('POST', `/api/admin/refunds/${r1}/approve`)).status).toBe(200);
  const r2 = await req(alice, orders[1].orderNo, 200);
  expect((await admin.call('POST', `/api/admin/refunds/${r2}/reject`, { reason: '已发货' })).status).toBe(200);
  const r3 = await req(bob, orders[2].orderNo, 300);
  expect((await bob('POST', `/api/mp/refunds/${r3}/cancel`)).status).toBe(200);
  const r4 = await req(bob, orders[3].orderNo, 400);
  expect((await sandboxControl(server, 'PUT', '/sandbox/faults', { refund: [{ code: 'USER_ACCOUNT_ABNORMAL', outRefundNo: r4 }] })).status).toBe(200);
  expect((await admin.call('POST', `/api/admin/refunds/${r4}/approve`)).status).toBe(200);
  await waitForRefundStatus(admin, r4, 'FAILED');
  expect((await admin.call('POST', `/api/admin/refunds/${r4}/retry`)).status).toBe(200);
  await waitForRefundStatus(admin, r1, 'REFUNDED');
  await waitForRefundStatus(admin, r4, 'REFUNDED');
  for (const no of [r1, r2, r3, r4]) await admin.call('GET', `/api/admin/refunds/${no}`);
  await admin.call('GET', '/api/admin/refunds?pageSize=100');
  await admin.call('GET', `/api/admin/orders/${orders[0].orderNo}`);
  await admin.call('GET', '/api/admin/orders');
  await admin.call('GET', '/api/admin/stats');
  await admin.call('GET', '/api/admin/products');

  // WeChat: a duplicate genuine notification, forged ones, hostile ones
  const openid = ((await admin.call('GET', `/api/admin/orders/${orders[0].orderNo}`)).body as { buyer: { openid: string } }).buyer.openid;
  await notify('pay', payNotification(m, { outTradeNo: orders[0].orderNo, totalFee: orders[0].totalFen, openid }));
  await notify('pay', payNotification(m, { outTradeNo: orders[0].orderNo, totalFee: orders[0].totalFen, openid }, { signWith: WRONG_KEY }));
  await notify('refund', refundNotification(m, { outRefundNo: r1, outTradeNo: orders[0].orderNo, totalFee: orders[0].totalFen, refundFee: 100 }));
  await notify('refund', refundNotification(m, { outRefundNo: r1, outTradeNo: orders[0].orderNo, totalFee: orders[0].totalFen, refundFee: 100 }, { encryptWith: WRONG_KEY }));
  await notify('refund', '<!DOCTYPE xml [<!ENTITY x SYSTEM "file:///etc/passwd">]><xml><a>&x;</a></xml>');

  // errors of every kind
  await call('POST', '/api/mp/orders', { raw: '{"items":', headers: { 'content-type': 'application/json', authorization: `Bearer ${buyerTokens[0]}` } });
  await call('GET', '/api/mp/orders', { headers: { authorization: 'Bearer not-a-token' } });
  await call('GET', '/api/admin/stats', { headers: { cookie: 'wxmall_admin=forged' } });
  await call('POST', `/api/admin/refunds/${r1}/approve`, { headers: { cookie: admin.cookie } }); // no CSRF
  await call('GET', '/api/nope');
  await call('GET', '/admin/');

  await admin.call('POST', '/api/admin/logout');
  await call('GET', '/api/admin/me', { headers: { cookie: admin.cookie } }); // after logout: 401
  expect((await login(TEST_ADMIN.username, TEST_ADMIN.password)) !== null).toBe(true); // a second session
  // wait for the background work (notifications, queries) to log what it logs
  await new Promise((r) => setTimeout(r, 1500));
});

afterAll(async () => {
  await server?.stop();
});

function secrets() {
  const keyPem = readFileSync(path.join(server.dataDir, 'sandbox', 'apiclient_key.pem'), 'utf8');
  const keyLines = keyPem.split('\n').filter((l) => l.length >= 40 && !l.startsWith('-----'));
  return {
    'admin password': [TEST_ADMIN.password],
    'WeChat Pay API key': [m.apiKey],
    'req_info AES key (md5 of the API key)': [createHash('md5').update(m.apiKey).digest('hex')],
    'WeChat app secret': [m.appSecret],
    'merchant private key': keyLines.slice(0, 3),
    'session cookie': sessionCookies,
    'CSRF token': csrfTokens,
    'buyer token': buyerTokens,
  };
}

describe('the logs of a full run', () => {
  it('went through every part of the run', () => {
    const logs = server.logs();
    expect(logs).toMatch(/sandbox refund accepted/);
    expect(logs).toMatch(/"path":"\/api\/admin\/login"/);
    expect(logs).toMatch(/"path":"\/api\/wxpay\/notify\/refund"/);
    expect(sessionCookies.length).toBe(2);
    expect(buyerTokens.length).toBe(2);
    expect(seen.length).toBeGreaterThan(50);
  });

  it('never contain a secret, a key, a session, a CSRF token or a bearer token', () => {
    const logs = server.logs();
    for (const [what, values] of Object.entries(secrets())) {
      expect(values.length, what).toBeGreaterThan(0);
      for (const v of values) {
        expect(v.length, what).toBeGreaterThanOrEqual(8);
        expect(logs.includes(v), `${what} found in the logs`).toBe(false);
      }
    }
    // nor the raw Authorization or Cookie headers
    expect(logs).not.toMatch(/Bearer [A-Za-z0-9_-]{16,}/);
    expect(logs).not.toMatch(/wxmall_admin=[A-Za-z0-9_-]{16,}/);
  });
});

describe('the responses of a full run', () => {
  it('never carry a secret; a token only in the one answer that hands it out', () => {
    const s = secrets();
    const handsOut = (x: Seen, what: string, v: string) =>
      (what === 'buyer token' && x.path === '/api/mp/login' && x.text.includes(v)) ||
      (what === 'CSRF token' && (x.path === '/api/admin/login' || x.path === '/api/admin/me') && x.status === 200);
    for (const x of seen) {
      const headersText = JSON.stringify({ ...x.headers, 'set-cookie': undefined });
      for (const [what, values] of Object.entries(s)) {
        for (const v of values) {
          if (x.text.includes(v) && !handsOut(x, what, v)) expect.fail(`${what} in the body of ${x.method} ${x.path} (${x.status})`);
          if (headersText.includes(v)) expect.fail(`${what} in a header of ${x.method} ${x.path}`);
        }
      }
      // the session cookie only in the Set-Cookie of a successful login
      for (const c of x.setCookies) {
        const value = c.split(';')[0].split('=')[1] ?? '';
        if (value) expect(x.path === '/api/admin/login' && x.status === 200, `a session cookie set by ${x.method} ${x.path}`).toBe(true);
      }
    }
  });

  it('show no stack trace or source location in any error', () => {
    const errors = seen.filter((x) => x.status >= 400);
    expect(errors.length).toBeGreaterThan(10);
    for (const x of errors) {
      expect(x.text, `${x.method} ${x.path}`).not.toMatch(/at \/|\.ts:\d|\.js:\d|node_modules|Prisma|SQLITE|\n\s+at /);
      expect(x.status, `${x.method} ${x.path}`).toBeLessThan(500);
    }
  });

  it('the admin web served to browsers holds no secret either', async () => {
    const index = await call('GET', '/admin/');
    expect(index.status).toBe(200);
    const assets = [...index.text.matchAll(/(?:src|href)="(\/admin\/[^"]+\.(?:js|css))"/g)].map((mm) => mm[1]);
    expect(assets.length).toBeGreaterThan(0);
    for (const a of assets) {
      const r = await call('GET', a);
      expect(r.status).toBe(200);
      for (const [what, values] of Object.entries(secrets())) for (const v of values) expect(r.text.includes(v), `${what} in ${a}`).toBe(false);
    }
  });
});

describe('secrets at rest', () => {
  it('the database keeps only hashes of the password, buyer tokens and sessions', async () => {
    await withDb(server.env.DATABASE_URL, async (db) => {
      const admins = await db.adminUser.findMany();
      expect(admins.length).toBeGreaterThan(0);
      for (const a of admins) expect(a.passwordHash).not.toContain(TEST_ADMIN.password);
      const tokens = await db.buyerToken.findMany();
      const sessions = await db.adminSession.findMany();
      const stored = JSON.stringify([tokens, sessions, admins]);
      for (const t of [...buyerTokens, ...sessionCookies, TEST_ADMIN.password]) expect(stored.includes(t)).toBe(false);
      // nor anywhere in what WeChat calls and notifications keep
      const calls = JSON.stringify(await db.wechatCall.findMany());
      const notes = JSON.stringify(await db.notification.findMany());
      for (const v of [m.apiKey, m.appSecret, createHash('md5').update(m.apiKey).digest('hex')]) {
        expect(calls.includes(v), 'secret in wechat_call').toBe(false);
        expect(notes.includes(v), 'secret in notification').toBe(false);
      }
    });
  });
});
