// The same server in WXPAY_MODE=live, configured like a real merchant (appid, secret, mch_id, API key, the
// .p12 with the merchant id as passphrase, HMAC-SHA256; or APIv3 in either key mode), against a standalone
// sandbox standing in for api.mch.weixin.qq.com and api.weixin.qq.com, trusted only through
// NODE_EXTRA_CA_CERTS: the whole flow works.
import https from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../server/sandbox/start.ts';
import { adminSession, asBuyer, buyerLogin, placeOrder, requestRefund, waitFor } from '../helpers/api.ts';
import { newDataDir, startServer, type TestServer } from '../helpers/server.ts';

let sandbox: Sandbox;
let liveEnv: Record<string, string>;

function sandboxPay(outTradeNo: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = https.request(new URL('/sandbox/pay', sandbox.baseUrl), { method: 'POST', ca: sandbox.caPem, headers: { 'content-type': 'application/json' } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(JSON.stringify({ out_trade_no: outTradeNo }));
  });
}

/** A live APIv3 merchant: no APIv2 key; the caller adds the signing key (and WeChat Pay's public key). */
function v3Env(): Record<string, string> {
  const { WXPAY_API_KEY: _v2, WXPAY_CERT_P12_PATH: _p12, WXPAY_SIGN_TYPE: _s, ...rest } = liveEnv;
  return { ...rest, WXPAY_API_VERSION: 'v3', WXPAY_API_V3_KEY: sandbox.merchant.apiV3Key };
}

function sandboxControl(p: string, body: unknown = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = https.request(new URL(p, sandbox.baseUrl), { method: 'POST', ca: sandbox.caPem, headers: { 'content-type': 'application/json' } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

/** A real merchant's day: a product, a buyer who pays in WeChat's cashier, a refund approved and refunded. */
async function buyPayAndRefund(server: TestServer, paySigning: { signType: string; paySign: unknown }) {
  const admin = await adminSession(server.baseUrl);
  expect((await admin.call('POST', '/api/admin/products', { name: '正式商品', priceFen: 1999, stock: 5 })).status).toBe(201); // live: no demo catalogue
  const token = await buyerLogin(server.baseUrl, `live-buyer-${Math.random()}`);
  const b = asBuyer(server.baseUrl, token);
  const order = await placeOrder(server.baseUrl, token);
  const pay = await b('POST', `/api/mp/orders/${order.orderNo}/pay`);
  expect(pay.status).toBe(200);
  expect(pay.body).toEqual({
    timeStamp: expect.stringMatching(/^\d+$/),
    nonceStr: expect.any(String),
    package: expect.stringMatching(/^prepay_id=wx/),
    ...paySigning,
  });
  expect((await b('POST', `/api/mp/orders/${order.orderNo}/sandbox-pay`)).status).toBe(404); // no simulated cashier live

  expect(await sandboxPay(order.orderNo)).toBe(200); // the buyer pays in WeChat's cashier
  await waitFor(async () => (await b('GET', `/api/mp/orders/${order.orderNo}`)).body.status === 'PAID');
  const refund = await requestRefund(server.baseUrl, token, order.orderNo, 500);
  expect((await admin.call('POST', `/api/admin/refunds/${refund.refundNo}/approve`)).status).toBe(200);
  const done = await waitFor(async () => {
    const r = await b('GET', `/api/mp/refunds/${refund.refundNo}`);
    return r.body.status === 'REFUNDED' && r.body;
  });
  expect(done.amountFen).toBe(500);
  const detail = (await admin.call('GET', `/api/admin/refunds/${refund.refundNo}`)).body;
  expect(detail.events.at(-1)).toMatchObject({ to: 'REFUNDED', actor: 'wechat:notify' });
  return detail;
}

beforeAll(async () => {
  sandbox = await startSandbox({ dataDir: newDataDir(), settleDelayMs: 200, notifyRetryScale: 0.001, latencyMs: { min: 0, max: 0 } });
  const m = sandbox.merchant;
  liveEnv = {
    WECHAT_APPID: m.appid,
    WECHAT_APP_SECRET: m.appSecret,
    WXPAY_MCH_ID: m.mchId, // sets live mode
    WXPAY_API_KEY: m.apiKey,
    WXPAY_CERT_P12_PATH: m.p12Path, // passphrase defaults to the merchant id, as WeChat issues it
    WXPAY_SIGN_TYPE: 'HMAC-SHA256',
    WXPAY_API_BASE: sandbox.baseUrl,
    WECHAT_API_BASE: sandbox.baseUrl,
    NODE_EXTRA_CA_CERTS: sandbox.caPath, // the standard Node way to trust a private CA; no switch turns TLS off
  };
});

afterAll(async () => {
  await sandbox?.close();
});

describe('live mode', () => {
  let server: TestServer;
  afterAll(async () => {
    await server?.stop();
  });

  it('speaks WeChat Pay v2 end to end: login, unified order, pay notification, mTLS refund, encrypted notification', async () => {
    server = await startServer({ env: liveEnv });
    expect(server.logs()).toContain('"mode":"live"');
    const detail = await buyPayAndRefund(server, { signType: 'HMAC-SHA256', paySign: expect.stringMatching(/^[0-9A-F]{64}$/) });
    expect(detail.wechatCalls.map((c: { endpoint: string }) => c.endpoint)).toContain('/secapi/pay/refund');
    await server.stop();
  });

  it('speaks APIv3 with only the APIv3 key, the PEM pair and WeChat Pay’s public key (no APIv2 key)', async () => {
    const m = sandbox.merchant;
    server = await startServer({ env: { ...v3Env(), WXPAY_CERT_PEM_PATH: m.certPemPath, WXPAY_KEY_PEM_PATH: m.keyPemPath, WXPAY_PUBLIC_KEY_PATH: m.publicKeyPemPath, WXPAY_PUBLIC_KEY_ID: m.publicKeyId } });
    expect(server.logs()).toContain('"apiVersion":"v3"');
    const detail = await buyPayAndRefund(server, { signType: 'RSA', paySign: expect.stringMatching(/^[A-Za-z0-9+/]+=*$/) });
    expect(detail.wechatCalls.map((c: { endpoint: string }) => c.endpoint)).toContain('POST /v3/refund/domestic/refunds');
    await server.stop();
  });

  it('speaks APIv3 in platform-certificate mode from apiclient_key.pem and its serial, through a certificate rotation', async () => {
    const m = sandbox.merchant;
    server = await startServer({ env: { ...v3Env(), WXPAY_KEY_PEM_PATH: m.keyPemPath, WXPAY_CERT_SERIAL_NO: m.certSerialNo } });
    await waitFor(async () => server.logs().includes('platform certificates loaded'));
    // WeChat starts signing with a new certificate: the mall fetches it on sight (at most one download per
    // 10 s, so the first answers right after the start's download are refused as unverifiable) and goes on
    expect(await sandboxControl('/sandbox/v3/rotate-certificate')).toBe(200);
    await new Promise((r) => setTimeout(r, 10_000));
    const detail = await buyPayAndRefund(server, { signType: 'RSA', paySign: expect.any(String) });
    expect(detail.wechatCalls.map((c: { endpoint: string }) => c.endpoint)).toContain('POST /v3/refund/domestic/refunds');
    expect(server.logs().match(/downloading WeChat Pay platform certificates/g)!.length).toBeGreaterThanOrEqual(2);
    await server.stop();
  });

  it('refuses to start on APIv3 without the APIv3 key, naming it', async () => {
    const partial: Record<string, string> = { ...v3Env(), WXPAY_KEY_PEM_PATH: sandbox.merchant.keyPemPath, WXPAY_CERT_SERIAL_NO: sandbox.merchant.certSerialNo };
    delete partial.WXPAY_API_V3_KEY;
    const err = await startServer({ env: partial }).then(
      () => null,
      (e: Error) => e.message,
    );
    expect(err).toMatch(/exited with 1/);
    expect(err).toContain('WXPAY_API_V3_KEY');
  });

  it('refuses to start with a credential missing, naming what is missing', async () => {
    const { WXPAY_API_KEY: _k, WXPAY_CERT_P12_PATH: _p, ...partial } = liveEnv;
    const err = await startServer({ env: partial }).then(
      () => null,
      (e: Error) => e.message,
    );
    expect(err).toMatch(/exited with 1/);
    expect(err).toContain('WXPAY_API_KEY');
    expect(err).toContain('WXPAY_CERT_P12_PATH');
  });

  it('says plainly when the certificate passphrase is wrong, without printing it', async () => {
    const err = await startServer({ env: { ...liveEnv, WXPAY_CERT_PASSPHRASE: 'not-the-passphrase-42' } }).then(
      () => null,
      (e: Error) => e.message,
    );
    expect(err).toMatch(/exited with 1/);
    expect(err).toMatch(/passphrase/i);
    expect(err).not.toContain('not-the-passphrase-42');
  });
});
