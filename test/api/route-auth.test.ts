// A route's declared auth is what protects it (server/http/route.ts). The route list comes from the live
// server's own /api/openapi.json, whose `security` is that same declaration: every `buyer` and `admin` route
// refuses a caller without credentials, or with the other kind's, with 401 UNAUTHENTICATED; the routes
// declared public are exactly the known few. Forged sessions and CSRF are in security-http.test.ts.
import express, { Router, type RequestHandler } from 'express';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Api } from '../../server/http/route.ts';
import { adminSession, buyerLogin, http, type AdminSession, type HttpAnswer } from '../helpers/api.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

type Kind = 'buyer' | 'admin' | 'none';
interface Route {
  method: string;
  path: string; // with its parameters filled in
  declared: string; // as in the document, e.g. POST /api/mp/orders/{orderNo}/pay
  kind: Kind;
}

/** Public on purpose: the two logins, and WeChat's callbacks (they verify their own signature). */
const PUBLIC = [
  'POST /api/mp/login',
  'POST /api/admin/login',
  'POST /api/wxpay/notify/pay',
  'POST /api/wxpay/notify/refund',
  'POST /api/wxpay/v3/notify/pay',
  'POST /api/wxpay/v3/notify/refund',
  // the mini-program's settings (reasons, subscribe templates) before login; an upload's URL is its key
  'GET /api/mp/config',
  'GET /api/uploads/{id}',
];

describe('Api: the declared auth picks the guard', () => {
  const noop = async () => undefined;
  const pass: RequestHandler = (_req, _res, next) => next();

  it('a spec whose auth has no guard throws at declaration, and is not listed', () => {
    const api = new Api({ buyer: pass });
    const r = Router();
    expect(() => api.route(r, { method: 'get', path: '/x', tag: 't', summary: 's', auth: 'admin' }, noop)).toThrow(/GET \/x declares auth 'admin'/);
    expect(() => api.route(r, { method: 'post', path: '/y', tag: 't', summary: 's', auth: 'wechat' }, noop)).toThrow(/POST \/y declares auth 'wechat'/);
    expect(() => new Api({}).route(r, { method: 'get', path: '/z', tag: 't', summary: 's', auth: 'buyer' }, noop)).toThrow(/auth 'buyer'/);
    // document() is for routes that check their caller themselves, never a way around a guard
    expect(() => api.document({ method: 'get', path: '/d', tag: 't', summary: 's', auth: 'buyer' } as never)).toThrow(/only auth 'wechat'/);
    expect(api.specs).toHaveLength(0);
    api.route(r, { method: 'get', path: '/ok', tag: 't', summary: 's', auth: 'buyer' }, noop);
    api.route(r, { method: 'get', path: '/open', tag: 't', summary: 's', auth: 'none' }, noop);
    expect(api.specs.map((s) => s.path)).toEqual(['/ok', '/open']);
  });

  it('the guard runs before the spec’s own middleware and the handler', async () => {
    const calls: string[] = [];
    const deny: RequestHandler = (req, res, next) => {
      calls.push('guard');
      if (req.get('x-ok') !== '1') return void res.status(401).end();
      req.admin = { sessionId: 1, adminId: 1, username: 'u', role: 'OWNER', csrfToken: 'c' };
      next();
    };
    const api = new Api({ admin: deny });
    const r = Router();
    const mw: RequestHandler = (_req, _res, next) => {
      calls.push('middleware');
      next();
    };
    api.route(r, { method: 'get', path: '/g', tag: 't', summary: 's', auth: 'admin', middleware: [mw] }, async () => {
      calls.push('handler');
      return { ok: true };
    });
    const app = express().use(r);
    const listener = app.listen(0, '127.0.0.1');
    await new Promise<void>((resolve) => listener.once('listening', () => resolve()));
    try {
      const url = `http://127.0.0.1:${(listener.address() as AddressInfo).port}/g`;
      expect((await fetch(url)).status).toBe(401);
      expect(calls).toEqual(['guard']);
      calls.length = 0;
      expect((await fetch(url, { headers: { 'x-ok': '1' } })).status).toBe(200);
      expect(calls).toEqual(['guard', 'middleware', 'handler']);
    } finally {
      await new Promise((resolve) => listener.close(resolve));
    }
  });
});

describe('every route declared buyer or admin refuses a caller without its credential', () => {
  let server: TestServer;
  let base: string;
  let buyerToken: string;
  let admin: AdminSession;
  let routes: Route[];
  const of = (kind: Kind) => routes.filter((r) => r.kind === kind);

  beforeAll(async () => {
    server = await startServer();
    base = server.baseUrl;
    buyerToken = await buyerLogin(base);
    admin = await adminSession(base);
    const doc = (await http('GET', `${base}/api/openapi.json`)).body as {
      paths: Record<string, Record<string, { security?: Array<Record<string, unknown>> }>>;
    };
    routes = Object.entries(doc.paths).flatMap(([p, ops]) =>
      Object.entries(ops).map(([method, op]) => {
        const schemes = (op.security ?? []).flatMap((s) => Object.keys(s));
        const kind: Kind = schemes.includes('adminSession') ? 'admin' : schemes.includes('buyerToken') ? 'buyer' : 'none';
        // any parameter will do: the guard answers before the route reads it
        return { method: method.toUpperCase(), path: p.replace(/\{[^}]+\}/g, '1'), declared: `${method.toUpperCase()} ${p}`, kind };
      }),
    );
  });

  afterAll(async () => {
    await server?.stop();
  });

  function call(r: Route, headers: Record<string, string>): Promise<HttpAnswer> {
    return http(r.method, `${base}${r.path}`, { headers, body: r.method === 'GET' ? undefined : {} });
  }

  function expectUnauthenticated(a: HttpAnswer, what: string) {
    expect(a.status, `${what} → ${a.status} ${JSON.stringify(a.body).slice(0, 200)}`).toBe(401);
    expect(a.body, what).toEqual({ error: { code: 'UNAUTHENTICATED', message: expect.any(String) } });
    expect(a.body.error.message.length, what).toBeGreaterThan(0);
  }

  it('the document declares every /api/mp and /api/admin route protected, except the known public ones', () => {
    expect(of('none').map((r) => r.declared).sort()).toEqual([...PUBLIC].sort());
    for (const r of of('buyer')) expect(r.declared, r.declared).toMatch(/^\w+ \/api\/mp\//);
    for (const r of of('admin')) expect(r.declared, r.declared).toMatch(/^\w+ \/api\/admin\//);
    expect(of('buyer').length).toBeGreaterThanOrEqual(5);
    expect(of('admin').length).toBeGreaterThanOrEqual(5);
  });

  it('no credentials: 401 UNAUTHENTICATED on every buyer and admin route', async () => {
    const checked = [...of('buyer'), ...of('admin')];
    expect(checked.length).toBeGreaterThan(10);
    for (const r of checked) expectUnauthenticated(await call(r, {}), `${r.declared} without credentials`);
  });

  it('the other kind’s credential counts for nothing: a buyer token on admin routes, a session on buyer routes', async () => {
    expect(of('admin').length).toBeGreaterThan(10);
    for (const r of of('admin')) {
      expectUnauthenticated(await call(r, { authorization: `Bearer ${buyerToken}`, 'x-csrf-token': admin.csrfToken }), `${r.declared} with a buyer token`);
    }
    for (const r of of('buyer')) {
      expectUnauthenticated(await call(r, { cookie: admin.cookie, 'x-csrf-token': admin.csrfToken }), `${r.declared} with a merchant session`);
    }
  });

  it('the right credential passes the guard (reads answer, not 401)', async () => {
    const reads = routes.filter((r) => r.method === 'GET' && r.kind !== 'none');
    expect(reads.length).toBeGreaterThanOrEqual(8);
    for (const r of reads) {
      const a = await call(r, r.kind === 'admin' ? { cookie: admin.cookie } : { authorization: `Bearer ${buyerToken}` });
      expect([200, 404], `${r.declared} → ${a.status} ${JSON.stringify(a.body).slice(0, 200)}`).toContain(a.status);
    }
  });
});
