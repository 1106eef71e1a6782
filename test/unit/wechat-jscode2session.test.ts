// jscode2session over real HTTPS against a local double: openid out, errcodes mapped, secrets never leaked.
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WechatLoginError, createCode2Session, type Code2Session } from '../../server/wechat/jscode2session.ts';
import { issue, makeCa, type TestCa } from '../fixtures/wechatpay/pki.ts';

const SECRET = 'app-secret-never-shown-0123456789';
let ca: TestCa;
let server: https.Server;
let apiBase: string;
let answer: (url: URL, res: import('node:http').ServerResponse) => void;
const seen: URL[] = [];

beforeAll(async () => {
  ca = makeCa('jscode2session test CA');
  const leaf = issue(ca, { commonName: '127.0.0.1', server: true });
  server = https.createServer({ key: leaf.keyPem, cert: leaf.certPem }, (req, res) => {
    const url = new URL(req.url ?? '/', 'https://x');
    seen.push(url);
    answer(url, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  apiBase = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const login = (over: { timeoutMs?: number; ca?: string } = {}): Code2Session =>
  createCode2Session({ apiBase, appid: 'wxapp', secret: SECRET, ca: ca.certPem, ...over });
const json = (body: unknown) => (_u: URL, res: import('node:http').ServerResponse) =>
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));

async function loginError(p: Promise<unknown>): Promise<WechatLoginError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(WechatLoginError);
    const e = err as WechatLoginError;
    expect(e.message).not.toContain(SECRET);
    return e;
  }
  throw new Error('expected a WechatLoginError');
}

describe('code2Session', () => {
  it('sends appid, secret, js_code, grant_type and returns openid/unionid without session_key', async () => {
    answer = json({ openid: 'oUser1', session_key: 'SESSIONKEY==', unionid: 'uUnion1' });
    const r = await login()('code-123');
    expect(r).toEqual({ openid: 'oUser1', unionid: 'uUnion1' });
    const u = seen.at(-1)!;
    expect(u.pathname).toBe('/sns/jscode2session');
    expect(Object.fromEntries(u.searchParams)).toEqual({
      appid: 'wxapp',
      secret: SECRET,
      js_code: 'code-123',
      grant_type: 'authorization_code',
    });
    expect(JSON.stringify(r)).not.toContain('SESSIONKEY');
  });
  it('unionid is null when not bound', async () => {
    answer = json({ openid: 'oUser2', session_key: 'k' });
    expect(await login()('c')).toEqual({ openid: 'oUser2', unionid: null });
  });
  it.each([
    [40029, 'INVALID_CODE'],
    [40163, 'INVALID_CODE'],
    [45011, 'RATE_LIMITED'],
    [40226, 'BLOCKED'],
    [40013, 'CONFIG'],
    [40125, 'CONFIG'],
    [-1, 'UNAVAILABLE'],
    [99999, 'UNAVAILABLE'],
  ])('errcode %i → %s', async (errcode, code) => {
    answer = json({ errcode, errmsg: `err ${errcode}, rid: 1` });
    const e = await loginError(login()('c'));
    expect(e.code).toBe(code);
    expect(e.errcode).toBe(errcode);
  });
  it('HTTP 500, non-JSON, no openid, timeout and an untrusted server are UNAVAILABLE', async () => {
    answer = (_u, res) => res.writeHead(500).end('oops');
    expect((await loginError(login()('c'))).code).toBe('UNAVAILABLE');
    answer = (_u, res) => res.end('<html>');
    expect((await loginError(login()('c'))).code).toBe('UNAVAILABLE');
    answer = json({ errcode: 0, errmsg: 'ok' });
    expect((await loginError(login()('c'))).code).toBe('UNAVAILABLE');
    answer = () => {};
    expect((await loginError(login({ timeoutMs: 200 })('c'))).code).toBe('UNAVAILABLE');
    answer = json({ openid: 'o' });
    const e = await loginError(createCode2Session({ apiBase, appid: 'wxapp', secret: SECRET })('c'));
    expect(e.code).toBe('UNAVAILABLE');
    expect(e.message).toMatch(/certificate/);
  });
  it('an empty or malformed code never reaches WeChat', async () => {
    const before = seen.length;
    expect((await loginError(login()(''))).code).toBe('INVALID_CODE');
    expect((await loginError(login()('a b'))).code).toBe('INVALID_CODE');
    expect(seen.length).toBe(before);
  });
  it('refuses a non-https apiBase', () => {
    expect(() => createCode2Session({ apiBase: 'http://127.0.0.1', appid: 'a', secret: 's' })).toThrow(/https/);
  });
});
