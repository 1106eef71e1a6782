// Security review as tests (issue 6): rate limits and the cookie behind HTTPS, on a server started with
// BUYER_RATE_LIMIT_PER_MIN=5 and an https PUBLIC_BASE_URL. The buyer API answers 429 RATE_LIMITED (with the
// error shape and Retry-After) past the limit, per buyer; merchant logins lock after repeated failures
// per account and per address — even the right password is refused then — without saying which it was.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { http, type HttpAnswer } from '../helpers/api.ts';
import { TEST_ADMIN, startServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;
let base: string;

beforeAll(async () => {
  server = await startServer({ env: { BUYER_RATE_LIMIT_PER_MIN: '5', PUBLIC_BASE_URL: 'https://mall.example.com' } });
  base = server.baseUrl;
});

afterAll(async () => {
  await server?.stop();
});

function expectRateLimited(r: HttpAnswer, what: string) {
  expect(r.status, `${what}: ${JSON.stringify(r.body)}`).toBe(429);
  expect(Object.keys(r.body), what).toEqual(['error']);
  expect(r.body.error.code, what).toBe('RATE_LIMITED');
  expect(typeof r.body.error.message).toBe('string');
  expect(r.body.error.message).not.toMatch(/at \/|\.ts:\d/);
  expect(Number(r.headers.get('retry-after')), `${what}: Retry-After`).toBeGreaterThan(0);
}

const login = (username: string, password: string) => http('POST', `${base}/api/admin/login`, { body: { username, password } });

describe('behind https (PUBLIC_BASE_URL)', () => {
  it('the session cookie is also Secure', async () => {
    const r = await login(TEST_ADMIN.username, TEST_ADMIN.password);
    expect(r.status).toBe(200);
    const c = r.headers.getSetCookie()[0] ?? '';
    const attrs = c.split(';').slice(1).map((a) => a.trim().toLowerCase());
    expect(attrs).toEqual(expect.arrayContaining(['secure', 'httponly', 'samesite=strict', 'path=/']));
  });
});

describe('buyer endpoint rate limit (BUYER_RATE_LIMIT_PER_MIN=5)', () => {
  it('the 6th call in a minute is 429 RATE_LIMITED; another buyer is not held back', async () => {
    // logins are counted per address (2 here); each buyer's calls per buyer
    const tokens: string[] = [];
    for (const code of ['limit-a', 'limit-b']) {
      const r = await http('POST', `${base}/api/mp/login`, { body: { code } });
      expect(r.status).toBe(200);
      tokens.push(r.body.token);
    }
    const asA = (p: string) => http('GET', `${base}${p}`, { headers: { authorization: `Bearer ${tokens[0]}` } });
    for (let i = 0; i < 5; i++) {
      const r = await asA(i % 2 ? '/api/mp/orders' : '/api/mp/products');
      expect(r.status, `call ${i + 1}`).toBe(200);
      expect(r.headers.get('ratelimit') ?? '').toMatch(/limit=5/);
    }
    expectRateLimited(await asA('/api/mp/products'), 'call 6');
    expectRateLimited(await http('POST', `${base}/api/mp/orders`, { body: { items: [] }, headers: { authorization: `Bearer ${tokens[0]}` } }), 'call 7 (a POST)');
    // buyer B has a budget of its own
    const b = await http('GET', `${base}/api/mp/products`, { headers: { authorization: `Bearer ${tokens[1]}` } });
    expect(b.status).toBe(200);
    // the limit is not a way around authentication: a made-up token counts against the address, and is 401 first
    const bogus = await http('GET', `${base}/api/mp/products`, { headers: { authorization: 'Bearer made-up' } });
    expect([401, 429]).toContain(bogus.status);
    // the admin API and the health check are not affected
    expect((await http('GET', `${base}/healthz`)).status).toBe(200);
  });
});

describe('merchant login throttling', () => {
  it('after 5 failures for one account even the right password is 429; the answer does not reveal why', async () => {
    const answers: number[] = [];
    for (let i = 0; i < 5; i++) answers.push((await login(TEST_ADMIN.username, `wrong-${i}`)).status);
    expect(answers).toEqual([401, 401, 401, 401, 401]);
    const locked = await login(TEST_ADMIN.username, TEST_ADMIN.password);
    expectRateLimited(locked, 'right password after 5 failures');
    expect(locked.headers.getSetCookie()).toEqual([]);
    // an unknown account fails the same way as a wrong password (no user enumeration)
    const unknown = await login('nobody-here', 'whatever-password');
    const wrong = await login('someone-else', 'another-password');
    expect(unknown.status).toBe(401);
    expect(unknown.body).toEqual(wrong.body);
  });

  it('after 20 failures from one address, every account is locked out from it; 429 without a session', async () => {
    // 7 failures so far from this address (5 + 2 above); 13 more with other names reach 20
    for (let i = 0; i < 13; i++) expect((await login(`spray-${i}`, 'Password1!')).status, `failure ${i + 8}`).toBe(401);
    expectRateLimited(await login('fresh-name', 'Password1!'), 'a fresh account name from the same address');
    // more attempts keep being refused, quickly, and the server stays healthy
    const t = performance.now();
    for (let i = 0; i < 10; i++) expect((await login(`spray-x${i}`, 'p')).status).toBe(429);
    expect(performance.now() - t).toBeLessThan(5000);
    expect((await http('GET', `${base}/healthz`)).status).toBe(200);
  });
});
