// The sandbox's APIv3 over real HTTPS: request signatures, answers signed in both key modes, pay and refund notifications,
// abnormal refunds, v2 ⇔ v3 on the same trades and refunds, platform certificates and their rotation, faults, rate limit.
import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../server/sandbox/start.ts';
import { decryptResourceJson } from '../../server/wechatpay-v3/aes-gcm.ts';
import { PlatformCertificateStore } from '../../server/wechatpay-v3/certificates.ts';
import { merchantSigner, requestHeaders } from '../../server/wechatpay-v3/sign.ts';
import type { V3Notification, V3PayNotifyResource, V3RefundNotifyResource } from '../../server/wechatpay-v3/types.ts';
import { loadPublicKeyMode, verifySigned, verifySignedLearning, type WechatpayKeys } from '../../server/wechatpay-v3/verify.ts';
import { newKeyPair } from '../../server/sandbox/pki.ts';
import { parseXml } from '../../server/wechatpay/xml.ts';
import {
  cloneDataDir,
  control,
  merchantIdentity,
  paidTrade,
  refundNotifications,
  startReceiver,
  SUCCESS_REPLY,
  uniqueNo,
  v3Call,
  v3PaidTrade,
  waitFor,
  wxCall,
  type Received,
  type Receiver,
  type V3CallOptions,
  type V3Response,
} from '../helpers/sandbox-client.ts';

let sandbox: Sandbox;
let receiver: Receiver;
let dataDir: string;
let mtls: https.Agent;
let publicKeys: WechatpayKeys;
let platform: PlatformCertificateStore;

/** The mall's two ways of knowing WeChat Pay's keys: the downloaded pub_key.pem, or /v3/certificates. */
function certificateStore(): PlatformCertificateStore {
  return new PlatformCertificateStore({
    apiV3Key: sandbox.merchant.apiV3Key,
    minFetchIntervalMs: 0,
    fetch: async () => {
      const r = await v3Call(sandbox, 'GET', '/v3/certificates');
      if (r.status !== 200) throw new Error(`GET /v3/certificates: ${r.status} ${r.body}`);
      return { headers: r.headers, body: r.body };
    },
  });
}

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sandbox-v3-'));
  sandbox = await startSandbox({ dataDir, settleDelayMs: 200, notifyRetryScale: 0.001, latencyMs: { min: 0, max: 0 } });
  receiver = await startReceiver();
  mtls = new https.Agent({ keepAlive: true, ca: sandbox.caPem, ...merchantIdentity(sandbox) });
  publicKeys = loadPublicKeyMode(sandbox.merchant.publicKeyId, sandbox.merchant.publicKeyPemPath);
  platform = certificateStore();
  await platform.refresh();
});

afterEach(async () => {
  await control(sandbox, 'DELETE', '/sandbox/faults');
  receiver.reply = () => SUCCESS_REPLY;
  receiver.status = () => 200;
});

afterAll(async () => {
  mtls?.destroy();
  await sandbox?.close();
  await receiver?.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

const m = () => sandbox.merchant;
const refundsPath = '/v3/refund/domestic/refunds';

function refundBody(outTradeNo: string, outRefundNo: string, refund: number, total: number, extra: object = {}) {
  return {
    out_trade_no: outTradeNo,
    out_refund_no: outRefundNo,
    reason: '商品退货',
    notify_url: `${receiver.baseUrl}/v3/notify/refund`,
    amount: { refund, total, currency: 'CNY' },
    ...extra,
  };
}

const createRefund = (body: object, opts: V3CallOptions = {}) => v3Call(sandbox, 'POST', refundsPath, body, opts);
const faults = async (patch: unknown) => {
  const r = await control(sandbox, 'PUT', '/sandbox/faults', patch);
  if (r.status !== 200) throw new Error(`faults: ${r.status} ${JSON.stringify(r.json)}`);
  return r.json;
};

/** A v3 notification received for this reference (out_trade_no or out_refund_no), decrypted, newest last. */
interface V3Note {
  raw: Received;
  envelope: V3Notification;
  resource: any;
}
function v3Notes(ref: string): V3Note[] {
  const out: V3Note[] = [];
  for (const raw of receiver.received) {
    let envelope: V3Notification;
    try {
      envelope = JSON.parse(raw.body) as V3Notification;
    } catch {
      continue; // a v2 XML notification
    }
    const resource = decryptResourceJson(envelope.resource, m().apiV3Key) as { out_refund_no?: string; out_trade_no: string };
    if ((envelope.resource.original_type === 'refund' ? resource.out_refund_no : resource.out_trade_no) === ref) out.push({ raw, envelope, resource });
  }
  return out;
}

/** Polls an async condition (waitFor takes a synchronous one). */
async function until<T>(fn: () => Promise<T | undefined | false>, what: string, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

const settledStatus = (outRefundNo: string, want: string) =>
  until(async () => (await v3Call(sandbox, 'GET', `${refundsPath}/${outRefundNo}`)).json?.status === want, `${outRefundNo} ${want}`);

describe('request signatures', () => {
  /** A query of a fresh paid trade, sent with `opts`; every answer, refusal or not, verifies. */
  async function queryWith(opts: V3CallOptions, body: unknown = undefined): Promise<V3Response> {
    const { outTradeNo } = await v3PaidTrade(sandbox, receiver, 100);
    const res = await v3Call(sandbox, 'GET', `/v3/pay/transactions/out-trade-no/${outTradeNo}?mchid=${m().mchId}`, body, opts);
    expect(verifySigned(platform, res).ok, 'refusals are signed too').toBe(true);
    return res;
  }

  it('accepts a correctly signed request', async () => {
    const { outTradeNo } = await v3PaidTrade(sandbox, receiver, 100);
    const res = await v3Call(sandbox, 'GET', `/v3/pay/transactions/out-trade-no/${outTradeNo}?mchid=${m().mchId}`);
    expect(res.status).toBe(200);
    expect(res.json.trade_state).toBe('SUCCESS');
  });

  it('answers 401 SIGN_ERROR for a signature by another key', async () => {
    const other = merchantSigner(m().mchId, m().certSerialNo, newKeyPair().keyPem);
    const res = await queryWith({ signer: other });
    expect(res.status).toBe(401);
    expect(res.json).toEqual({ code: 'SIGN_ERROR', message: expect.any(String) });
  });

  it('answers 401 for a timestamp more than 5 minutes off, and accepts 4 minutes', async () => {
    expect((await queryWith({ now: new Date(Date.now() - 6 * 60_000) })).status).toBe(401);
    expect((await queryWith({ now: new Date(Date.now() + 6 * 60_000) })).status).toBe(401);
    expect((await queryWith({ now: new Date(Date.now() - 4 * 60_000) })).status).toBe(200);
  });

  it('answers 401 for another serial_no than the merchant certificate', async () => {
    const key = fs.readFileSync(m().keyPemPath);
    const res = await queryWith({ signer: merchantSigner(m().mchId, '0123456789ABCDEF0123456789ABCDEF', key) });
    expect(res.status).toBe(401);
    expect(res.json.code).toBe('SIGN_ERROR');
  });

  it('answers 404 MCH_NOT_EXISTS for another mchid', async () => {
    const key = fs.readFileSync(m().keyPemPath);
    const res = await queryWith({ signer: merchantSigner('1900009999', m().certSerialNo, key) });
    expect(res.status).toBe(404);
    expect(res.json.code).toBe('MCH_NOT_EXISTS');
  });

  it('answers 401 without Authorization, for another schema, and for a body changed after signing', async () => {
    expect((await queryWith({ authorization: null })).status).toBe(401);
    expect((await queryWith({ authorization: 'WECHATPAY2-SHA256-RSA4096 mchid="1"' })).status).toBe(401);
    const { outTradeNo } = await v3PaidTrade(sandbox, receiver, 100);
    const no = uniqueNo('R');
    const signed = JSON.stringify(refundBody(outTradeNo, no, 10, 100));
    const res = await createRefund(JSON.parse(signed), { sendBody: signed.replace('"refund":10', '"refund":90') });
    expect(res.status).toBe(401);
    expect((await v3Call(sandbox, 'GET', `${refundsPath}/${no}`)).status).toBe(404); // nothing refunded
  });

  it('checks the signature over the request target as sent: the query string counts', async () => {
    const { outTradeNo } = await v3PaidTrade(sandbox, receiver, 100);
    const signer = merchantSigner(m().mchId, m().certSerialNo, fs.readFileSync(m().keyPemPath));
    const withoutQuery = requestHeaders(signer, { method: 'GET', url: `/v3/pay/transactions/out-trade-no/${outTradeNo}` });
    const target = `/v3/pay/transactions/out-trade-no/${outTradeNo}?mchid=${m().mchId}`;
    expect((await v3Call(sandbox, 'GET', target, undefined, { authorization: withoutQuery.headers.authorization })).status).toBe(401);
  });
});

describe('answers are signed in the key mode the request asked for', () => {
  it('public-key mode: Wechatpay-Serial = PUB_KEY_ID_…, verified with pub_key.pem only', async () => {
    expect(m().publicKeyId).toMatch(/^PUB_KEY_ID_\d{32}$/);
    const { outTradeNo } = await v3PaidTrade(sandbox, receiver, 100);
    const res = await v3Call(sandbox, 'GET', `/v3/pay/transactions/out-trade-no/${outTradeNo}?mchid=${m().mchId}`, undefined, { publicKeyMode: true });
    expect(res.headers['wechatpay-serial']).toBe(m().publicKeyId);
    expect(verifySigned(publicKeys, res)).toMatchObject({ ok: true, serial: m().publicKeyId });
    expect(verifySigned(platform, res)).toMatchObject({ ok: false, reason: 'UNKNOWN_SERIAL' });
  });

  it('platform-certificate mode: the current certificate serial, verified with /v3/certificates only', async () => {
    const { outTradeNo } = await v3PaidTrade(sandbox, receiver, 100);
    const res = await v3Call(sandbox, 'GET', `/v3/pay/transactions/out-trade-no/${outTradeNo}?mchid=${m().mchId}`);
    const current = (await control(sandbox, 'GET', '/sandbox/v3/certificates')).json.currentSerialNo;
    expect(res.headers['wechatpay-serial']).toBe(current);
    expect(verifySigned(platform, res)).toMatchObject({ ok: true, serial: current });
    expect(verifySigned(publicKeys, res)).toMatchObject({ ok: false, reason: 'UNKNOWN_SERIAL' });
  });

  it('signs an empty 204 (close) and error answers alike', async () => {
    const outTradeNo = uniqueNo('T');
    const placed = await v3Call(sandbox, 'POST', '/v3/pay/transactions/jsapi', {
      appid: m().appid,
      mchid: m().mchId,
      description: '关单',
      out_trade_no: outTradeNo,
      notify_url: `${receiver.baseUrl}/v3/notify/pay`,
      amount: { total: 100, currency: 'CNY' },
      payer: { openid: 'oBuyer' },
    });
    expect(placed.status).toBe(200);
    expect(placed.json.prepay_id).toMatch(/^wx\d{14}[0-9a-f]{20}$/);
    const closed = await v3Call(sandbox, 'POST', `/v3/pay/transactions/out-trade-no/${outTradeNo}/close`, { mchid: m().mchId }, { publicKeyMode: true });
    expect(closed.status).toBe(204);
    expect(closed.body).toBe('');
    expect(verifySigned(publicKeys, closed).ok).toBe(true);
    const query = await v3Call(sandbox, 'GET', `/v3/pay/transactions/out-trade-no/${outTradeNo}?mchid=${m().mchId}`);
    expect(query.json).toMatchObject({ trade_state: 'CLOSED', out_trade_no: outTradeNo });
    const missing = await v3Call(sandbox, 'GET', `/v3/pay/transactions/out-trade-no/NOPE000000?mchid=${m().mchId}`, undefined, { publicKeyMode: true });
    expect(missing.status).toBe(404);
    expect(missing.json.code).toBe('ORDER_NOT_EXIST');
    expect(verifySigned(publicKeys, missing).ok).toBe(true);
    const wrongMchid = await v3Call(sandbox, 'GET', `/v3/pay/transactions/out-trade-no/${outTradeNo}?mchid=1900009999`);
    expect(wrongMchid.status).toBe(400);
  });
});

describe('paying over v3', () => {
  it('prepay → /sandbox/pay → TRANSACTION.SUCCESS, signed in the trade\'s key mode and decrypting with the APIv3 key', async () => {
    for (const publicKeyMode of [true, false]) {
      const { outTradeNo, transactionId, openid } = await v3PaidTrade(sandbox, receiver, 1234, { publicKeyMode });
      const [note] = v3Notes(outTradeNo);
      expect(note.raw.headers['content-type']).toContain('application/json');
      const keys = publicKeyMode ? publicKeys : platform;
      expect(verifySigned(keys, { headers: note.raw.headers, body: note.raw.body }).ok).toBe(true);
      expect(note.envelope).toMatchObject({
        id: expect.any(String),
        create_time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00$/),
        event_type: 'TRANSACTION.SUCCESS',
        resource_type: 'encrypt-resource',
        resource: { original_type: 'transaction', algorithm: 'AEAD_AES_256_GCM', associated_data: 'transaction' },
      });
      const resource = note.resource as V3PayNotifyResource;
      expect(resource).toMatchObject({
        appid: m().appid,
        mchid: m().mchId,
        out_trade_no: outTradeNo,
        transaction_id: transactionId,
        trade_type: 'JSAPI',
        trade_state: 'SUCCESS',
        payer: { openid },
        amount: { total: 1234, payer_total: 1234, currency: 'CNY', payer_currency: 'CNY' },
      });
      expect(resource.success_time).toMatch(/\+08:00$/);
    }
  });

  it('queries the paid trade over v3 and over v2; placing it again is refused', async () => {
    const { outTradeNo, transactionId } = await v3PaidTrade(sandbox, receiver, 500);
    const q = await v3Call(sandbox, 'GET', `/v3/pay/transactions/id/${transactionId}?mchid=${m().mchId}`);
    expect(q.json).toMatchObject({
      out_trade_no: outTradeNo,
      transaction_id: transactionId,
      trade_type: 'JSAPI',
      trade_state: 'SUCCESS',
      trade_state_desc: '支付成功',
      success_time: expect.stringMatching(/\+08:00$/),
      amount: { total: 500, payer_total: 500, currency: 'CNY', payer_currency: 'CNY' },
    });
    const v2 = await wxCall(sandbox, '/pay/orderquery', { out_trade_no: outTradeNo });
    expect(v2).toMatchObject({ result_code: 'SUCCESS', trade_state: 'SUCCESS', transaction_id: transactionId, total_fee: '500' });
    const again = await v3Call(sandbox, 'POST', '/v3/pay/transactions/jsapi', {
      appid: m().appid,
      mchid: m().mchId,
      description: 'again',
      out_trade_no: outTradeNo,
      notify_url: `${receiver.baseUrl}/v3/notify/pay`,
      amount: { total: 500 },
      payer: { openid: 'oBuyer' },
    });
    expect(again.status).toBe(400);
    expect(again.json.code).toBe('ORDERPAID');
  });

  it('a v3 pay notification counts as delivered on 200 or 204 only, whatever the body', async () => {
    // A 200 whose body says FAIL is a success: WeChat looks at the status only.
    receiver.reply = () => '{"code":"FAIL","message":"ignored"}';
    const taken = await v3PaidTrade(sandbox, receiver, 100);
    const row = async (ref: string) =>
      (await control(sandbox, 'GET', '/sandbox/notifications')).json.items.find((n: { ref: string }) => n.ref === ref);
    expect(await row(taken.outTradeNo)).toMatchObject({ protocol: 'v3', keyMode: 'platform-certificate', kind: 'pay', status: 'DELIVERED', attempts: 1 });

    let calls = 0;
    receiver.status = (r) => (r.path === '/v3/notify/pay' ? [500, 204][Math.min(calls++, 1)] : 200);
    const { outTradeNo } = await v3PaidTrade(sandbox, receiver, 100);
    const delivered = await until(async () => {
      const n = await row(outTradeNo);
      return n?.status === 'DELIVERED' && n;
    }, 'the retried pay notification');
    expect(delivered.attempts).toBe(2);
    // Each attempt is signed afresh; the notification itself (its id) is the same.
    const [a, b] = v3Notes(outTradeNo);
    expect(a.raw.headers['wechatpay-nonce']).not.toBe(b.raw.headers['wechatpay-nonce']);
    expect(a.envelope.id).toBe(b.envelope.id);
  });
});

describe('refunding over v3', () => {
  it('creates a PROCESSING refund, then REFUND.SUCCESS is notified, verified and decrypted', async () => {
    const { outTradeNo, transactionId } = await v3PaidTrade(sandbox, receiver, 1000);
    const no = uniqueNo('R');
    const res = await createRefund(refundBody(outTradeNo, no, 300, 1000), { publicKeyMode: true });
    expect(res.status).toBe(200);
    expect(verifySigned(publicKeys, res).ok).toBe(true);
    expect(res.json).toMatchObject({
      refund_id: expect.stringMatching(/^5030\d{25}$/),
      out_refund_no: no,
      transaction_id: transactionId,
      out_trade_no: outTradeNo,
      channel: 'ORIGINAL',
      user_received_account: '支付用户零钱',
      create_time: expect.stringMatching(/\+08:00$/),
      status: 'PROCESSING',
      amount: { total: 1000, refund: 300, payer_total: 1000, payer_refund: 300, settlement_refund: 300, settlement_total: 1000, discount_refund: 0, currency: 'CNY' },
    });
    await waitFor(() => v3Notes(no).length === 1, 5000, 'the refund notification');
    const [note] = v3Notes(no);
    expect(verifySigned(publicKeys, { headers: note.raw.headers, body: note.raw.body }).ok).toBe(true); // the refund's key mode
    expect(note.envelope).toMatchObject({ event_type: 'REFUND.SUCCESS', resource: { original_type: 'refund', associated_data: 'refund' } });
    const resource = note.resource as V3RefundNotifyResource;
    expect(resource).toEqual({
      mchid: m().mchId,
      transaction_id: transactionId,
      out_trade_no: outTradeNo,
      refund_id: res.json.refund_id,
      out_refund_no: no,
      refund_status: 'SUCCESS',
      success_time: expect.stringMatching(/\+08:00$/),
      user_received_account: '支付用户零钱',
      amount: { total: 1000, refund: 300, payer_total: 1000, payer_refund: 300 },
    });
    const q = await v3Call(sandbox, 'GET', `${refundsPath}/${no}`);
    expect(q.json).toMatchObject({ status: 'SUCCESS', success_time: resource.success_time });
    const item = (await control(sandbox, 'GET', `/sandbox/refunds?outRefundNo=${no}`)).json.items[0];
    expect(item).toMatchObject({ protocol: 'v3', keyMode: 'public-key', status: 'SUCCESS', calls: 1, fees: [300] });
  });

  it('keeps v2\'s rules: idempotent replay, amount mismatch, over-refund, unknown trade, refund > total', async () => {
    const { outTradeNo } = await v3PaidTrade(sandbox, receiver, 1000);
    const no = uniqueNo('R');
    const first = await createRefund(refundBody(outTradeNo, no, 600, 1000));
    const replay = await createRefund(refundBody(outTradeNo, no, 600, 1000));
    expect(replay.status).toBe(200);
    expect(replay.json.refund_id).toBe(first.json.refund_id);
    const mismatch = await createRefund(refundBody(outTradeNo, no, 500, 1000));
    expect([mismatch.status, mismatch.json.code]).toEqual([400, 'INVALID_REQUEST']);
    const over = await createRefund(refundBody(outTradeNo, uniqueNo('R'), 500, 1000));
    expect([over.status, over.json.code]).toEqual([400, 'INVALID_REQUEST']);
    expect(over.json.message).toContain('可退金额');
    const wrongTotal = await createRefund(refundBody(outTradeNo, uniqueNo('R'), 100, 999));
    expect([wrongTotal.status, wrongTotal.json.code]).toEqual([400, 'INVALID_REQUEST']);
    const unknown = await createRefund(refundBody('NOSUCHTRADE1', uniqueNo('R'), 1, 1));
    expect([unknown.status, unknown.json.code]).toEqual([404, 'RESOURCE_NOT_EXISTS']);
    const tooMuch = await createRefund(refundBody(outTradeNo, uniqueNo('R'), 1001, 1000));
    expect([tooMuch.status, tooMuch.json.code]).toEqual([400, 'PARAM_ERROR']);
    const noAmount = await createRefund({ out_trade_no: outTradeNo, out_refund_no: uniqueNo('R') });
    expect([noAmount.status, noAmount.json.code]).toEqual([400, 'PARAM_ERROR']);
    const missing = await v3Call(sandbox, 'GET', `${refundsPath}/NOSUCHREFUND`);
    expect([missing.status, missing.json.code]).toEqual([404, 'RESOURCE_NOT_EXISTS']);
    const items = (await control(sandbox, 'GET', `/sandbox/refunds?outTradeNo=${outTradeNo}`)).json.items;
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ outRefundNo: no, fees: [600, 600, 500], protocol: 'v3' });
    const calls = (await control(sandbox, 'GET', '/sandbox/refund-calls')).json.items.filter((c: { outRefundNo: string }) => c.outRefundNo === no);
    expect(calls.map((c: { result: string; protocol: string }) => [c.result, c.protocol])).toEqual([
      ['SUCCESS', 'v3'],
      ['SUCCESS', 'v3'],
      ['INVALID_REQUEST', 'v3'],
    ]);
  });

  it('settleAs ABNORMAL → REFUND.ABNORMAL; apply-abnormal-refund → PROCESSING, then REFUND.SUCCESS to 商户银行卡', async () => {
    const { outTradeNo } = await v3PaidTrade(sandbox, receiver, 800);
    const no = uniqueNo('R');
    await faults({ settleAs: [{ status: 'ABNORMAL', outRefundNo: no }] });
    const created = await createRefund(refundBody(outTradeNo, no, 800, 800));
    expect(created.status).toBe(200);
    const refundId = created.json.refund_id as string;
    const applyPath = `${refundsPath}/${refundId}/apply-abnormal-refund`;
    const early = await v3Call(sandbox, 'POST', applyPath, { out_refund_no: no, type: 'MERCHANT_BANK_CARD' });
    expect([early.status, early.json.code]).toEqual([400, 'INVALID_REQUEST']); // still PROCESSING
    await waitFor(() => v3Notes(no).length === 1, 5000, 'REFUND.ABNORMAL');
    const [abnormal] = v3Notes(no);
    expect(abnormal.envelope.event_type).toBe('REFUND.ABNORMAL');
    expect(abnormal.resource).toMatchObject({ refund_status: 'ABNORMAL' });
    expect(abnormal.resource.success_time).toBeUndefined();
    expect((await v3Call(sandbox, 'GET', `${refundsPath}/${no}`)).json.status).toBe('ABNORMAL');

    expect((await v3Call(sandbox, 'POST', `${refundsPath}/50300000000000000000000000000/apply-abnormal-refund`, { out_refund_no: no, type: 'MERCHANT_BANK_CARD' })).status).toBe(404);
    expect((await v3Call(sandbox, 'POST', applyPath, { out_refund_no: 'OTHER', type: 'MERCHANT_BANK_CARD' })).status).toBe(404);
    expect((await v3Call(sandbox, 'POST', applyPath, { out_refund_no: no, type: 'CASH' })).json.code).toBe('PARAM_ERROR');
    const applied = await v3Call(sandbox, 'POST', applyPath, { out_refund_no: no, type: 'MERCHANT_BANK_CARD' });
    expect(applied.status).toBe(200);
    expect(applied.json).toMatchObject({ refund_id: refundId, status: 'PROCESSING', user_received_account: '商户银行卡' });
    await waitFor(() => v3Notes(no).length === 2, 5000, 'REFUND.SUCCESS after the application');
    const success = v3Notes(no)[1];
    expect(success.envelope.event_type).toBe('REFUND.SUCCESS');
    expect(success.resource).toMatchObject({ refund_status: 'SUCCESS', user_received_account: '商户银行卡', success_time: expect.any(String) });
    const again = await v3Call(sandbox, 'POST', applyPath, { out_refund_no: no, type: 'MERCHANT_BANK_CARD' });
    expect([again.status, again.json.code]).toEqual([400, 'INVALID_REQUEST']);
    // v2 sees where the money went too.
    const v2 = await wxCall(sandbox, '/pay/refundquery', { out_refund_no: no });
    expect(v2).toMatchObject({ refund_status_0: 'SUCCESS', refund_recv_accout_0: '商户银行卡', refund_channel_0: 'OTHER_BANKCARD' });
  });

  it('settleAs CLOSED → REFUND.CLOSED; the same out_refund_no may be resubmitted', async () => {
    const { outTradeNo } = await v3PaidTrade(sandbox, receiver, 300);
    const no = uniqueNo('R');
    await faults({ settleAs: [{ status: 'CLOSED', outRefundNo: no }] });
    expect((await createRefund(refundBody(outTradeNo, no, 300, 300))).status).toBe(200);
    await waitFor(() => v3Notes(no).length === 1, 5000, 'REFUND.CLOSED');
    expect(v3Notes(no)[0].envelope.event_type).toBe('REFUND.CLOSED');
    expect((await v3Call(sandbox, 'GET', `${refundsPath}/${no}`)).json.status).toBe('CLOSED');
    const again = await createRefund(refundBody(outTradeNo, no, 300, 300));
    expect(again.json.status).toBe('PROCESSING');
    await waitFor(() => v3Notes(no).length === 2, 5000, 'REFUND.SUCCESS after resubmission');
  });
});

describe('v2 and v3 on the same trades and refunds', () => {
  it('a v2-made refund is queried over v3 (CHANGE reads ABNORMAL) and keeps notifying in v2 XML', async () => {
    const { outTradeNo, transactionId } = await paidTrade(sandbox, receiver, 700);
    const no = uniqueNo('R');
    await faults({ settleAs: [{ status: 'CHANGE', outRefundNo: no }] });
    const v2 = await wxCall(
      sandbox,
      '/secapi/pay/refund',
      { out_trade_no: outTradeNo, out_refund_no: no, total_fee: 700, refund_fee: 200, notify_url: `${receiver.baseUrl}/notify/refund` },
      { agent: mtls },
    );
    expect(v2.result_code).toBe('SUCCESS');
    const q = await v3Call(sandbox, 'GET', `${refundsPath}/${no}`);
    expect(q.json).toMatchObject({ refund_id: v2.refund_id, transaction_id: transactionId, status: 'PROCESSING', amount: { refund: 200, total: 700 } });
    await waitFor(() => refundNotifications(sandbox, receiver, no).length === 1, 5000, 'the v2 notification');
    expect(refundNotifications(sandbox, receiver, no)[0].refund_status).toBe('CHANGE');
    expect(v3Notes(no)).toHaveLength(0);
    expect((await v3Call(sandbox, 'GET', `${refundsPath}/${no}`)).json.status).toBe('ABNORMAL');
    // The v2 trade is seen over v3 too, as REFUND once refunded.
    const t = await v3Call(sandbox, 'GET', `/v3/pay/transactions/out-trade-no/${outTradeNo}?mchid=${m().mchId}`);
    expect(t.json).toMatchObject({ transaction_id: transactionId, trade_state: 'REFUND' });
  });

  it('a v3-made refund is queried over v2, and both protocols count toward the same refundable amount', async () => {
    const { outTradeNo } = await v3PaidTrade(sandbox, receiver, 1000);
    const no = uniqueNo('R');
    expect((await createRefund(refundBody(outTradeNo, no, 600, 1000))).status).toBe(200);
    const q = await wxCall(sandbox, '/pay/refundquery', { out_refund_no: no });
    expect(q).toMatchObject({ result_code: 'SUCCESS', out_refund_no_0: no, refund_fee_0: '600', refund_status_0: expect.stringMatching(/PROCESSING|SUCCESS/) });
    const v2over = await wxCall(
      sandbox,
      '/secapi/pay/refund',
      { out_trade_no: outTradeNo, out_refund_no: uniqueNo('R'), total_fee: 1000, refund_fee: 500 },
      { agent: mtls },
    );
    expect(v2over).toMatchObject({ result_code: 'FAIL', err_code: 'INVALID_REQUEST' });
    // Replaying the v3 refund over v2 with the same amounts is the same refund, not a second one.
    const v2replay = await wxCall(
      sandbox,
      '/secapi/pay/refund',
      { out_trade_no: outTradeNo, out_refund_no: no, total_fee: 1000, refund_fee: 600 },
      { agent: mtls },
    );
    expect(v2replay.result_code).toBe('SUCCESS');
    expect((await control(sandbox, 'GET', `/sandbox/refunds?outTradeNo=${outTradeNo}`)).json.items).toHaveLength(1);
  });

  it('a vendor refund is notified in the trade\'s protocol, or the one asked for', async () => {
    const { outTradeNo } = await v3PaidTrade(sandbox, receiver, 900);
    const asV3 = await control(sandbox, 'POST', '/sandbox/vendor-refund', { out_trade_no: outTradeNo, refund_fee: 100, notify_url: `${receiver.baseUrl}/v3/notify/refund` });
    expect(asV3.json).toMatchObject({ delivered: true, protocol: 'v3', source: 'VENDOR_PLATFORM' });
    const [note] = v3Notes(asV3.json.outRefundNo);
    expect(note.envelope.event_type).toBe('REFUND.SUCCESS');
    expect(verifySigned(platform, { headers: note.raw.headers, body: note.raw.body }).ok).toBe(true);
    const asV2 = await control(sandbox, 'POST', '/sandbox/vendor-refund', { out_trade_no: outTradeNo, refund_fee: 100, protocol: 'v2', notify_url: `${receiver.baseUrl}/notify/refund` });
    expect(asV2.json).toMatchObject({ delivered: true, protocol: 'v2' });
    expect(refundNotifications(sandbox, receiver, asV2.json.outRefundNo)[0].refund_request_source).toBe('VENDOR_PLATFORM');
    // Without notify_url: the last v3 refund URL of the trade, never a v2 one.
    const reuse = await control(sandbox, 'POST', '/sandbox/vendor-refund', { out_trade_no: outTradeNo, refund_fee: 100 });
    expect(reuse.json.protocol).toBe('v3');
    expect(v3Notes(reuse.json.outRefundNo)[0].raw.path).toBe('/v3/notify/refund');
  });
});

describe('platform certificates', () => {
  it('/v3/certificates decrypts with the APIv3 key to sandbox-CA certificates, and is signed by one of them', async () => {
    const res = await v3Call(sandbox, 'GET', '/v3/certificates');
    expect(res.status).toBe(200);
    const store = certificateStore();
    const certs = await store.refresh(); // decrypts, checks serials and the answer's own signature
    expect(certs.length).toBeGreaterThanOrEqual(1);
    for (const c of certs) {
      expect(c.serialNo).toMatch(/^[0-9A-F]+$/);
      expect(new X509Certificate(c.certPem).checkIssued(new X509Certificate(sandbox.caPem))).toBe(true);
      expect(c.publicKey.asymmetricKeyDetails?.modulusLength).toBe(2048);
    }
    expect(res.json.data[0].encrypt_certificate).toMatchObject({ algorithm: 'AEAD_AES_256_GCM', associated_data: 'certificate' });
  });

  it('rotation: a new serial signs answers and notifications from then on; the mall learns it on sight; the old stays listed', async () => {
    const mall = certificateStore();
    await mall.refresh();
    const before = (await control(sandbox, 'GET', '/sandbox/v3/certificates')).json;
    const rotated = await control(sandbox, 'POST', '/sandbox/v3/rotate-certificate');
    expect(rotated.status).toBe(200);
    expect(rotated.json.previousSerialNo).toBe(before.currentSerialNo);
    expect(rotated.json.serialNo).not.toBe(before.currentSerialNo);
    expect(rotated.json.certificates.map((c: { serialNo: string }) => c.serialNo)).toEqual(
      expect.arrayContaining([before.currentSerialNo, rotated.json.serialNo]),
    );

    const { outTradeNo } = await v3PaidTrade(sandbox, receiver, 100);
    const res = await v3Call(sandbox, 'GET', `/v3/pay/transactions/out-trade-no/${outTradeNo}?mchid=${m().mchId}`);
    expect(res.headers['wechatpay-serial']).toBe(rotated.json.serialNo);
    expect(verifySigned(mall, res)).toMatchObject({ ok: false, reason: 'UNKNOWN_SERIAL' });
    expect(await verifySignedLearning(mall, res)).toMatchObject({ ok: true, serial: rotated.json.serialNo }); // fetched on sight
    expect(mall.get(before.currentSerialNo)).toBeDefined(); // still listed
    const [note] = v3Notes(outTradeNo);
    expect(note.raw.headers['wechatpay-serial']).toBe(rotated.json.serialNo);
    expect(verifySigned(mall, { headers: note.raw.headers, body: note.raw.body }).ok).toBe(true);
    platform = mall; // later tests verify with the rotated certificate
  });
});

describe('faults in v3 form', () => {
  it('refund codes in either vocabulary answer WeChat\'s v3 status and code, not accepted; then the call goes through', async () => {
    const cases: Array<[string, number, string]> = [
      ['SYSTEMERROR', 500, 'SYSTEM_ERROR'],
      ['SYSTEM_ERROR', 500, 'SYSTEM_ERROR'],
      ['BIZERR_NEED_RETRY', 500, 'SYSTEM_ERROR'],
      ['NOTENOUGH', 403, 'NOT_ENOUGH'],
      ['FREQUENCY_LIMITED', 429, 'FREQUENCY_LIMITED'],
      ['PARAM_ERROR', 400, 'PARAM_ERROR'],
      ['INVALID_REQUEST', 400, 'INVALID_REQUEST'],
      ['NO_AUTH', 403, 'NO_AUTH'],
      ['NOAUTH', 403, 'NO_AUTH'],
      ['USER_ACCOUNT_ABNORMAL', 403, 'USER_ACCOUNT_ABNORMAL'],
      ['TRADE_OVERDUE', 400, 'TRADE_OVERDUE'],
    ];
    const { outTradeNo } = await v3PaidTrade(sandbox, receiver, 1000);
    const no = uniqueNo('R');
    await faults({ refund: cases.map(([code]) => ({ code, outRefundNo: no })) });
    for (const [, status, code] of cases) {
      const res = await createRefund(refundBody(outTradeNo, no, 100, 1000));
      expect([res.status, res.json.code]).toEqual([status, code]);
      expect(verifySigned(platform, res).ok).toBe(true);
    }
    expect((await v3Call(sandbox, 'GET', `${refundsPath}/${no}`)).status).toBe(404);
    expect((await createRefund(refundBody(outTradeNo, no, 100, 1000))).json.status).toBe('PROCESSING');
    const results = (await control(sandbox, 'GET', '/sandbox/refund-calls')).json.items.filter((c: { outRefundNo: string }) => c.outRefundNo === no);
    expect(results.map((c: { result: string }) => c.result)).toEqual([...cases.map(([, , code]) => code), 'SUCCESS']);
  });

  it('a fault armed in v3 words is answered in v2 words over v2', async () => {
    const { outTradeNo } = await paidTrade(sandbox, receiver, 100);
    const no = uniqueNo('R');
    await faults({ refund: [{ code: 'SYSTEM_ERROR', outRefundNo: no }, { code: 'NOT_ENOUGH', outRefundNo: no }] });
    const params = { out_trade_no: outTradeNo, out_refund_no: no, total_fee: 100, refund_fee: 100 };
    expect((await wxCall(sandbox, '/secapi/pay/refund', params, { agent: mtls })).err_code).toBe('SYSTEMERROR');
    expect((await wxCall(sandbox, '/secapi/pay/refund', params, { agent: mtls })).err_code).toBe('NOTENOUGH');
  });

  it('v3BadAnswers spoils the next answers (signature, stale, serial) while the work is still done', async () => {
    const { outTradeNo } = await v3PaidTrade(sandbox, receiver, 900);
    const expected: Record<string, string> = { signature: 'BAD_SIGNATURE', stale: 'STALE_TIMESTAMP', serial: 'UNKNOWN_SERIAL' };
    for (const [kind, reason] of Object.entries(expected)) {
      for (const publicKeyMode of [true, false]) {
        const state = await faults({ v3BadAnswers: { count: 1, kind } });
        expect(state.v3BadAnswers).toEqual({ count: 1, kind });
        const no = uniqueNo('R');
        const res = await createRefund(refundBody(outTradeNo, no, 100, 900), { publicKeyMode });
        expect(res.status).toBe(200);
        expect(verifySigned(publicKeyMode ? publicKeys : platform, res)).toMatchObject({ ok: false, reason });
        // The refund exists all the same, and the next answer verifies again.
        const q = await v3Call(sandbox, 'GET', `${refundsPath}/${no}`, undefined, { publicKeyMode });
        expect(q.json.out_refund_no).toBe(no);
        expect(verifySigned(publicKeyMode ? publicKeys : platform, q).ok).toBe(true);
      }
    }
    expect((await control(sandbox, 'GET', '/sandbox/faults')).json.v3BadAnswers).toBeUndefined();
  });

  it('dropAfterAccept, slowMs, loseNotifications and duplicateNotifications apply to v3', async () => {
    const { outTradeNo } = await v3PaidTrade(sandbox, receiver, 1000);
    const dropped = uniqueNo('R');
    await faults({ dropAfterAccept: 1 });
    await expect(createRefund(refundBody(outTradeNo, dropped, 100, 1000))).rejects.toThrow();
    expect((await v3Call(sandbox, 'GET', `${refundsPath}/${dropped}`)).json.out_refund_no).toBe(dropped);

    await faults({ slowMs: 300 });
    const started = Date.now();
    expect((await createRefund(refundBody(outTradeNo, uniqueNo('R'), 100, 1000))).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    await faults({ slowMs: 0 });

    await settledStatus(dropped, 'SUCCESS');
    const lost = uniqueNo('R');
    await faults({ loseNotifications: 1 });
    await createRefund(refundBody(outTradeNo, lost, 100, 1000));
    await settledStatus(lost, 'SUCCESS');
    await sleep(100);
    expect(v3Notes(lost)).toHaveLength(0);

    const twice = uniqueNo('R');
    await faults({ duplicateNotifications: 1 });
    await createRefund(refundBody(outTradeNo, twice, 100, 1000));
    await waitFor(() => v3Notes(twice).length === 2, 5000, 'two copies');
    const [a, b] = v3Notes(twice);
    expect(a.envelope.id).toBe(b.envelope.id);
  });
});

describe('rate limit', () => {
  it('answers 429 FREQUENCY_LIMITED beyond 150 refund calls in one second (v2 and v3 together), without accepting them', async () => {
    const { outTradeNo } = await v3PaidTrade(sandbox, receiver, 1000);
    const no = uniqueNo('R');
    const body = refundBody(outTradeNo, no, 100, 1000);
    // Signed once (the sandbox does not refuse a repeated nonce): the burst is not slowed by our own RSA signing.
    const { headers } = requestHeaders(merchantSigner(m().mchId, m().certSerialNo, fs.readFileSync(m().keyPemPath)), {
      method: 'POST',
      url: refundsPath,
      body: JSON.stringify(body),
    });
    const v2params = { out_trade_no: outTradeNo, out_refund_no: no, total_fee: 1000, refund_fee: 100 };
    const agent = new https.Agent({ keepAlive: true, maxSockets: 40, ca: sandbox.caPem });
    const answers: V3Response[] = [];
    try {
      // The limit is the merchant's, whatever the protocol: cheap v2 calls fill the window, v3 calls run through it.
      while (!answers.some((a) => a.status === 429) && answers.length < 1200) {
        const v2 = Array.from({ length: 100 }, () => wxCall(sandbox, '/secapi/pay/refund', v2params, { agent: mtls }));
        const v3 = Array.from({ length: 40 }, () => createRefund(body, { agent, authorization: headers.authorization }));
        answers.push(...(await Promise.all([Promise.all(v2), Promise.all(v3)]))[1]);
      }
    } finally {
      agent.destroy();
    }
    const limited = answers.filter((a) => a.status === 429);
    expect(limited.length).toBeGreaterThan(0);
    expect(limited.every((a) => a.json.code === 'FREQUENCY_LIMITED' && verifySigned(platform, a).ok)).toBe(true);
    expect(answers.every((a) => a.status === 200 || a.status === 429)).toBe(true);
    expect((await control(sandbox, 'GET', `/sandbox/refunds?outTradeNo=${outTradeNo}`)).json.items).toHaveLength(1);
    // The rule, call by call: a v3 call is limited exactly when more than 150 calls fell in the second ending with it.
    const calls = (await control(sandbox, 'GET', '/sandbox/refund-calls')).json.items as { at: number; result: string; outRefundNo: string; protocol: string }[];
    const counted = calls.filter((c) => c.result !== 'NO_CERT');
    counted.forEach((c, i) => {
      if (c.outRefundNo !== no || c.protocol !== 'v3') return;
      const inWindow = counted.slice(0, i + 1).filter((d) => d.at > c.at - 1000).length;
      expect(c.result === 'FREQUENCY_LIMITED', `call #${i} with ${inWindow} in its window`).toBe(inWindow > 150);
    });
  });
});

describe('materials', () => {
  it('gives the mall the APIv3 facts: key, public key id and file, certificate serial', async () => {
    const merchant = m();
    expect(merchant.apiV3Key).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(merchant.publicKeyPemPath).toBe(path.join(dataDir, 'sandbox', 'pub_key.pem'));
    expect(fs.readFileSync(merchant.publicKeyPemPath, 'utf8')).toContain('BEGIN PUBLIC KEY');
    expect(merchant.certSerialNo).toBe(new X509Certificate(fs.readFileSync(merchant.certPemPath)).serialNumber.toUpperCase());
    expect(merchant.certSerialNo).toMatch(/^[0-9A-F]+$/);
    for (const f of fs.readdirSync(path.join(dataDir, 'sandbox')).filter((n) => /private|platform-cert/.test(n))) {
      expect((fs.statSync(path.join(dataDir, 'sandbox', f)).mode & 0o777).toString(8), f).toBe('600');
    }
  });

  it('upgrades a sandbox dir made before APIv3 once, keeping its merchant, even with two starters at once', async () => {
    const old = cloneDataDir(dataDir);
    try {
      const dir = path.join(old, 'sandbox');
      const creds = JSON.parse(fs.readFileSync(path.join(dir, 'credentials.json'), 'utf8'));
      const { apiV3Key: _k, publicKeyId: _p, ...v2only } = creds;
      fs.writeFileSync(path.join(dir, 'credentials.json'), JSON.stringify(v2only));
      for (const f of fs.readdirSync(dir).filter((n) => n.startsWith('pub_key') || n.startsWith('platform-cert'))) fs.rmSync(path.join(dir, f));

      const [a, b] = await Promise.all([startSandbox({ dataDir: old, latencyMs: { min: 0, max: 0 } }), startSandbox({ dataDir: old, latencyMs: { min: 0, max: 0 } })]);
      try {
        expect(a.merchant).toEqual(b.merchant);
        expect(a.merchant).toMatchObject({ appid: creds.appid, mchId: creds.mchId, apiKey: creds.apiKey, certSerialNo: m().certSerialNo });
        expect(a.merchant.apiV3Key).toMatch(/^[A-Za-z0-9]{32}$/);
        expect(a.merchant.apiV3Key).not.toBe(creds.apiV3Key);
        expect(fs.readdirSync(dir).filter((n) => n.startsWith('platform-cert'))).toHaveLength(1);
        const saved = JSON.parse(fs.readFileSync(path.join(dir, 'credentials.json'), 'utf8'));
        expect(saved).toMatchObject({ ...v2only, apiV3Key: a.merchant.apiV3Key, publicKeyId: a.merchant.publicKeyId });
        // And it speaks v3 with the new materials.
        const keys = loadPublicKeyMode(a.merchant.publicKeyId, a.merchant.publicKeyPemPath);
        const res = await v3Call(a, 'GET', '/v3/refund/domestic/refunds/NOPE', undefined, { publicKeyMode: true });
        expect([res.status, verifySigned(keys, res).ok]).toEqual([404, true]);
      } finally {
        await Promise.all([a.close(), b.close()]);
      }
      // A later start reuses them.
      const c = await startSandbox({ dataDir: old, latencyMs: { min: 0, max: 0 } });
      expect(c.merchant.apiV3Key).toBe(a.merchant.apiV3Key);
      await c.close();
    } finally {
      fs.rmSync(old, { recursive: true, force: true });
    }
  });
});

describe('the v2 XML notifications are untouched', () => {
  it('a v2 pay notification is still XML with a v2 sign', async () => {
    const { outTradeNo } = await paidTrade(sandbox, receiver, 100);
    const raw = receiver.received.find((r) => r.body.includes(outTradeNo));
    expect(raw?.headers['content-type']).toContain('text/xml');
    expect(parseXml(raw!.body).out_trade_no).toBe(outTradeNo);
  });
});
