// The v2 client over real HTTPS with mutual TLS against a tiny local WeChat double that signs like WeChat.
import { readFileSync } from 'node:fs';
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SlotMissed } from '../../server/lib/slot-gate.ts';
import { loadMerchantCert, type MerchantCert } from '../../server/wechatpay/cert.ts';
import { createWxPayClient, wxText, type WxPayClient, type WxPayConfig } from '../../server/wechatpay/client.ts';
import { sign, verifySign, type SignType } from '../../server/wechatpay/sign.ts';
import { parseXml, toXml } from '../../server/wechatpay/xml.ts';
import { FIXTURE_PASSPHRASE, fixture, issue, makeCa, type TestCa } from '../fixtures/wechatpay/pki.ts';

const APPID = 'wxd930ea5d5a258f4f';
const MCH_ID = '1900000109';
const KEY = '192006250b4c09247ec02edce69f6a2d';

type Seen = { path: string; fields: Record<string, string>; clientCn: string | null };
type Handler = (seen: Seen, res: ServerResponse) => void;

let serverCa: TestCa;
let merchant: MerchantCert;
let server: https.Server;
let baseUrl: string;
let handler: Handler;
const seen: Seen[] = [];
const clients: WxPayClient[] = [];

/** Answers like WeChat: envelope + appid/mch_id/nonce + sign over everything (MD5 unless told). */
function reply(res: ServerResponse, fields: Record<string, string>, opts: { signType?: SignType; key?: string } = {}): void {
  const body: Record<string, string> = {
    return_code: 'SUCCESS',
    return_msg: 'OK',
    appid: APPID,
    mch_id: MCH_ID,
    nonce_str: 'srvnonce123',
    ...fields,
  };
  body.sign = sign(body, opts.key ?? KEY, opts.signType ?? 'MD5');
  res.writeHead(200, { 'content-type': 'text/xml' }).end(toXml(body));
}

function client(overrides: Partial<WxPayConfig> = {}): WxPayClient {
  const c = createWxPayClient({
    appid: APPID,
    mchId: MCH_ID,
    apiKey: KEY,
    signType: 'MD5',
    baseUrl,
    cert: merchant,
    ca: serverCa.certPem,
    timeoutMs: 2000,
    ...overrides,
  });
  clients.push(c);
  return c;
}

const refundInput = {
  outTradeNo: 'ORDER20240101001',
  outRefundNo: 'RF20240101001',
  totalFee: 1000,
  refundFee: 300,
  refundDesc: '商品退货👍',
  notifyUrl: 'https://mall.example.com/api/wxpay/notify/refund',
};

beforeAll(async () => {
  serverCa = makeCa('wx-mall test server CA');
  const leaf = issue(serverCa, { commonName: '127.0.0.1', server: true });
  merchant = loadMerchantCert({ p12Path: fixture('apiclient_cert.p12'), passphrase: FIXTURE_PASSPHRASE });
  server = https.createServer(
    {
      key: leaf.keyPem,
      cert: leaf.certPem,
      ca: readFileSync(fixture('ca.pem')), // the CA that issued the fixture merchant certificate
      requestCert: true,
      rejectUnauthorized: true, // like /secapi/*: no trusted client certificate, no request
    },
    (req: IncomingMessage, res: ServerResponse) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const peer = (req.socket as TLSSocket).getPeerCertificate();
        const s: Seen = { path: req.url ?? '', fields: parseXml(Buffer.concat(chunks)), clientCn: typeof peer?.subject?.CN === 'string' ? peer.subject.CN : null };
        seen.push(s);
        handler(s, res);
      });
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const c of clients) c.close();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  seen.length = 0;
});

describe('refund', () => {
  it('is accepted; the request is signed, carries the merchant cert, and the record holds no key', async () => {
    handler = (s, res) =>
      reply(res, {
        result_code: 'SUCCESS',
        out_trade_no: s.fields.out_trade_no,
        out_refund_no: s.fields.out_refund_no,
        refund_id: '50000000382019052709732678859',
        refund_fee: s.fields.refund_fee,
        total_fee: s.fields.total_fee,
        cash_fee: s.fields.total_fee,
        refund_channel: '',
      });
    const { outcome, call } = await client().refund(refundInput);
    expect(outcome).toEqual({ kind: 'accepted', refundId: '50000000382019052709732678859' });

    const sent = seen[0];
    expect(sent.path).toBe('/secapi/pay/refund');
    expect(sent.clientCn).toBe('1900000109');
    expect(sent.fields).toMatchObject({
      appid: APPID,
      mch_id: MCH_ID,
      out_trade_no: 'ORDER20240101001',
      out_refund_no: 'RF20240101001',
      total_fee: '1000',
      refund_fee: '300',
      refund_desc: '商品退货', // the emoji is stripped: WeChat refuses 4-byte UTF-8
      notify_url: refundInput.notifyUrl,
    });
    expect(sent.fields.sign_type).toBeUndefined();
    expect(verifySign(sent.fields, KEY, 'MD5')).toBe(true);

    expect(call).toMatchObject({
      endpoint: '/secapi/pay/refund',
      httpStatus: 200,
      error: null,
      returnCode: 'SUCCESS',
      resultCode: 'SUCCESS',
      errCode: null,
      errCodeDes: null,
    });
    expect(call.request).toEqual(sent.fields);
    expect(call.response?.refund_id).toBe('50000000382019052709732678859');
    expect(call.durationMs).toBeGreaterThanOrEqual(0);
    expect(JSON.stringify(call)).not.toContain(KEY);
  });

  it('HMAC-SHA256 is announced with sign_type and the answer verifies by the request sign_type', async () => {
    handler = (_s, res) =>
      reply(res, { result_code: 'SUCCESS', out_refund_no: 'RF1', refund_id: '5001', refund_fee: '300' }, { signType: 'HMAC-SHA256' });
    const { outcome } = await client({ signType: 'HMAC-SHA256' }).refund({ ...refundInput, outRefundNo: 'RF1' });
    expect(outcome).toEqual({ kind: 'accepted', refundId: '5001' });
    expect(seen[0].fields.sign_type).toBe('HMAC-SHA256');
    expect(seen[0].fields.sign).toMatch(/^[0-9A-F]{64}$/);
    expect(verifySign(seen[0].fields, KEY, 'MD5')).toBe(true); // its own sign_type wins
  });

  it('SYSTEMERROR is retryable', async () => {
    handler = (_s, res) => reply(res, { result_code: 'FAIL', err_code: 'SYSTEMERROR', err_code_des: '系统超时' });
    const { outcome, call } = await client().refund(refundInput);
    expect(outcome).toEqual({ kind: 'retryable', code: 'SYSTEMERROR', message: '系统超时' });
    expect(call).toMatchObject({ resultCode: 'FAIL', errCode: 'SYSTEMERROR', errCodeDes: '系统超时' });
  });

  it('ERROR is final, with err_code_des as the message', async () => {
    handler = (_s, res) => reply(res, { result_code: 'FAIL', err_code: 'ERROR', err_code_des: '订单已全额退款' });
    expect((await client().refund(refundInput)).outcome).toEqual({ kind: 'final', code: 'ERROR', message: '订单已全额退款' });
  });

  it('return_code FAIL (unsigned) is final RETURN_FAIL with return_msg', async () => {
    handler = (_s, res) => res.end(toXml({ return_code: 'FAIL', return_msg: 'invalid refund_fee' }));
    const { outcome, call } = await client().refund(refundInput);
    expect(outcome).toEqual({ kind: 'final', code: 'RETURN_FAIL', message: 'invalid refund_fee' });
    expect(call.returnCode).toBe('FAIL');
  });

  it('an answer whose signature does not verify is retryable INVALID_SIGNATURE, even if it says SUCCESS', async () => {
    handler = (_s, res) => reply(res, { result_code: 'SUCCESS', refund_id: '5001' }, { key: 'f'.repeat(32) });
    const { outcome, call } = await client().refund(refundInput);
    expect(outcome).toMatchObject({ kind: 'retryable', code: 'INVALID_SIGNATURE' });
    expect(call.error).toMatch(/signature/);
  });

  it('a signed answer for another merchant is not trusted', async () => {
    handler = (_s, res) => reply(res, { result_code: 'SUCCESS', refund_id: '5001', mch_id: '1999999999' });
    expect((await client().refund(refundInput)).outcome).toMatchObject({ kind: 'retryable', code: 'BAD_RESPONSE' });
  });

  it('an accepted answer about another out_refund_no is not trusted', async () => {
    handler = (_s, res) => reply(res, { result_code: 'SUCCESS', out_refund_no: 'OTHER', refund_id: '5001' });
    expect((await client().refund(refundInput)).outcome).toMatchObject({ kind: 'retryable', code: 'BAD_RESPONSE' });
  });

  it('HTTP 502 and non-XML answers are retryable', async () => {
    handler = (_s, res) => res.writeHead(502).end('<html>Bad Gateway</html>');
    const r1 = await client().refund(refundInput);
    expect(r1.outcome).toMatchObject({ kind: 'retryable', code: 'HTTP_502' });
    expect(r1.call.httpStatus).toBe(502);
    handler = (_s, res) => res.end('{"not":"xml"}');
    expect((await client().refund(refundInput)).outcome).toMatchObject({ kind: 'retryable', code: 'BAD_RESPONSE' });
  });

  it('a timeout is retryable TIMEOUT', async () => {
    handler = () => {}; // never answers
    const started = Date.now();
    const { outcome, call } = await client({ timeoutMs: 300 }).refund(refundInput);
    expect(outcome).toMatchObject({ kind: 'retryable', code: 'TIMEOUT' });
    expect(Date.now() - started).toBeLessThan(1500);
    expect(call.httpStatus).toBeNull();
    expect(call.response).toBeNull();
    expect(call.error).toMatch(/300 ms/);
  });

  it('a connection destroyed mid-request is retryable CONNECTION', async () => {
    handler = (_s, res) => res.socket?.destroy();
    const { outcome, call } = await client().refund(refundInput);
    expect(outcome).toMatchObject({ kind: 'retryable', code: 'CONNECTION' });
    expect(call.error).toBeTruthy();
  });

  it('a paced refund goes at its slot, from the send thread, with the merchant certificate; its record is timed from then', async () => {
    const arrived: number[] = [];
    handler = (s, res) => {
      arrived.push(Date.now());
      setTimeout(() => reply(res, { result_code: 'SUCCESS', out_refund_no: s.fields.out_refund_no, refund_id: '5001', refund_fee: s.fields.refund_fee }), 50);
    };
    const c = client();
    const at = Date.now() + 300;
    // the first call starts the send thread, which on a busy machine can take longer than the 300 ms: a slot that
    // may be used up to 5 s late keeps this test about when the call goes (never before its slot), not about how
    // quickly the thread starts
    const { outcome, call } = await c.refund(refundInput, { at, lateMs: 5000, window: { name: 'refund', cap: 10, spanMs: 1000 } });
    expect(outcome).toEqual({ kind: 'accepted', refundId: '5001' });
    expect(arrived).toHaveLength(1);
    expect(arrived[0]).toBeGreaterThanOrEqual(at);
    expect(seen[0].clientCn).toBe('1900000109');
    expect(call.durationMs).toBeGreaterThanOrEqual(50);
    expect(call.durationMs).toBeLessThan(300); // the wait for the slot is not the call's
  });

  it('a paced refund whose slot is past use, or beyond this instance’s window, is not sent: SlotMissed', async () => {
    handler = (s, res) => reply(res, { result_code: 'SUCCESS', out_refund_no: s.fields.out_refund_no, refund_id: '5001', refund_fee: s.fields.refund_fee });
    const c = client();
    const window = { name: 'refund', cap: 1, spanMs: 60_000 };
    await expect(c.refund(refundInput, { at: Date.now() - 1000, lateMs: 10, window })).rejects.toMatchObject({ name: 'SlotMissed', why: 'late' });
    expect(seen).toHaveLength(0);
    expect((await c.refund(refundInput, { at: Date.now(), lateMs: 1000, window })).outcome.kind).toBe('accepted');
    const full = c.refund(refundInput, { at: Date.now(), lateMs: 1000, window });
    await expect(full).rejects.toBeInstanceOf(SlotMissed);
    await expect(full).rejects.toMatchObject({ why: 'window' });
    expect(seen).toHaveLength(1);
  });

  it('rejects non-integer fen before calling out', async () => {
    await expect(client().refund({ ...refundInput, refundFee: 1.5 })).rejects.toThrow(TypeError);
    await expect(client().refund({ ...refundInput, totalFee: 0 })).rejects.toThrow(TypeError);
    expect(seen).toHaveLength(0);
  });
});

describe('mutual TLS', () => {
  it('a client whose certificate the server does not trust is refused before any request is read', async () => {
    const strangerCa = makeCa('stranger CA');
    const stranger = issue(strangerCa, { commonName: 'stranger' });
    const cert: MerchantCert = { ...merchant, certPem: stranger.certPem, keyPem: stranger.keyPem };
    handler = (_s, res) => reply(res, { result_code: 'SUCCESS', refund_id: '5001' });
    const { outcome } = await client({ cert }).refund(refundInput);
    expect(outcome.kind).toBe('retryable');
    expect(['TLS', 'CONNECTION']).toContain((outcome as { code: string }).code);
    expect(seen).toHaveLength(0);
  });

  it('a request with no client certificate at all is refused by the server', async () => {
    const err = await new Promise<Error>((resolve) => {
      const req = https.request(`${baseUrl}/secapi/pay/refund`, { method: 'POST', ca: serverCa.certPem, agent: false }, (res) => {
        res.resume();
        res.on('end', () => resolve(new Error(`unexpected answer ${res.statusCode}`)));
      });
      req.on('error', resolve);
      req.end('<xml></xml>');
    });
    expect(err.message).not.toMatch(/unexpected answer/);
    expect((err as NodeJS.ErrnoException).code).toMatch(/CERTIFICATE_REQUIRED|ECONNRESET/);
    expect(seen).toHaveLength(0);
  });

  it('the server certificate is verified: without our test CA the call fails as TLS', async () => {
    handler = (_s, res) => reply(res, { result_code: 'SUCCESS', refund_id: '5001' });
    const { outcome } = await client({ ca: undefined }).refund(refundInput);
    expect(outcome).toMatchObject({ kind: 'retryable', code: 'TLS' });
    expect(seen).toHaveLength(0);
  });

  it('refuses a non-https baseUrl', () => {
    expect(() => client({ baseUrl: 'http://127.0.0.1:1' })).toThrow(/https/);
  });
});

describe('refundQuery', () => {
  it('parses the _$n fields of two refunds', async () => {
    handler = (s, res) =>
      reply(res, {
        result_code: 'SUCCESS',
        transaction_id: '4200000001202401010000000001',
        out_trade_no: 'ORDER20240101001',
        total_fee: '1000',
        cash_fee: '1000',
        refund_count: '2',
        out_refund_no_0: s.fields.out_refund_no,
        refund_id_0: '50000000382019052709732678859',
        refund_channel_0: 'ORIGINAL',
        refund_fee_0: '300',
        refund_status_0: 'SUCCESS',
        refund_recv_accout_0: '支付用户零钱',
        refund_success_time_0: '2024-01-02 10:00:00',
        out_refund_no_1: 'RF20240101002',
        refund_id_1: '50000000382019052709732678860',
        refund_fee_1: '0700',
        refund_status_1: 'PROCESSING',
      });
    const { outcome, call } = await client().refundQuery({ outRefundNo: 'RF20240101001' });
    expect(seen[0].path).toBe('/pay/refundquery');
    expect(seen[0].fields.out_refund_no).toBe('RF20240101001');
    expect(verifySign(seen[0].fields, KEY)).toBe(true);
    expect(call.endpoint).toBe('/pay/refundquery');
    expect(outcome).toEqual({
      kind: 'found',
      refunds: [
        {
          outRefundNo: 'RF20240101001',
          refundId: '50000000382019052709732678859',
          refundFee: 300,
          status: 'SUCCESS',
          successTime: '2024-01-02 10:00:00',
          recvAccount: '支付用户零钱',
        },
        {
          outRefundNo: 'RF20240101002',
          refundId: '50000000382019052709732678860',
          refundFee: 700,
          status: 'PROCESSING',
          successTime: null,
          recvAccount: null,
        },
      ],
    });
  });

  it('REFUNDNOTEXIST is not_found, SYSTEMERROR retryable', async () => {
    handler = (_s, res) => reply(res, { result_code: 'FAIL', err_code: 'REFUNDNOTEXIST', err_code_des: '退款订单查询失败' });
    expect((await client().refundQuery({ outRefundNo: 'RFX' })).outcome).toEqual({ kind: 'not_found' });
    handler = (_s, res) => reply(res, { result_code: 'FAIL', err_code: 'SYSTEMERROR', err_code_des: '系统错误' });
    expect((await client().refundQuery({ outRefundNo: 'RFX' })).outcome).toMatchObject({ kind: 'retryable', code: 'SYSTEMERROR' });
  });

  it('a malformed refund entry is not trusted', async () => {
    handler = (_s, res) =>
      reply(res, {
        result_code: 'SUCCESS',
        refund_count: '1',
        out_refund_no_0: 'RF1',
        refund_id_0: '5001',
        refund_fee_0: '3.00',
        refund_status_0: 'SUCCESS',
      });
    expect((await client().refundQuery({ outRefundNo: 'RF1' })).outcome).toMatchObject({ kind: 'retryable', code: 'BAD_RESPONSE' });
  });
});

describe('unifiedOrder and orderQuery', () => {
  it('places a JSAPI order and returns the prepay_id', async () => {
    handler = (_s, res) => reply(res, { result_code: 'SUCCESS', trade_type: 'JSAPI', prepay_id: 'wx201410272009395522657a690389285100' });
    const { outcome } = await client().unifiedOrder({
      outTradeNo: 'ORDER20240101001',
      totalFee: 1000,
      body: '小店-好物🎁',
      openid: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o',
      spbillCreateIp: '127.0.0.1',
      notifyUrl: 'https://mall.example.com/api/wxpay/notify/pay',
      timeExpire: '20240101120000',
    });
    expect(outcome).toEqual({ kind: 'ok', prepayId: 'wx201410272009395522657a690389285100' });
    expect(seen[0].path).toBe('/pay/unifiedorder');
    expect(seen[0].fields).toMatchObject({
      trade_type: 'JSAPI',
      body: '小店-好物',
      openid: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o',
      total_fee: '1000',
      time_expire: '20240101120000',
    });
  });

  it('unifiedOrder errors: ORDERPAID final, SYSTEMERROR retryable', async () => {
    const input = { outTradeNo: 'O1', totalFee: 1, body: 'b', openid: 'o', spbillCreateIp: '127.0.0.1', notifyUrl: 'https://x/n' };
    handler = (_s, res) => reply(res, { result_code: 'FAIL', err_code: 'ORDERPAID', err_code_des: '商户订单已支付' });
    expect((await client().unifiedOrder(input)).outcome).toMatchObject({ kind: 'final', code: 'ORDERPAID' });
    handler = (_s, res) => reply(res, { result_code: 'FAIL', err_code: 'SYSTEMERROR', err_code_des: '系统错误' });
    expect((await client().unifiedOrder(input)).outcome).toMatchObject({ kind: 'retryable', code: 'SYSTEMERROR' });
  });

  it('orderQuery returns the trade state and amounts as integers', async () => {
    handler = (s, res) =>
      reply(res, {
        result_code: 'SUCCESS',
        out_trade_no: s.fields.out_trade_no,
        trade_state: 'SUCCESS',
        transaction_id: '4200000001202401010000000001',
        total_fee: '1000',
      });
    const { outcome } = await client().orderQuery({ outTradeNo: 'ORDER20240101001' });
    expect(seen[0].path).toBe('/pay/orderquery');
    expect(outcome).toMatchObject({ kind: 'ok', tradeState: 'SUCCESS', transactionId: '4200000001202401010000000001', totalFee: 1000 });
    handler = (_s, res) => reply(res, { result_code: 'SUCCESS', trade_state: 'NOTPAY' });
    expect((await client().orderQuery({ outTradeNo: 'O2' })).outcome).toMatchObject({
      kind: 'ok',
      tradeState: 'NOTPAY',
      transactionId: null,
      totalFee: null,
    });
  });
});

describe('wxText', () => {
  it('strips 4-byte characters and caps by UTF-8 bytes without splitting a character', () => {
    expect(wxText('a😀b', 80)).toBe('ab');
    expect(wxText('退'.repeat(30), 80)).toBe('退'.repeat(26)); // 3 bytes each
    expect(wxText('x'.repeat(100), 80)).toHaveLength(80);
  });
});
