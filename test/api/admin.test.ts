// The merchant admin API: login, the session cookie, CSRF on every change, the queue and its filters,
// orders, stats, products, logout, and login throttling (last: it locks the account for 15 minutes).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  adminRefund,
  adminSession,
  asBuyer,
  buyerLogin,
  createProduct,
  http,
  placeOrder,
  placePaidOrder,
  placePaidOrderOf,
  requestRefund,
  waitForRefundStatus,
  type AdminSession,
} from '../helpers/api.ts';
import { startServer, TEST_ADMIN, type TestServer } from '../helpers/server.ts';
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


const login = (body: unknown) => http('POST', `${base}/api/admin/login`, { body });

describe('login and the session cookie', () => {
  it('the right password: 200 {csrfToken, username, role} and an HttpOnly SameSite=Strict cookie', async () => {
    const r = await login(TEST_ADMIN);
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ csrfToken: expect.any(String), username: TEST_ADMIN.username, role: 'OWNER' });
    expect(r.body.csrfToken.length).toBeGreaterThanOrEqual(16);
    const cookie = r.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/^wxmall_admin=[^;]+/);
    expect(cookie).toMatch(/;\s*HttpOnly/i);
    expect(cookie).toMatch(/;\s*SameSite=Strict/i);
    expect(cookie).toMatch(/;\s*Path=\//i);
    // the cookie holds a token, not the password or the CSRF token
    expect(cookie).not.toContain(TEST_ADMIN.password);
    expect(cookie).not.toContain(r.body.csrfToken);
  });

  it('a wrong password or an unknown name is 401 and sets no cookie', async () => {
    for (const body of [{ ...TEST_ADMIN, password: 'wrong-password' }, { username: 'nobody-here', password: 'x' }]) {
      const r = await login(body);
      expectError(r, 401, 'UNAUTHENTICATED');
      expect(r.headers.get('set-cookie')).toBeNull();
    }
  });

  it('a bad login body is 400 naming the field', async () => {
    const r = await login({ username: 'merchant' });
    expectError(r, 400, 'VALIDATION_FAILED');
    expect(r.body.error.message).toContain('password');
    const r2 = await login({ password: 'x' });
    expectError(r2, 400, 'VALIDATION_FAILED');
    expect(r2.body.error.message).toContain('username');
  });

  it('GET /api/admin/me tells who is logged in and gives the CSRF token back', async () => {
    const r = await http('GET', `${base}/api/admin/me`, { headers: { cookie: admin.cookie } });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ username: TEST_ADMIN.username, role: 'OWNER', capabilities: expect.arrayContaining(['manage_staff', 'view']), csrfToken: admin.csrfToken });
    expectError(await http('GET', `${base}/api/admin/me`), 401, 'UNAUTHENTICATED');
    expectError(await http('GET', `${base}/api/admin/me`, { headers: { cookie: 'wxmall_admin=forged-token' } }), 401, 'UNAUTHENTICATED');
  });

  it('without a session every admin call is 401', async () => {
    const calls: Array<[string, string, unknown?]> = [
      ['GET', '/api/admin/refunds'],
      ['GET', '/api/admin/refunds/R1'],
      ['POST', '/api/admin/refunds/R1/approve'],
      ['POST', '/api/admin/refunds/R1/reject', { reason: 'x' }],
      ['POST', '/api/admin/refunds/R1/retry'],
      ['GET', '/api/admin/orders'],
      ['GET', '/api/admin/orders/M1'],
      ['GET', '/api/admin/products'],
      ['POST', '/api/admin/products', { name: 'x', priceFen: 1, stock: 1 }],
      ['PATCH', '/api/admin/products/1', { stock: 1 }],
      ['GET', '/api/admin/stats'],
      ['POST', '/api/admin/logout'],
    ];
    for (const [m, p, body] of calls) {
      const r = await http(m, `${base}${p}`, { body, headers: { 'x-csrf-token': admin.csrfToken } });
      expect(r.status, `${m} ${p}`).toBe(401);
      expect(r.body.error.code).toBe('UNAUTHENTICATED');
    }
  });
});

describe('CSRF: every change needs X-CSRF-Token', () => {
  it('approve, reject, retry, product create/patch and logout without (or with a wrong) token are 403 and change nothing', async () => {
    const token = await buyerLogin(base);
    const order = await placePaidOrder(base, token);
    const refund = await requestRefund(base, token, order.orderNo, 100);
    const product = await createProduct(admin, { name: 'csrf: untouched', priceFen: 500, stock: 5 });
    const productsBefore = (await admin.call('GET', '/api/admin/products')).body.items.length;
    const variants: Array<Record<string, string>> = [{ cookie: admin.cookie }, { cookie: admin.cookie, 'x-csrf-token': 'not-the-token' }, { cookie: admin.cookie, 'x-csrf-token': '' }];
    for (const headers of variants) {
      const changes: Array<[string, string, unknown?]> = [
        ['POST', `/api/admin/refunds/${refund.refundNo}/approve`],
        ['POST', `/api/admin/refunds/${refund.refundNo}/reject`, { reason: 'csrf' }],
        ['POST', `/api/admin/refunds/${refund.refundNo}/retry`],
        ['POST', '/api/admin/products', { name: 'csrf: must not exist', priceFen: 1, stock: 1 }],
        ['PATCH', `/api/admin/products/${product.id}`, { priceFen: 1 }],
        ['POST', '/api/admin/logout'],
      ];
      for (const [m, p, body] of changes) {
        const r = await http(m, `${base}${p}`, { body, headers });
        expect(r.status, `${m} ${p} ${JSON.stringify(headers)}`).toBe(403);
        expect(r.body.error.code).toBe('FORBIDDEN');
      }
    }
    const d = await adminRefund(admin, refund.refundNo);
    expect(d.status).toBe('REQUESTED');
    expect(d.events).toHaveLength(1);
    const products = (await admin.call('GET', '/api/admin/products')).body.items;
    expect(products).toHaveLength(productsBefore);
    expect(products.find((p: any) => p.id === product.id).priceFen).toBe(500);
    // the session survived the logout attempts
    expect((await http('GET', `${base}/api/admin/me`, { headers: { cookie: admin.cookie } })).status).toBe(200);
  });

  it("one session's CSRF token does not work with another session's cookie", async () => {
    const other = await adminSession(base);
    expect(other.csrfToken).not.toBe(admin.csrfToken);
    const r = await http('POST', '/api/admin/products'.replace(/^/, base), {
      body: { name: 'x', priceFen: 1, stock: 1 },
      headers: { cookie: other.cookie, 'x-csrf-token': admin.csrfToken },
    });
    expectError(r, 403, 'FORBIDDEN');
  });
});

describe('the refund queue', () => {
  let refundNos: string[] = []; // oldest first, made in this block
  let orderNos: string[] = [];

  beforeAll(async () => {
    const token = await buyerLogin(base);
    refundNos = [];
    orderNos = [];
    for (let i = 0; i < 5; i++) {
      const o = await placePaidOrder(base, token);
      orderNos.push(o.orderNo);
      refundNos.push((await requestRefund(base, token, o.orderNo, 100 + i)).refundNo);
    }
    // one rejected, one refunded
    expect((await admin.call('POST', `/api/admin/refunds/${refundNos[1]}/reject`, { reason: 'no' })).status).toBe(200);
    expect((await admin.call('POST', `/api/admin/refunds/${refundNos[2]}/approve`)).status).toBe(200);
    await waitForRefundStatus(admin, refundNos[2], 'REFUNDED');
  });

  it('newest first, with total, page and pageSize; each item is a refund with orderTotalFen and admin actions', async () => {
    const r = await admin.call('GET', '/api/admin/refunds');
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ page: 1, pageSize: 20, total: expect.any(Number) });
    expect(r.body.total).toBeGreaterThanOrEqual(5);
    const nos = r.body.items.map((i: any) => i.refundNo);
    const ours = nos.filter((n: string) => refundNos.includes(n));
    expect(ours).toEqual([...refundNos].reverse());
    const dates = r.body.items.map((i: any) => Date.parse(i.createdAt));
    expect([...dates].sort((a, b) => b - a)).toEqual(dates);
    const requested = r.body.items.find((i: any) => i.refundNo === refundNos[0]);
    expect(requested).toMatchObject({ status: 'REQUESTED', amountFen: 100, orderNo: orderNos[0], orderTotalFen: expect.any(Number) });
    expect([...requested.actions].sort()).toEqual(['approve', 'reject']);
  });

  it('status filter: only that status, and total counts only those', async () => {
    const r = await admin.call('GET', '/api/admin/refunds?status=REJECTED');
    expect(r.status).toBe(200);
    expect(r.body.items.length).toBeGreaterThan(0);
    expect(r.body.items.every((i: any) => i.status === 'REJECTED')).toBe(true);
    expect(r.body.items.map((i: any) => i.refundNo)).toContain(refundNos[1]);
    expect(r.body.total).toBe(r.body.items.length);
    const req = await admin.call('GET', '/api/admin/refunds?status=REQUESTED&pageSize=100');
    expect(req.body.items.every((i: any) => i.status === 'REQUESTED')).toBe(true);
    expect(req.body.items.map((i: any) => i.refundNo)).toEqual(expect.arrayContaining([refundNos[0], refundNos[3], refundNos[4]]));
    expect(req.body.items.map((i: any) => i.refundNo)).not.toContain(refundNos[1]);
  });

  it('paging: pages do not overlap, together they are the list, and total stays', async () => {
    const all = await admin.call('GET', '/api/admin/refunds?pageSize=4');
    const p1 = await admin.call('GET', '/api/admin/refunds?pageSize=2&page=1');
    const p2 = await admin.call('GET', '/api/admin/refunds?pageSize=2&page=2');
    expect(p1.body).toMatchObject({ page: 1, pageSize: 2 });
    expect(p2.body).toMatchObject({ page: 2, pageSize: 2 });
    expect(p1.body.items).toHaveLength(2);
    expect(p2.body.items).toHaveLength(2);
    expect([...p1.body.items, ...p2.body.items].map((i: any) => i.refundNo)).toEqual(all.body.items.map((i: any) => i.refundNo));
    expect(p1.body.total).toBe(all.body.total);
    expect(p2.body.total).toBe(all.body.total);
    const far = await admin.call('GET', '/api/admin/refunds?page=999');
    expect(far.status).toBe(200);
    expect(far.body.items).toEqual([]);
    expect(far.body.total).toBe(all.body.total);
  });

  it('sort=oldest reverses the order', async () => {
    const r = await admin.call('GET', '/api/admin/refunds?sort=oldest&pageSize=100');
    const ours = r.body.items.map((i: any) => i.refundNo).filter((n: string) => refundNos.includes(n));
    expect(ours).toEqual(refundNos);
    const dates = r.body.items.map((i: any) => Date.parse(i.createdAt));
    expect([...dates].sort((a, b) => a - b)).toEqual(dates);
  });

  it('q finds a refund by its refund number or its order number, exact or prefix', async () => {
    const byRefund = await admin.call('GET', `/api/admin/refunds?q=${refundNos[3]}`);
    expect(byRefund.body.items.map((i: any) => i.refundNo)).toEqual([refundNos[3]]);
    expect(byRefund.body.total).toBe(1);
    const byOrder = await admin.call('GET', `/api/admin/refunds?q=${orderNos[4]}`);
    expect(byOrder.body.items.map((i: any) => i.refundNo)).toEqual([refundNos[4]]);
    const prefix = await admin.call('GET', `/api/admin/refunds?q=${refundNos[0].slice(0, -2)}&pageSize=100`);
    expect(prefix.body.items.map((i: any) => i.refundNo)).toContain(refundNos[0]);
    expect(prefix.body.items.every((i: any) => i.refundNo.startsWith(refundNos[0].slice(0, -2)) || i.orderNo.startsWith(refundNos[0].slice(0, -2)))).toBe(true);
    const none = await admin.call('GET', '/api/admin/refunds?q=NOSUCHTHING');
    expect(none.body).toMatchObject({ items: [], total: 0 });
  });

  it('q is a number prefix, not a pattern: % and _ match only themselves', async () => {
    // refund and order numbers may contain "_" (the contract's [0-9A-Za-z_-]); none of ours starts with one
    for (const q of ['%', '_', 'R%', '%25', `${refundNos[0].slice(0, 3)}_`]) {
      const r = await admin.call('GET', `/api/admin/refunds?q=${encodeURIComponent(q)}`);
      if (r.status === 400) continue; // refusing a character numbers never contain is fine too
      expect(r.status).toBe(200);
      expect(r.body.items.map((i: any) => i.refundNo), `q=${q}`).toEqual([]);
      expect(r.body.total, `q=${q}`).toBe(0);
    }
    for (const q of ['%', '_', 'M_']) {
      const r = await admin.call('GET', `/api/admin/orders?q=${encodeURIComponent(q)}`);
      if (r.status === 400) continue;
      expect(r.body.total, `orders q=${q}`).toBe(0);
    }
  });

  it('from/to (China days) include today and exclude tomorrow', async () => {
    const today = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
    const tomorrow = new Date(Date.now() + 32 * 3600_000).toISOString().slice(0, 10);
    const t = await admin.call('GET', `/api/admin/refunds?from=${today}&to=${today}&pageSize=100`);
    expect(t.body.items.map((i: any) => i.refundNo)).toEqual(expect.arrayContaining(refundNos));
    const n = await admin.call('GET', `/api/admin/refunds?from=${tomorrow}`);
    expect(n.body).toMatchObject({ items: [], total: 0 });
  });

  it('bad query values are 400 naming the parameter', async () => {
    for (const [q, field] of [
      ['status=BOGUS', 'status'],
      ['page=0', 'page'],
      ['pageSize=0', 'pageSize'],
      ['pageSize=101', 'pageSize'],
      ['sort=sideways', 'sort'],
      ['from=yesterday', 'from'],
    ]) {
      const r = await admin.call('GET', `/api/admin/refunds?${q}`);
      expectError(r, 400, 'VALIDATION_FAILED');
      expect(r.body.error.message, q).toContain(field);
    }
  });

  it('stats count refunds per status like the filtered lists do, and refundedToday counts the refunded one', async () => {
    const s = await admin.call('GET', '/api/admin/stats');
    expect(s.status).toBe(200);
    for (const st of ['REQUESTED', 'APPROVED', 'REFUNDING', 'FAILED', 'REFUNDED', 'REJECTED', 'CANCELLED']) {
      const l = await admin.call('GET', `/api/admin/refunds?status=${st}&pageSize=1`);
      expect(s.body.refunds[st], st).toBe(l.body.total);
    }
    expect(s.body.refundedToday.count).toBeGreaterThanOrEqual(1);
    expect(s.body.refundedToday.amountFen).toBeGreaterThanOrEqual(102);

    // one more refunded today moves both numbers by exactly that refund
    const token = await buyerLogin(base);
    const o = await placePaidOrder(base, token);
    const r = await requestRefund(base, token, o.orderNo, 77);
    expect((await admin.call('POST', `/api/admin/refunds/${r.refundNo}/approve`)).status).toBe(200);
    await waitForRefundStatus(admin, r.refundNo, 'REFUNDED');
    const s2 = await admin.call('GET', '/api/admin/stats');
    expect(s2.body.refundedToday.count).toBe(s.body.refundedToday.count + 1);
    expect(s2.body.refundedToday.amountFen).toBe(s.body.refundedToday.amountFen + 77);
    expect(s2.body.refunds.REFUNDED).toBe(s.body.refunds.REFUNDED + 1);
  });
});

describe('orders, as the merchant sees them', () => {
  it("lists orders newest first with the buyer's openid, filters by status, pages, and finds by number", async () => {
    const token = await buyerLogin(base, 'story-merchant-sees-openid');
    const unpaid = await placeOrder(base, token);
    const paid = await placePaidOrder(base, token);
    const all = await admin.call('GET', '/api/admin/orders?pageSize=100');
    expect(all.status).toBe(200);
    expect(all.body).toMatchObject({ page: 1, pageSize: 100, total: expect.any(Number) });
    const idx = (n: string) => all.body.items.findIndex((o: any) => o.orderNo === n);
    expect(idx(paid.orderNo)).toBeGreaterThanOrEqual(0);
    expect(idx(paid.orderNo)).toBeLessThan(idx(unpaid.orderNo));
    const seen = all.body.items[idx(paid.orderNo)];
    expect(seen.buyer.openid).toEqual(expect.any(String));
    expect(seen).toMatchObject({ status: 'PAID', totalFen: paid.totalFen, refundedFen: 0, refunds: [] });

    const unpaidOnly = await admin.call('GET', '/api/admin/orders?status=UNPAID&pageSize=100');
    expect(unpaidOnly.body.items.every((o: any) => o.status === 'UNPAID')).toBe(true);
    expect(unpaidOnly.body.items.map((o: any) => o.orderNo)).toContain(unpaid.orderNo);
    expect(unpaidOnly.body.total).toBe(unpaidOnly.body.items.length);

    const found = await admin.call('GET', `/api/admin/orders?q=${paid.orderNo}`);
    expect(found.body.items.map((o: any) => o.orderNo)).toEqual([paid.orderNo]);
    const p = await admin.call('GET', '/api/admin/orders?pageSize=1&page=2');
    expect(p.body.items).toHaveLength(1);
    expect(p.body.items[0].orderNo).toBe(all.body.items[1].orderNo);

    const one = await admin.call('GET', `/api/admin/orders/${paid.orderNo}`);
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ orderNo: paid.orderNo, status: 'PAID', buyer: { openid: seen.buyer.openid } });
    expectError(await admin.call('GET', '/api/admin/orders/MNOSUCHORDER0000'), 404, 'NOT_FOUND');
    expectError(await admin.call('GET', '/api/admin/orders?status=WHATEVER'), 400, 'VALIDATION_FAILED');
  });
});

describe('products', () => {
  it('create: 201 on sale, and buyers see it', async () => {
    const r = await admin.call('POST', '/api/admin/products', { name: '新品 挂耳咖啡', priceFen: 1990, stock: 30, description: '10 包', imageUrl: 'https://example.com/a.png' });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ id: expect.any(Number), name: '新品 挂耳咖啡', priceFen: 1990, stock: 30, onSale: true, description: '10 包', imageUrl: 'https://example.com/a.png' });
    const token = await buyerLogin(base);
    const items = (await asBuyer(base, token)('GET', '/api/mp/products')).body.items;
    expect(items.find((p: any) => p.id === r.body.id)).toMatchObject({ priceFen: 1990, stock: 30 });
  });

  it('a new price does not change orders already placed; new orders get the new price', async () => {
    const product = await createProduct(admin, { name: 'price change', priceFen: 1000, stock: 100 });
    const token = await buyerLogin(base);
    const before = await placePaidOrderOf(base, token, product.id, 2);
    expect(before.totalFen).toBe(2000);
    const p = await admin.call('PATCH', `/api/admin/products/${product.id}`, { priceFen: 1500, name: 'price change v2' });
    expect(p.status).toBe(200);
    expect(p.body).toMatchObject({ id: product.id, priceFen: 1500, name: 'price change v2', stock: 98 });
    const old = (await asBuyer(base, token)('GET', `/api/mp/orders/${before.orderNo}`)).body;
    expect(old.totalFen).toBe(2000);
    expect(old.items[0]).toMatchObject({ priceFen: 1000, quantity: 2, subtotalFen: 2000, name: 'price change' });
    const after = await placePaidOrderOf(base, token, product.id, 2);
    expect(after.totalFen).toBe(3000);
    // and a refund of the old order is bounded by what was paid then
    const r = await asBuyer(base, token)('POST', `/api/mp/orders/${before.orderNo}/refunds`, { amountFen: 2001, reason: 'x' });
    expectError(r, 422, 'REFUND_AMOUNT_EXCEEDS');
  });

  it('taken off sale: buyers no longer see or order it; the merchant still lists it', async () => {
    const product = await createProduct(admin, { name: 'off sale soon', priceFen: 100, stock: 5 });
    const p = await admin.call('PATCH', `/api/admin/products/${product.id}`, { onSale: false });
    expect(p.status).toBe(200);
    expect(p.body.onSale).toBe(false);
    const token = await buyerLogin(base);
    const b = asBuyer(base, token);
    expect((await b('GET', '/api/mp/products')).body.items.map((x: any) => x.id)).not.toContain(product.id);
    expectError(await b('POST', '/api/mp/orders', { items: [{ productId: product.id, quantity: 1 }] }), 404, 'NOT_FOUND');
    const all = (await admin.call('GET', '/api/admin/products')).body.items;
    expect(all.find((x: any) => x.id === product.id)).toMatchObject({ onSale: false, stock: 5 });
  });

  it('validation: bad prices, stock, names, URLs and an empty patch are 400 naming the field; an unknown id is 404', async () => {
    const bad: Array<[unknown, string]> = [
      [{ name: 'x', priceFen: 0, stock: 1 }, 'priceFen'],
      [{ name: 'x', priceFen: 1.5, stock: 1 }, 'priceFen'],
      [{ name: 'x', priceFen: '100', stock: 1 }, 'priceFen'],
      [{ name: 'x', priceFen: -5, stock: 1 }, 'priceFen'],
      [{ name: 'x', priceFen: 100, stock: -1 }, 'stock'],
      [{ name: 'x', priceFen: 100, stock: 0.5 }, 'stock'],
      [{ name: 'x', priceFen: 100 }, 'stock'],
      [{ name: '', priceFen: 100, stock: 1 }, 'name'],
      [{ priceFen: 100, stock: 1 }, 'name'],
      [{ name: 'x', priceFen: 100, stock: 1, imageUrl: 'not a url' }, 'imageUrl'],
    ];
    const count = (await admin.call('GET', '/api/admin/products')).body.items.length;
    for (const [body, field] of bad) {
      const r = await admin.call('POST', '/api/admin/products', body);
      expectError(r, 400, 'VALIDATION_FAILED');
      expect(r.body.error.message, JSON.stringify(body)).toContain(field);
    }
    expect((await admin.call('GET', '/api/admin/products')).body.items).toHaveLength(count);
    const product = await createProduct(admin, { name: 'patch target', priceFen: 100, stock: 1 });
    expectError(await admin.call('PATCH', `/api/admin/products/${product.id}`, {}), 400, 'VALIDATION_FAILED');
    expectError(await admin.call('PATCH', `/api/admin/products/${product.id}`, { priceFen: 0 }), 400, 'VALIDATION_FAILED');
    expectError(await admin.call('PATCH', `/api/admin/products/${product.id}`, { onSale: 'no' }), 400, 'VALIDATION_FAILED');
    expectError(await admin.call('PATCH', '/api/admin/products/99999', { stock: 3 }), 404, 'NOT_FOUND');
    const still = (await admin.call('GET', '/api/admin/products')).body.items.find((x: any) => x.id === product.id);
    expect(still).toMatchObject({ priceFen: 100, stock: 1, onSale: true });
  });
});

describe('logout', () => {
  it('204, then the same cookie is 401 everywhere', async () => {
    const s = await adminSession(base);
    const r = await s.call('POST', '/api/admin/logout');
    expect(r.status).toBe(204);
    const cleared = r.headers.get('set-cookie') ?? '';
    expect(cleared).toMatch(/wxmall_admin=;|Expires=Thu, 01 Jan 1970/i);
    expectError(await s.call('GET', '/api/admin/me'), 401, 'UNAUTHENTICATED');
    expectError(await s.call('GET', '/api/admin/refunds'), 401, 'UNAUTHENTICATED');
    // other sessions live on
    expect((await admin.call('GET', '/api/admin/me')).status).toBe(200);
  });
});

describe('login throttling (runs last: it locks the merchant out for a while)', () => {
  it('after 5 failures for a name, the 6th attempt is 429 RATE_LIMITED, even with the right password', async () => {
    for (let i = 0; i < 5; i++) {
      expectError(await login({ username: TEST_ADMIN.username, password: `wrong-${i}` }), 401, 'UNAUTHENTICATED');
    }
    const r = await login(TEST_ADMIN);
    expectError(r, 429, 'RATE_LIMITED');
    expect(r.headers.get('set-cookie')).toBeNull();
    expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0);
    // a session made before keeps working
    expect((await admin.call('GET', '/api/admin/me')).status).toBe(200);
  });

  it('the count is per name: a throttled unknown name does not lock out another name', async () => {
    for (let i = 0; i < 5; i++) expect((await login({ username: 'story-ghost', password: 'x' })).status).toBe(401);
    expectError(await login({ username: 'story-ghost', password: 'x' }), 429, 'RATE_LIMITED');
    expectError(await login({ username: 'story-other-ghost', password: 'x' }), 401, 'UNAUTHENTICATED');
  });
});
