// Security review as tests (issue 6): HTTP hardening of a live server. Helmet's headers on every kind of
// answer and no X-Powered-By; the 32 KB JSON limit (413 PAYLOAD_TOO_LARGE); malformed requests of every
// kind answered 4xx with the error shape and no stack trace; every /api/admin/* route of the OpenAPI
// document behind the session (401) and, for changes, the session's own CSRF token (403), a buyer's bearer
// token counting for nothing; the session cookie HttpOnly + SameSite=Strict, and dead after logout.
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminSession, buyerLogin, http, placeOrder, type AdminSession } from '../helpers/api.ts';
import { TEST_ADMIN, startServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;
let base: string;
let admin: AdminSession;
let buyerToken: string;
let orderNo: string;

beforeAll(async () => {
  server = await startServer();
  base = server.baseUrl;
  admin = await adminSession(base);
  buyerToken = await buyerLogin(base);
  orderNo = (await placeOrder(base, buyerToken)).orderNo;
});

afterAll(async () => {
  await server?.stop();
});

async function raw(method: string, p: string, init: { headers?: Record<string, string>; body?: string | Buffer } = {}) {
  const res = await fetch(`${base}${p}`, { method, headers: init.headers, body: init.body as BodyInit | undefined });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text };
}

function expectErrorShape(r: { status: number; text: string }, code: string | RegExp, what: string) {
  let body: any;
  try {
    body = JSON.parse(r.text);
  } catch {
    expect.fail(`${what}: not JSON: ${r.text.slice(0, 200)}`);
  }
  expect(Object.keys(body), what).toEqual(['error']);
  expect(Object.keys(body.error).sort(), what).toEqual(['code', 'message']);
  if (typeof code === 'string') expect(body.error.code, what).toBe(code);
  else expect(body.error.code, what).toMatch(code);
  expect(body.error.message.length, what).toBeGreaterThan(0);
}

function expectNoStack(text: string, what: string) {
  expect(text, what).not.toMatch(/at \/|\.ts:\d|\.js:\d|node_modules|\n\s+at |Prisma|SQLITE|TypeError|ReferenceError/);
}

describe('security headers (helmet)', () => {
  it('on JSON, errors, HTML, XML and static answers; no X-Powered-By', async () => {
    const notifyReply = await raw('POST', '/api/wxpay/notify/pay', { headers: { 'content-type': 'text/xml' }, body: '<xml></xml>' });
    const answers = {
      healthz: await raw('GET', '/healthz'),
      'buyer 401': await raw('GET', '/api/mp/products'),
      'admin JSON': await raw('GET', '/api/admin/stats', { headers: { cookie: admin.cookie } }),
      'API 404': await raw('GET', '/api/nothing-here'),
      'admin web': await raw('GET', '/admin/'),
      'notify XML': notifyReply,
      'openapi': await raw('GET', '/api/openapi.json'),
    };
    for (const [what, r] of Object.entries(answers)) {
      const h = r.headers;
      expect(h.get('x-powered-by'), what).toBeNull();
      expect(h.get('x-content-type-options'), what).toBe('nosniff');
      const csp = h.get('content-security-policy') ?? '';
      expect(csp, what).toMatch(/default-src 'self'/);
      expect(csp, what).toMatch(/object-src 'none'/);
      const scriptSrc = /script-src ([^;]*)/.exec(csp)?.[1] ?? '';
      expect(scriptSrc, what).toBe("'self'"); // no inline or eval'd script
      // clickjacking: frame-ancestors in the CSP, and X-Frame-Options for old browsers
      expect(csp, what).toMatch(/frame-ancestors '(self|none)'/);
      expect(h.get('x-frame-options'), what).toMatch(/^(SAMEORIGIN|DENY)$/);
      expect(h.get('referrer-policy'), what).toBe('no-referrer');
      expect(h.get('cross-origin-opener-policy'), what).toBe('same-origin');
      // helmet sends HSTS even over http (browsers ignore it there); when present it must be long-lived
      const hsts = h.get('strict-transport-security');
      if (hsts !== null) expect(Number(/max-age=(\d+)/.exec(hsts)?.[1]), what).toBeGreaterThanOrEqual(15_552_000);
    }
  });
});

describe('body size limits', () => {
  const big = (n: number) => JSON.stringify({ items: [{ productId: 1, quantity: 1 }], pad: 'x'.repeat(n) });

  it('JSON over 32 KB is 413 PAYLOAD_TOO_LARGE on buyer, admin and login routes', async () => {
    const body = big(33 * 1024);
    const cases = [
      ['POST', '/api/mp/orders', { authorization: `Bearer ${buyerToken}` }],
      ['POST', `/api/mp/orders/${orderNo}/refunds`, { authorization: `Bearer ${buyerToken}` }],
      ['POST', '/api/admin/products', { cookie: admin.cookie, 'x-csrf-token': admin.csrfToken }],
      ['POST', '/api/admin/login', {}],
      ['POST', '/api/mp/login', {}],
    ] as const;
    for (const [method, p, headers] of cases) {
      const r = await raw(method, p, { headers: { 'content-type': 'application/json', ...headers }, body });
      expect(r.status, p).toBe(413);
      expectErrorShape(r, 'PAYLOAD_TOO_LARGE', p);
    }
    // 10 MB too, and without a Content-Length (chunked)
    const huge = await raw('POST', '/api/mp/login', { headers: { 'content-type': 'application/json' }, body: big(10 * 1024 * 1024) });
    expect(huge.status).toBe(413);
    const chunked = await fetch(`${base}/api/mp/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: new ReadableStream({
        start(c) {
          for (let i = 0; i < 40; i++) c.enqueue(new TextEncoder().encode('x'.repeat(1024)));
          c.close();
        },
      }),
      duplex: 'half',
    } as RequestInit);
    expect(chunked.status).toBe(413);
  });

  it('just under the limit is read (and then judged on its content, not refused for size)', async () => {
    const r = await raw('POST', '/api/mp/orders', { headers: { 'content-type': 'application/json', authorization: `Bearer ${buyerToken}` }, body: big(30 * 1024) });
    expect(r.status).toBe(400); // `pad` is not a field of an order
    expectErrorShape(r, 'VALIDATION_FAILED', 'under the limit');
  });
});

describe('malformed requests: 4xx with the error shape, never a stack trace', () => {
  const deepJson = `${'['.repeat(5000)}${']'.repeat(5000)}`;
  const cases: Array<[string, string, { headers?: Record<string, string>; body?: string | Buffer }, RegExp?]> = [
    ['POST', '/api/mp/login', { headers: { 'content-type': 'application/json' }, body: '{"code":' }],
    ['POST', '/api/mp/login', { headers: { 'content-type': 'application/json' }, body: '{"code":"a","__proto__":{"admin":true}}' }],
    ['POST', '/api/mp/login', { headers: { 'content-type': 'application/json' }, body: deepJson }],
    ['POST', '/api/mp/login', { headers: { 'content-type': 'application/json' }, body: 'null' }],
    ['POST', '/api/mp/login', { headers: { 'content-type': 'application/json' }, body: '"a string"' }],
    ['POST', '/api/mp/login', { headers: { 'content-type': 'application/json; charset=utf-16' }, body: '{"code":"x"}' }],
    ['POST', '/api/mp/login', { headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, body: Buffer.from('not gzip at all') }],
    ['POST', '/api/mp/login', { headers: { 'content-type': 'application/json', 'content-encoding': 'br' }, body: gzipSync('{"code":"x"}') }],
    ['POST', '/api/mp/login', { headers: { 'content-type': 'text/plain' }, body: 'code=x' }],
    ['POST', '/api/mp/login', { headers: { 'content-type': 'application/json' }, body: '{"code":123}' }],
    ['POST', '/api/mp/login', { headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code: 'x'.repeat(10_000) }) }],
    ['GET', '/api/mp/orders/%E0%A4%A', {}],
    ['GET', '/api/mp/orders/..%2F..%2Fetc%2Fpasswd', {}],
    ['GET', `/api/mp/orders/${'A'.repeat(5000)}`, {}],
    ['GET', '/api/admin/refunds?page=-1', {}],
    ['GET', '/api/admin/refunds?pageSize=1e9', {}],
    ['GET', '/api/admin/refunds?status=REQUESTED&status=FAILED', {}],
    ['GET', '/api/admin/refunds?status=requested', {}],
    ['GET', '/api/admin/refunds?q=%00%27%22;--', {}],
    ['GET', '/api/admin/refunds?from=2026-02-30&to=yesterday', {}],
    ['GET', '/api/admin/refunds/R1%27%20OR%201=1', {}],
    ['GET', '/api/admin/orders?page=abc&pageSize=-5', {}],
    ['PATCH', '/api/admin/products/1.5', { headers: { 'content-type': 'application/json' }, body: '{"priceFen":-1}' }],
    ['PATCH', '/api/admin/products/99999999999999999999', { headers: { 'content-type': 'application/json' }, body: '{"priceFen":100}' }],
    ['PATCH', '/api/admin/products/1', { headers: { 'content-type': 'application/json' }, body: '{"priceFen":1e400}' }],
    ['POST', '/api/admin/products', { headers: { 'content-type': 'application/json' }, body: '{"name":"x","priceFen":9007199254740993,"stock":1}' }],
    ['POST', '/api/admin/refunds/R1/reject', { headers: { 'content-type': 'application/json' }, body: '{"reason":{"$gt":""}}' }],
    ['PUT', '/api/admin/products', {}],
    ['DELETE', '/api/admin/refunds/R1', {}],
    ['POST', '/api/mp/orders', { headers: { 'content-type': 'application/json' }, body: '{"items":[{"productId":1,"quantity":1e308}]}' }],
    ['POST', '/api/mp/orders', { headers: { 'content-type': 'application/json' }, body: '{"items":[{"productId":-1,"quantity":1}]}' }],
    ['POST', '/api/mp/orders', { headers: { 'content-type': 'application/json' }, body: `{"items":[${Array(500).fill('{"productId":1,"quantity":1}').join(',')}]}` }],
    ['POST', '/api/mp/orders/M1/refunds', { headers: { 'content-type': 'application/json', 'idempotency-key': 'x'.repeat(300) }, body: '{"amountFen":1,"reason":"x"}' }],
    ['POST', '/api/mp/orders/M1/refunds', { headers: { 'content-type': 'application/json', 'idempotency-key': 'cl\u00e9\u00ff' }, body: '{"amountFen":1,"reason":"x"}' }],
    ['POST', '/api/mp/orders/M1/refunds', { headers: { 'content-type': 'application/json' }, body: '{"amountFen":"1","reason":"x"}' }],
    ['GET', '/api/mp/products', { headers: { authorization: 'Bearer ' } }],
    ['GET', '/api/mp/products', { headers: { authorization: `Bearer ${'x'.repeat(4000)}` } }],
    ['GET', '/api/mp/products', { headers: { authorization: 'Basic YWRtaW46YWRtaW4=' } }],
    ['GET', '/api/admin/stats', { headers: { cookie: 'wxmall_admin=%E0%A4%A' } }],
    ['GET', '/api/admin/stats', { headers: { cookie: `wxmall_admin=${'a'.repeat(4000)}` } }],
  ];

  // accepted (unknown parameters are ignored) but must not break anything
  const harmless: Array<[string, string]> = [
    ['GET', '/api/admin/refunds?status[]=REQUESTED&status[]=FAILED'],
    ['GET', '/api/admin/refunds?status[$ne]=x&q[$gt]='],
    ['GET', '/api/admin/refunds?__proto__[admin]=1&constructor[prototype][x]=1'],
    ['GET', '/api/mp/products?x=%00'],
  ];

  it('odd but harmless queries answer normally', async () => {
    for (const [method, p] of harmless) {
      const headers: Record<string, string> = p.startsWith('/api/admin/') ? { cookie: admin.cookie } : { authorization: `Bearer ${buyerToken}` };
      const r = await raw(method, p, { headers });
      expect(r.status, `${p} → ${r.text.slice(0, 200)}`).toBeLessThan(500);
      expectNoStack(r.text, p);
    }
  });

  it('every one of them', async () => {
    for (const [method, p, init] of cases) {
      const isAdmin = p.startsWith('/api/admin/');
      const isBuyer = p.startsWith('/api/mp/') && !p.startsWith('/api/mp/login');
      const headers: Record<string, string> = { ...init.headers };
      // authenticated where the route needs it, so that the request reaches its parsing and validation
      if (isAdmin && !headers.cookie) Object.assign(headers, { cookie: admin.cookie, 'x-csrf-token': admin.csrfToken });
      if (isBuyer && !headers.authorization) headers.authorization = `Bearer ${buyerToken}`;
      const r = await raw(method, p, { headers, body: init.body });
      const what = `${method} ${p.slice(0, 60)} ${JSON.stringify(init.headers ?? {}).slice(0, 80)}`;
      expect(r.status, `${what} → ${r.status} ${r.text.slice(0, 300)}`).toBeGreaterThanOrEqual(400);
      expect(r.status, `${what} → ${r.status} ${r.text.slice(0, 300)}`).toBeLessThan(500);
      expectErrorShape(r, /^[A-Z_]+$/, what);
      expectNoStack(r.text, what);
    }
    // the server is fine afterwards, and the prototype was not polluted into anything
    expect((await http('GET', `${base}/healthz`)).status).toBe(200);
    expect(server.logs()).not.toMatch(/"level":50/);
  });
});

describe('control characters in text fields', () => {
  it('a NUL in any free text (refund reason, login name, product name, reject reason) is a 4xx or kept, never a 500', async () => {
    const order = await placeOrder(base, buyerToken);
    const paid = await http('POST', `${base}/api/mp/orders/${order.orderNo}/sandbox-pay`, { headers: { authorization: `Bearer ${buyerToken}` } });
    expect(paid.status).toBe(200);
    const asBuyer = { authorization: `Bearer ${buyerToken}`, 'content-type': 'application/json' };
    const asAdmin = { cookie: admin.cookie, 'x-csrf-token': admin.csrfToken, 'content-type': 'application/json' };
    const answers: Array<[string, { status: number; text: string }]> = [];
    answers.push(['refund reason', await raw('POST', `/api/mp/orders/${order.orderNo}/refunds`, { headers: asBuyer, body: JSON.stringify({ amountFen: 1, reason: 'a\u0000b' }) })]);
    answers.push(['login username', await raw('POST', '/api/admin/login', { headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'x\u0000', password: 'y' }) })]);
    answers.push(['product name', await raw('POST', '/api/admin/products', { headers: asAdmin, body: JSON.stringify({ name: 'n\u0000', priceFen: 100, stock: 1 }) })]);
    // a refund to reject (the first request may have been refused above, or be the open one)
    let refundNo = answers[0][1].status === 201 ? (JSON.parse(answers[0][1].text) as { refundNo: string }).refundNo : undefined;
    if (!refundNo) {
      const r = await raw('POST', `/api/mp/orders/${order.orderNo}/refunds`, { headers: asBuyer, body: JSON.stringify({ amountFen: 1, reason: 'ok' }) });
      expect(r.status).toBe(201);
      refundNo = (JSON.parse(r.text) as { refundNo: string }).refundNo;
    }
    answers.push(['reject reason', await raw('POST', `/api/admin/refunds/${refundNo}/reject`, { headers: asAdmin, body: JSON.stringify({ reason: 'r\u0000' }) })]);
    for (const [what, r] of answers) {
      expect(r.status, `${what} → ${r.status} ${r.text.slice(0, 200)}`).toBeLessThan(500);
      expectNoStack(r.text, what);
    }
  });
});

describe('every admin route sits behind the session and the CSRF token', () => {
  let routes: Array<{ method: string; path: string }>;

  beforeAll(async () => {
    const doc = (await http('GET', `${base}/api/openapi.json`)).body as { paths: Record<string, Record<string, unknown>> };
    routes = Object.entries(doc.paths)
      .filter(([p]) => p.startsWith('/api/admin/') && p !== '/api/admin/login')
      .flatMap(([p, ops]) => Object.keys(ops).map((method) => ({ method: method.toUpperCase(), path: p.replace(/\{[^}]+\}/g, (x) => (x === '{id}' ? '1' : 'R2026000000000000000001')) })));
  });

  const bodyFor = (method: string) => (method === 'GET' ? undefined : '{}');

  it('the OpenAPI document lists the admin routes of the contract', () => {
    const names = routes.map((r) => `${r.method} ${r.path}`);
    expect(names.length).toBeGreaterThanOrEqual(13);
    for (const must of ['GET /api/admin/refunds', 'POST /api/admin/refunds/R2026000000000000000001/approve', 'PATCH /api/admin/products/1', 'POST /api/admin/logout']) {
      expect(names).toContain(must);
    }
  });

  it('without a session: 401 UNAUTHENTICATED, also with a forged or a buyer’s credentials', async () => {
    for (const r of routes) {
      for (const headers of <Array<Record<string, string>>>[
        {},
        { cookie: 'wxmall_admin=forged-session-value', 'x-csrf-token': admin.csrfToken },
        { authorization: `Bearer ${buyerToken}`, 'x-csrf-token': admin.csrfToken },
        { cookie: `wxmall_admin=${buyerToken}`, 'x-csrf-token': admin.csrfToken },
        { cookie: `other=${admin.cookie.split('=')[1]}`, 'x-csrf-token': admin.csrfToken },
      ]) {
        const a = await raw(r.method, r.path, { headers: { 'content-type': 'application/json', ...headers }, body: bodyFor(r.method) });
        expect(a.status, `${r.method} ${r.path} with ${Object.keys(headers).join('+') || 'nothing'}`).toBe(401);
        expectErrorShape(a, 'UNAUTHENTICATED', `${r.method} ${r.path}`);
      }
    }
  });

  it('with a session but no, a wrong, or another session’s CSRF token, every change is 403 FORBIDDEN', async () => {
    const other = await adminSession(base);
    expect(other.csrfToken).not.toBe(admin.csrfToken);
    const changes = routes.filter((r) => r.method !== 'GET');
    expect(changes.length).toBeGreaterThanOrEqual(6);
    for (const r of changes) {
      for (const csrf of [undefined, '', 'wrong', admin.csrfToken.slice(0, -1), other.csrfToken, admin.csrfToken.toUpperCase()]) {
        const headers: Record<string, string> = { 'content-type': 'application/json', cookie: admin.cookie };
        if (csrf !== undefined) headers['x-csrf-token'] = csrf;
        const a = await raw(r.method, r.path, { headers, body: bodyFor(r.method) });
        if (csrf === admin.csrfToken) continue; // (an all-digit token would upper-case to itself)
        expect(a.status, `${r.method} ${r.path} with CSRF ${JSON.stringify(csrf)}`).toBe(403);
        expectErrorShape(a, 'FORBIDDEN', `${r.method} ${r.path}`);
      }
      // a CSRF token in the query string or the body does not count either
      const q = await raw(r.method, `${r.path}?csrfToken=${admin.csrfToken}`, { headers: { 'content-type': 'application/json', cookie: admin.cookie }, body: JSON.stringify({ csrfToken: admin.csrfToken }) });
      expect(q.status, `${r.method} ${r.path} with the token in query/body`).toBe(403);
    }
    // and the session is still good: reads pass without CSRF, changes pass with it (then fail on content)
    for (const r of routes.filter((x) => x.method === 'GET')) {
      const a = await raw('GET', r.path, { headers: { cookie: admin.cookie } });
      expect([200, 404], `${r.path}`).toContain(a.status);
    }
    const approve = await raw('POST', '/api/admin/refunds/R2026000000000000000001/approve', { headers: { cookie: admin.cookie, 'x-csrf-token': admin.csrfToken } });
    expect(approve.status).toBe(404);
  });

  it('the session cookie is HttpOnly, SameSite=Strict, Path=/, expiring; the CSRF token is no cookie; logout kills the session', async () => {
    const res = await fetch(`${base}/api/admin/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(TEST_ADMIN) });
    expect(res.status).toBe(200);
    const cookies = res.headers.getSetCookie();
    expect(cookies).toHaveLength(1);
    const c = cookies[0];
    expect(c).toMatch(/^wxmall_admin=[A-Za-z0-9_-]{32,}(;|$)/);
    const attrs = c.split(';').slice(1).map((a) => a.trim().toLowerCase());
    expect(attrs).toContain('httponly');
    expect(attrs).toContain('samesite=strict');
    expect(attrs).toContain('path=/');
    expect(attrs.some((a) => a.startsWith('expires=') || a.startsWith('max-age='))).toBe(true);
    expect(attrs).not.toContain('secure'); // plain http here; security-limits checks Secure behind https
    const { csrfToken } = (await res.json()) as { csrfToken: string };
    expect(c).not.toContain(csrfToken);
    const cookie = c.split(';')[0];
    const out = await raw('POST', '/api/admin/logout', { headers: { cookie, 'x-csrf-token': csrfToken } });
    expect(out.status).toBe(204);
    const cleared = out.headers.getSetCookie()[0] ?? '';
    expect(cleared).toMatch(/^wxmall_admin=;/);
    expect(cleared.toLowerCase()).toMatch(/expires=thu, 01 jan 1970|max-age=0/);
    for (const p of ['/api/admin/me', '/api/admin/stats']) expect((await raw('GET', p, { headers: { cookie } })).status).toBe(401);
    expect((await raw('POST', '/api/admin/logout', { headers: { cookie, 'x-csrf-token': csrfToken } })).status).toBe(401);
  });
});
