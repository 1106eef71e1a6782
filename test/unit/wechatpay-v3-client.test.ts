// The APIv3 transport and client over real HTTPS against a local WeChat double that checks our request signature and signs its answers like WeChat.
import { X509Certificate, createPrivateKey, createPublicKey, verify as rsaVerify, type KeyObject } from 'node:crypto';
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { issueServerCert, makeCa, newKeyPair, type KeyPair } from '../../server/sandbox/pki.ts';
import { CertificatesFetchError, certificatesFetcher } from '../../server/wechatpay-v3/certificate-fetch.ts';
import { PlatformCertificateStore, certificatesAnswerBody } from '../../server/wechatpay-v3/certificates.ts';
import { createV3Client, type V3Client, type V3Failure } from '../../server/wechatpay-v3/client.ts';
import { merchantSigner, parseAuthorization, requestMessage, type AuthorizationFields } from '../../server/wechatpay-v3/sign.ts';
import { createV3Transport, type V3Transport, type V3TransportConfig } from '../../server/wechatpay-v3/transport.ts';
import { publicKeyMode, wechatpaySignatureHeaders, type WechatpayKeys } from '../../server/wechatpay-v3/verify.ts';

const APPID = 'wxd930ea5d5a258f4f';
const MCH_ID = '1900000109';
const MERCHANT_SERIAL = '4CDAC54D2747471713135007';
const PUB_KEY_ID = 'PUB_KEY_ID_0119000001092024010100000000000';
const API_V3_KEY = '0123456789abcdefghijklmnopqrstuv';
const MIN = 60_000;
const DAY = 24 * 60 * MIN;

type Seen = {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
  auth: AuthorizationFields | null;
  /** Our Authorization header verified over METHOD, path+query, timestamp, nonce and the exact body bytes. */
  signatureOk: boolean;
};
type Handler = (seen: Seen, res: ServerResponse) => void;

let tlsCa: string;
let merchant: KeyPair;
let merchantPublic: KeyObject;
let wechat: KeyPair;
let keys: WechatpayKeys;
let server: https.Server;
let baseUrl: string;
let handler: Handler;
const seen: Seen[] = [];
const closers: Array<{ close(): void }> = [];

/** WeChat's signed answer; `sign` lets a test sign other bytes, with another key or serial, or at another time. */
function answer(
  res: ServerResponse,
  status: number,
  body: unknown,
  sign: { key?: string; serial?: string; at?: Date; bytes?: string } | false = {},
): void {
  const text = body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body);
  const headers: Record<string, string> = text ? { 'content-type': 'application/json' } : {};
  if (sign !== false) {
    const privateKey = createPrivateKey(sign.key ?? wechat.keyPem);
    Object.assign(headers, wechatpaySignatureHeaders(privateKey, sign.serial ?? PUB_KEY_ID, sign.bytes ?? text, { now: sign.at }));
  }
  res.writeHead(status, headers).end(text);
}

/** An error answer as WeChat gives it: JSON {code, message}, not signed here (the client must not need it). */
function refuse(res: ServerResponse, status: number, code: string, message = code): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ code, message }));
}

function refundObject(over: Record<string, unknown> = {}, amount: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    refund_id: '50000000382019052709732678859',
    out_refund_no: 'RF20240101001',
    transaction_id: '1217752501201407033233368018',
    out_trade_no: 'ORDER20240101001',
    channel: 'ORIGINAL',
    user_received_account: '招商银行信用卡0403',
    create_time: '2024-01-01T10:34:56+08:00',
    status: 'PROCESSING',
    funds_account: 'AVAILABLE',
    amount: { total: 1000, refund: 300, payer_total: 1000, payer_refund: 300, settlement_refund: 300, settlement_total: 1000, discount_refund: 0, currency: 'CNY', ...amount },
    ...over,
  };
}

function transport(over: Partial<V3TransportConfig> = {}): V3Transport {
  const t = createV3Transport({
    mchId: MCH_ID,
    signer: merchantSigner(MCH_ID, MERCHANT_SERIAL, merchant.keyPem),
    baseUrl,
    ca: tlsCa,
    timeoutMs: 2000,
    publicKeyId: PUB_KEY_ID,
    ...over,
  });
  closers.push(t);
  return t;
}

function client(opts: { transport?: Partial<V3TransportConfig>; keys?: WechatpayKeys; t?: V3Transport } = {}): V3Client {
  return createV3Client({ appid: APPID, mchId: MCH_ID, transport: opts.t ?? transport(opts.transport), keys: opts.keys ?? keys });
}

const refundInput = {
  outTradeNo: 'ORDER20240101001',
  outRefundNo: 'RF20240101001',
  totalFee: 1000,
  refundFee: 300,
  reason: '商品退货👍',
  notifyUrl: 'https://mall.example.com/api/wxpay/v3/notify/refund',
};

function failure(outcome: unknown): V3Failure {
  expect(outcome).toMatchObject({ kind: expect.stringMatching(/^(retryable|final)$/) });
  return outcome as V3Failure;
}

beforeAll(async () => {
  const caPair = newKeyPair();
  tlsCa = makeCa(caPair);
  const leafPair = newKeyPair();
  const leaf = issueServerCert({ certPem: tlsCa, keyPem: caPair.keyPem }, leafPair, ['127.0.0.1']);
  merchant = newKeyPair();
  merchantPublic = createPublicKey(merchant.publicPem);
  wechat = newKeyPair();
  keys = publicKeyMode(PUB_KEY_ID, wechat.publicPem);

  server = https.createServer({ key: leafPair.keyPem, cert: leaf }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const auth = parseAuthorization(String(req.headers.authorization ?? ''));
      let signatureOk = false;
      if (auth && auth.mchid === MCH_ID && auth.serial_no === MERCHANT_SERIAL) {
        const message = requestMessage(req.method ?? '', req.url ?? '', auth.timestamp, auth.nonce_str, body);
        signatureOk = rsaVerify('sha256', Buffer.from(message, 'utf8'), merchantPublic, Buffer.from(auth.signature, 'base64'));
      }
      const s: Seen = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body, auth, signatureOk };
      seen.push(s);
      // Like WeChat: a request whose signature does not hold gets 401 SIGN_ERROR, whatever the handler would say.
      if (!signatureOk) return refuse(res, 401, 'SIGN_ERROR', 'signature does not verify');
      handler(s, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const c of closers) c.close();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  seen.length = 0;
  handler = (_s, res) => refuse(res, 500, 'SYSTEM_ERROR', 'no handler set');
});

afterEach(() => {
  for (const c of closers.splice(0)) c.close();
});

describe('refund', () => {
  it('signs the exact bytes it sends, and an accepted, verified answer gives refund_id and status', async () => {
    handler = (s, res) => answer(res, 200, refundObject());
    const r = await client().refund(refundInput);
    expect(r.outcome).toEqual({ kind: 'accepted', refundId: '50000000382019052709732678859', status: 'PROCESSING' });

    expect(seen).toHaveLength(1);
    const s = seen[0];
    expect(s.signatureOk).toBe(true);
    expect(s.method).toBe('POST');
    expect(s.url).toBe('/v3/refund/domestic/refunds');
    expect(s.auth).toMatchObject({ mchid: MCH_ID, serial_no: MERCHANT_SERIAL, nonce_str: expect.stringMatching(/^[0-9A-F]{32}$/) });
    expect(Math.abs(Number(s.auth!.timestamp) - Date.now() / 1000)).toBeLessThan(10);
    expect(s.headers.accept).toBe('application/json');
    expect(s.headers['content-type']).toBe('application/json');
    expect(s.headers['user-agent']).toMatch(/\S/);
    expect(s.headers['wechatpay-serial']).toBe(PUB_KEY_ID);
    // The documented field order, the emoji dropped from reason, and currency CNY.
    expect(s.body).toBe(
      JSON.stringify({
        out_trade_no: 'ORDER20240101001',
        out_refund_no: 'RF20240101001',
        reason: '商品退货',
        notify_url: refundInput.notifyUrl,
        amount: { refund: 300, total: 1000, currency: 'CNY' },
      }),
    );

    expect(r.call).toMatchObject({
      endpoint: 'POST /v3/refund/domestic/refunds',
      request: JSON.parse(s.body),
      response: refundObject(),
      httpStatus: 200,
      error: null,
      code: null,
      message: null,
    });
    expect(r.call.durationMs).toBeGreaterThanOrEqual(0);
    const stored = JSON.stringify(r.call);
    expect(stored).not.toContain('WECHATPAY2');
    expect(stored).not.toContain(s.auth!.signature);
    expect(stored).not.toContain('PRIVATE KEY');
  });

  it('cuts reason to 80 UTF-8 bytes without splitting a character, and leaves out an empty one', async () => {
    handler = (_s, res) => answer(res, 200, refundObject());
    const c = client();
    await c.refund({ ...refundInput, reason: 'é'.repeat(30) + '退'.repeat(10) }); // 60 + 30 bytes
    expect(JSON.parse(seen[0].body).reason).toBe('é'.repeat(30) + '退'.repeat(6)); // 60 + 18 = 78 ≤ 80 < 81
    await c.refund({ ...refundInput, reason: '👍' });
    expect(JSON.parse(seen[1].body)).not.toHaveProperty('reason');
    await c.refund({ ...refundInput, reason: undefined });
    expect(JSON.parse(seen[2].body)).not.toHaveProperty('reason');
  });

  it('refuses amounts that are not positive whole fen before anything is sent', async () => {
    const c = client();
    for (const bad of [0, -1, 1.5, Number.NaN, Number.MAX_SAFE_INTEGER + 1]) {
      await expect(c.refund({ ...refundInput, refundFee: bad })).rejects.toThrow(TypeError);
      await expect(c.refund({ ...refundInput, totalFee: bad })).rejects.toThrow(TypeError);
    }
    await expect(c.refund({ ...refundInput, refundFee: 1001 })).rejects.toThrow(TypeError);
    expect(seen).toHaveLength(0);
  });

  it('without a public key id no Wechatpay-Serial header is sent', async () => {
    handler = (_s, res) => answer(res, 200, refundObject());
    const r = await client({ transport: { publicKeyId: undefined } }).refund(refundInput);
    expect(r.outcome).toMatchObject({ kind: 'accepted' });
    expect(seen[0].headers).not.toHaveProperty('wechatpay-serial');
  });
});

describe('an unverifiable 2xx is an unknown outcome: retryable INVALID_SIGNATURE', () => {
  const cases: Array<[string, (res: ServerResponse) => void, string]> = [
    ['signed over other bytes', (res) => answer(res, 200, refundObject(), { bytes: JSON.stringify(refundObject({ status: 'SUCCESS' })) }), 'BAD_SIGNATURE'],
    ['signed with another key', (res) => answer(res, 200, refundObject(), { key: newKeyPair().keyPem }), 'BAD_SIGNATURE'],
    ['a timestamp 6 minutes old', (res) => answer(res, 200, refundObject(), { at: new Date(Date.now() - 6 * MIN) }), 'STALE_TIMESTAMP'],
    ['a timestamp 6 minutes ahead', (res) => answer(res, 200, refundObject(), { at: new Date(Date.now() + 6 * MIN) }), 'STALE_TIMESTAMP'],
    ['an unknown serial', (res) => answer(res, 200, refundObject(), { serial: 'PUB_KEY_ID_0119999999999999999999999999999' }), 'UNKNOWN_SERIAL'],
    ['no signature headers at all', (res) => answer(res, 200, refundObject(), false), 'MISSING_HEADER'],
  ];
  for (const [name, reply, reason] of cases) {
    it(name, async () => {
      handler = (_s, res) => reply(res);
      const r = await client().refund(refundInput);
      const f = failure(r.outcome);
      expect(f).toMatchObject({ kind: 'retryable', code: 'INVALID_SIGNATURE' });
      expect(f.message).toContain(reason);
      expect(r.call).toMatchObject({ httpStatus: 200, code: 'INVALID_SIGNATURE', error: f.message, response: null });
    });
  }

  it('a 204 without a signature too (closeOrder)', async () => {
    handler = (_s, res) => answer(res, 204, undefined, false);
    const r = await client().closeOrder({ outTradeNo: 'ORDER20240101001' });
    expect(r.outcome).toMatchObject({ kind: 'retryable', code: 'INVALID_SIGNATURE' });
  });
});

describe('platform-certificate mode through certificatesFetcher', () => {
  /** A self-signed "platform certificate" with its own key pair; its serial is what Wechatpay-Serial names. */
  function platform() {
    const pair = newKeyPair();
    const certPem = makeCa(pair);
    return { pair, certPem, serial: new X509Certificate(certPem).serialNumber.toUpperCase() };
  }

  it('fetches /v3/certificates on sight of a new serial, signed; a second new serial within a minute is refused, after it is learned', async () => {
    const A = platform();
    const B = platform();
    let listed = [A];
    let signer = A;
    handler = (s, res) => {
      if (s.url === '/v3/certificates') {
        const body = certificatesAnswerBody(
          listed.map((p) => ({ certPem: p.certPem, effectiveAt: new Date(Date.now() - DAY), expiresAt: new Date(Date.now() + 30 * DAY) })),
          API_V3_KEY,
        );
        // The certificates answer is itself signed by a certificate it brings.
        return answer(res, 200, body, { key: listed[listed.length - 1].pair.keyPem, serial: listed[listed.length - 1].serial });
      }
      answer(res, 200, refundObject(), { key: signer.pair.keyPem, serial: signer.serial });
    };
    let offset = 0;
    const t = transport({ publicKeyId: undefined });
    const store = new PlatformCertificateStore({ apiV3Key: API_V3_KEY, fetch: certificatesFetcher(t), clock: () => new Date(Date.now() + offset) });
    const c = client({ t, keys: store });
    const fetches = () => seen.filter((s) => s.url === '/v3/certificates');

    // The store starts empty: serial A is unknown, learned by one download, and then the answer verifies.
    expect((await c.refund(refundInput)).outcome).toMatchObject({ kind: 'accepted', status: 'PROCESSING' });
    expect(fetches()).toHaveLength(1);
    expect(fetches()[0]).toMatchObject({ method: 'GET', body: '', signatureOk: true });
    expect(fetches()[0].headers).not.toHaveProperty('content-type');
    expect(store.get(A.serial)).toBeDefined();

    // Known now: no second download.
    await c.refund(refundInput);
    expect(fetches()).toHaveLength(1);

    // WeChat rotates to B. Within a minute of the last download the store will not fetch again.
    listed = [A, B];
    signer = B;
    const refused = await c.refund(refundInput);
    expect(refused.outcome).toMatchObject({ kind: 'retryable', code: 'INVALID_SIGNATURE' });
    expect(failure(refused.outcome).message).toContain('UNKNOWN_SERIAL');
    expect(fetches()).toHaveLength(1);

    // A minute later the new serial is fetched on sight and the answer verifies.
    offset = 61_000;
    expect((await c.refund(refundInput)).outcome).toMatchObject({ kind: 'accepted' });
    expect(fetches()).toHaveLength(2);
    expect(store.get(B.serial)).toBeDefined();
  });

  it('the fetcher rejects a non-200 with the status and WeChat code; the client reports the answer unverifiable', async () => {
    handler = (s, res) => (s.url === '/v3/certificates' ? refuse(res, 403, 'NO_AUTH', '商户无权限') : answer(res, 200, refundObject(), { serial: 'ABCDEF0123' }));
    const t = transport({ publicKeyId: undefined });
    await expect(certificatesFetcher(t)()).rejects.toThrow(CertificatesFetchError);
    await expect(certificatesFetcher(t)()).rejects.toThrow(/GET \/v3\/certificates answered HTTP 403 \(NO_AUTH: 商户无权限\)/);
    const store = new PlatformCertificateStore({ apiV3Key: API_V3_KEY, fetch: certificatesFetcher(t) });
    const r = await client({ t, keys: store }).refund(refundInput);
    expect(r.outcome).toMatchObject({ kind: 'retryable', code: 'INVALID_SIGNATURE' });
    expect(failure(r.outcome).message).toMatch(/UNKNOWN_SERIAL.*HTTP 403/);
    expect(store.lastError).toBeInstanceOf(CertificatesFetchError);
  });
});

describe('error answers are classified by status and code', () => {
  const cases: Array<[number, string, 'retryable' | 'final']> = [
    [500, 'SYSTEM_ERROR', 'retryable'],
    [429, 'FREQUENCY_LIMITED', 'retryable'],
    [403, 'NOT_ENOUGH', 'retryable'],
    [400, 'PARAM_ERROR', 'final'],
    [400, 'INVALID_REQUEST', 'final'],
    [403, 'NO_AUTH', 'final'],
    [403, 'USER_ACCOUNT_ABNORMAL', 'final'],
    [404, 'RESOURCE_NOT_EXISTS', 'final'],
    [404, 'MCH_NOT_EXISTS', 'final'],
  ];
  for (const [status, code, kind] of cases) {
    it(`${status} ${code} → ${kind}`, async () => {
      handler = (_s, res) => refuse(res, status, code, `说明 ${code}`);
      const r = await client().refund(refundInput);
      expect(r.outcome).toEqual({ kind, code, message: `说明 ${code}` });
      expect(r.call).toMatchObject({ httpStatus: status, code, message: `说明 ${code}`, error: `说明 ${code}`, response: { code, message: `说明 ${code}` } });
    });
  }

  it('a bad request signature gets 401 SIGN_ERROR from WeChat: final', async () => {
    const r = await client({ transport: { signer: merchantSigner(MCH_ID, MERCHANT_SERIAL, newKeyPair().keyPem) } }).refund(refundInput);
    expect(seen[0].signatureOk).toBe(false);
    expect(r.outcome).toMatchObject({ kind: 'final', code: 'SIGN_ERROR' });
  });

  it('a gateway page without a JSON body: HTTP_<status>, retryable for 5xx, final for 4xx', async () => {
    handler = (_s, res) => res.writeHead(502, { 'content-type': 'text/html' }).end('<html><body>Bad Gateway</body></html>');
    const r = await client().refund(refundInput);
    expect(r.outcome).toMatchObject({ kind: 'retryable', code: 'HTTP_502', message: expect.stringContaining('Bad Gateway') });
    expect(r.call.response).toBeNull();
    handler = (_s, res) => res.writeHead(405).end();
    expect((await client().refund(refundInput)).outcome).toMatchObject({ kind: 'final', code: 'HTTP_405' });
  });
});

describe('answers that verify but do not fit: retryable BAD_RESPONSE', () => {
  const cases: Array<[string, unknown]> = [
    ['another out_refund_no', refundObject({ out_refund_no: 'RF20240101999' })],
    ['another amount.refund', refundObject({}, { refund: 400 })],
    ['amount.refund as a string', refundObject({}, { refund: '300' })],
    ['amount.refund with a fraction', refundObject({}, { refund: 300.5 })],
    ['no refund_id', refundObject({ refund_id: undefined })],
    ['an unknown status', refundObject({ status: 'REFUNDED' })],
    ['a body that is not JSON', '<xml>not json</xml>'],
    ['an empty body', undefined],
  ];
  for (const [name, body] of cases) {
    it(name, async () => {
      handler = (_s, res) => answer(res, 200, body);
      const r = await client().refund(refundInput);
      expect(r.outcome).toMatchObject({ kind: 'retryable', code: 'BAD_RESPONSE' });
      expect(r.call).toMatchObject({ httpStatus: 200, code: 'BAD_RESPONSE' });
    });
  }
});

describe('failures without an answer are retryable', () => {
  it('a timeout', async () => {
    handler = () => {}; // never answers
    const started = Date.now();
    const r = await client({ transport: { timeoutMs: 300 } }).refund(refundInput);
    expect(r.outcome).toMatchObject({ kind: 'retryable', code: 'TIMEOUT' });
    expect(r.call).toMatchObject({ httpStatus: null, code: 'TIMEOUT', response: null });
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(seen).toHaveLength(1); // it was sent: the outcome is unknown, hence retryable
  });

  it('a refused connection', async () => {
    const closed = https.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const r = await client({ transport: { baseUrl: `https://127.0.0.1:${port}` } }).refund(refundInput);
    expect(r.outcome).toMatchObject({ kind: 'retryable', code: 'CONNECTION' });
  });

  it('a server certificate we do not trust (verification is never off)', async () => {
    const r = await client({ transport: { ca: undefined } }).refund(refundInput);
    expect(r.outcome).toMatchObject({ kind: 'retryable', code: 'TLS' });
    expect(seen).toHaveLength(0);
  });

  it('an oversized answer', async () => {
    handler = (_s, res) => answer(res, 200, refundObject({ user_received_account: 'x'.repeat(5000) }));
    const r = await client({ transport: { maxAnswerBytes: 2000 } }).refund(refundInput);
    expect(r.outcome).toMatchObject({ kind: 'retryable', code: 'TOO_LARGE' });
  });

  it('the transport refuses a non-https baseUrl', () => {
    expect(() => transport({ baseUrl: 'http://127.0.0.1:1' })).toThrow(TypeError);
  });
});

describe('queryRefund and applyAbnormalRefund', () => {
  it('GET, unsigned body, and the Refund object read into a view', async () => {
    handler = (_s, res) => answer(res, 200, refundObject({ status: 'SUCCESS', success_time: '2024-01-01T10:40:00+08:00' }));
    const r = await client().queryRefund({ outRefundNo: 'RF20240101001' });
    expect(r.outcome).toEqual({
      kind: 'found',
      refund: {
        outRefundNo: 'RF20240101001',
        outTradeNo: 'ORDER20240101001',
        refundId: '50000000382019052709732678859',
        refundFee: 300,
        totalFee: 1000,
        status: 'SUCCESS',
        successTime: '2024-01-01T10:40:00+08:00',
        recvAccount: '招商银行信用卡0403',
      },
    });
    expect(seen[0]).toMatchObject({ method: 'GET', url: '/v3/refund/domestic/refunds/RF20240101001', body: '', signatureOk: true });
    expect(seen[0].headers).not.toHaveProperty('content-type');
    expect(r.call).toMatchObject({ endpoint: 'GET /v3/refund/domestic/refunds/RF20240101001', request: null });
  });

  it('404 RESOURCE_NOT_EXISTS is not_found; 404 with another code is final', async () => {
    handler = (_s, res) => refuse(res, 404, 'RESOURCE_NOT_EXISTS', '退款单不存在');
    const r = await client().queryRefund({ outRefundNo: 'RF20240101001' });
    expect(r.outcome).toEqual({ kind: 'not_found' });
    expect(r.call).toMatchObject({ httpStatus: 404, code: null, error: null });
    handler = (_s, res) => refuse(res, 404, 'MCH_NOT_EXISTS');
    expect((await client().queryRefund({ outRefundNo: 'RF20240101001' })).outcome).toMatchObject({ kind: 'final', code: 'MCH_NOT_EXISTS' });
  });

  it('an answer about another refund is BAD_RESPONSE', async () => {
    handler = (_s, res) => answer(res, 200, refundObject({ out_refund_no: 'RF20240101002' }));
    expect((await client().queryRefund({ outRefundNo: 'RF20240101001' })).outcome).toMatchObject({ kind: 'retryable', code: 'BAD_RESPONSE' });
  });

  it('apply-abnormal-refund posts out_refund_no and type to the refund_id path', async () => {
    handler = (_s, res) => answer(res, 200, refundObject({ status: 'PROCESSING' }));
    const r = await client().applyAbnormalRefund({ refundId: '50000000382019052709732678859', outRefundNo: 'RF20240101001', type: 'MERCHANT_BANK_CARD' });
    expect(r.outcome).toEqual({ kind: 'accepted', refundId: '50000000382019052709732678859', status: 'PROCESSING' });
    expect(seen[0]).toMatchObject({
      method: 'POST',
      url: '/v3/refund/domestic/refunds/50000000382019052709732678859/apply-abnormal-refund',
      body: JSON.stringify({ out_refund_no: 'RF20240101001', type: 'MERCHANT_BANK_CARD' }),
      signatureOk: true,
    });
    handler = (_s, res) => answer(res, 200, refundObject({ refund_id: '50000000382019052709732600000' }));
    const other = await client().applyAbnormalRefund({ refundId: '50000000382019052709732678859', outRefundNo: 'RF20240101001', type: 'MERCHANT_BANK_CARD' });
    expect(other.outcome).toMatchObject({ kind: 'retryable', code: 'BAD_RESPONSE' });
  });
});

describe('pay: jsapiPrepay, queryOrder, closeOrder', () => {
  it('jsapiPrepay sends the documented body (time_expire in Beijing time, description ≤ 127 bytes) and reads prepay_id', async () => {
    handler = (_s, res) => answer(res, 200, { prepay_id: 'wx201410272009395522657a690389285100' });
    const r = await client().jsapiPrepay({
      outTradeNo: 'ORDER20240101001',
      totalFee: 1000,
      description: '商城订单🛒' + '字'.repeat(50),
      openid: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o',
      notifyUrl: 'https://mall.example.com/api/wxpay/v3/notify/pay',
      timeExpire: new Date('2024-01-01T04:30:00Z'),
    });
    expect(r.outcome).toEqual({ kind: 'ok', prepayId: 'wx201410272009395522657a690389285100' });
    expect(seen[0]).toMatchObject({ method: 'POST', url: '/v3/pay/transactions/jsapi', signatureOk: true });
    const sent = JSON.parse(seen[0].body);
    expect(Object.keys(sent)).toEqual(['appid', 'mchid', 'description', 'out_trade_no', 'time_expire', 'notify_url', 'amount', 'payer']);
    expect(sent).toMatchObject({
      appid: APPID,
      mchid: MCH_ID,
      out_trade_no: 'ORDER20240101001',
      time_expire: '2024-01-01T12:30:00+08:00',
      amount: { total: 1000, currency: 'CNY' },
      payer: { openid: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o' },
    });
    expect(sent.description).toBe('商城订单' + '字'.repeat(38)); // 12 + 114 = 126 bytes; one more would be 129
    expect(Buffer.byteLength(sent.description)).toBeLessThanOrEqual(127);

    handler = (_s, res) => answer(res, 200, { prepay: 'x' });
    const bad = await client().jsapiPrepay({ outTradeNo: 'ORDER2', totalFee: 1, description: 'x', openid: 'o', notifyUrl: 'https://x/y' });
    expect(bad.outcome).toMatchObject({ kind: 'retryable', code: 'BAD_RESPONSE' });
    expect(JSON.parse(seen[1].body)).not.toHaveProperty('time_expire');
    await expect(client().jsapiPrepay({ outTradeNo: 'ORDER2', totalFee: 0, description: 'x', openid: 'o', notifyUrl: 'https://x/y' })).rejects.toThrow(TypeError);
  });

  it('queryOrder signs the query string, reads trade_state, transaction_id and the total', async () => {
    handler = (_s, res) =>
      answer(res, 200, {
        appid: APPID,
        mchid: MCH_ID,
        out_trade_no: 'ORDER20240101001',
        transaction_id: '1217752501201407033233368018',
        trade_type: 'JSAPI',
        trade_state: 'SUCCESS',
        trade_state_desc: '支付成功',
        amount: { total: 1000, payer_total: 1000, currency: 'CNY', payer_currency: 'CNY' },
      });
    const r = await client().queryOrder({ outTradeNo: 'ORDER20240101001' });
    expect(r.outcome).toEqual({ kind: 'ok', tradeState: 'SUCCESS', transactionId: '1217752501201407033233368018', totalFee: 1000 });
    expect(seen[0]).toMatchObject({ method: 'GET', url: `/v3/pay/transactions/out-trade-no/ORDER20240101001?mchid=${MCH_ID}`, signatureOk: true });

    handler = (_s, res) => answer(res, 200, { mchid: MCH_ID, out_trade_no: 'ORDER20240101001', trade_state: 'NOTPAY', amount: { currency: 'CNY' } });
    expect((await client().queryOrder({ outTradeNo: 'ORDER20240101001' })).outcome).toEqual({ kind: 'ok', tradeState: 'NOTPAY', transactionId: null, totalFee: null });

    handler = (_s, res) => refuse(res, 404, 'ORDER_NOT_EXIST', '订单不存在');
    expect((await client().queryOrder({ outTradeNo: 'ORDER20240101001' })).outcome).toEqual({ kind: 'not_found' });

    handler = (_s, res) => answer(res, 200, { mchid: '1900000999', out_trade_no: 'ORDER20240101001', trade_state: 'SUCCESS' });
    expect((await client().queryOrder({ outTradeNo: 'ORDER20240101001' })).outcome).toMatchObject({ code: 'BAD_RESPONSE' });
    handler = (_s, res) => answer(res, 200, { out_trade_no: 'ORDER20240101002', trade_state: 'SUCCESS' });
    expect((await client().queryOrder({ outTradeNo: 'ORDER20240101001' })).outcome).toMatchObject({ code: 'BAD_RESPONSE' });
  });

  it('closeOrder posts {mchid} and takes a signed 204', async () => {
    handler = (_s, res) => answer(res, 204, undefined);
    const r = await client().closeOrder({ outTradeNo: 'ORDER20240101001' });
    expect(r.outcome).toEqual({ kind: 'ok' });
    expect(seen[0]).toMatchObject({ method: 'POST', url: '/v3/pay/transactions/out-trade-no/ORDER20240101001/close', body: JSON.stringify({ mchid: MCH_ID }) });
    expect(r.call).toMatchObject({ httpStatus: 204, response: null, code: null });
    handler = (_s, res) => refuse(res, 400, 'ORDERPAID', '订单已支付');
    expect((await client().closeOrder({ outTradeNo: 'ORDER20240101001' })).outcome).toEqual({ kind: 'final', code: 'ORDERPAID', message: '订单已支付' });
  });

  it('path segments are encoded and signed as they go on the wire', async () => {
    handler = (_s, res) => refuse(res, 404, 'ORDER_NOT_EXIST');
    await client().queryOrder({ outTradeNo: 'A|B/C?d' });
    expect(seen[0]).toMatchObject({ url: `/v3/pay/transactions/out-trade-no/A%7CB%2FC%3Fd?mchid=${MCH_ID}`, signatureOk: true });
  });
});
