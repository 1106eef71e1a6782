// The sandbox's refund side over real mutual TLS: certificates, WeChat's refund rules, idempotency, notification, query.
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueClientCert, makeCa, newKeyPair } from '../../server/sandbox/pki.ts';
import { startSandbox, type Sandbox } from '../../server/sandbox/start.ts';
import { decryptReqInfo } from '../../server/wechatpay/crypto.ts';
import { verifySign } from '../../server/wechatpay/sign.ts';
import { parseXml } from '../../server/wechatpay/xml.ts';
import {
  control,
  merchantIdentity,
  paidTrade,
  rawRefundNotification,
  request,
  signedXml,
  startReceiver,
  uniqueNo,
  waitFor,
  wxCall,
  wxCallRaw,
  type Receiver,
} from '../helpers/sandbox-client.ts';

let sandbox: Sandbox;
let receiver: Receiver;
let dataDir: string;
let agent: https.Agent;

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sandbox-refund-'));
  sandbox = await startSandbox({ dataDir, settleDelayMs: 1000, notifyRetryScale: 0.001, latencyMs: { min: 0, max: 0 } });
  receiver = await startReceiver();
  agent = new https.Agent({ keepAlive: true, ca: sandbox.caPem, ...merchantIdentity(sandbox) });
});

afterAll(async () => {
  agent?.destroy();
  await sandbox?.close();
  await receiver?.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

function refundParams(outTradeNo: string, outRefundNo: string, refundFee: number, totalFee: number, extra = {}) {
  return {
    out_trade_no: outTradeNo,
    out_refund_no: outRefundNo,
    total_fee: totalFee,
    refund_fee: refundFee,
    notify_url: `${receiver.baseUrl}/notify/refund`,
    ...extra,
  };
}

const refund = (params: Record<string, string | number | undefined>, opts: { signType?: 'MD5' | 'HMAC-SHA256' } = {}) =>
  wxCall(sandbox, '/secapi/pay/refund', params, { ...opts, agent });

async function sandboxRefund(outRefundNo: string) {
  const res = await control(sandbox, 'GET', `/sandbox/refunds?outRefundNo=${outRefundNo}`);
  return res.json.items[0];
}

describe('mutual TLS on /secapi', () => {
  it('answers 400 "No required SSL certificate was sent" without a client certificate, and refunds nothing', async () => {
    const { outTradeNo } = await paidTrade(sandbox, receiver, 500);
    const no = uniqueNo('R');
    const res = await wxCallRaw(sandbox, '/secapi/pay/refund', refundParams(outTradeNo, no, 100, 500));
    expect(res.status).toBe(400);
    expect(res.body).toContain('No required SSL certificate was sent');
    expect(await sandboxRefund(no)).toBeUndefined();
    const calls = (await control(sandbox, 'GET', '/sandbox/refund-calls')).json.items.filter((c: { outRefundNo: string }) => c.outRefundNo === no);
    expect(calls).toEqual([{ at: expect.any(Number), outRefundNo: no, refundFee: 100, result: 'NO_CERT', protocol: 'v2' }]);
  });

  it('guards every /secapi/* path, even one the sandbox does not implement', async () => {
    expect((await wxCallRaw(sandbox, '/secapi/pay/reverse', { out_trade_no: 'T000000' })).status).toBe(400);
    expect((await wxCallRaw(sandbox, '/secapi/pay/reverse', { out_trade_no: 'T000000' }, { cert: true })).status).toBe(404);
  });

  it('answers 400 for a certificate from another CA', async () => {
    const pair = newKeyPair();
    const foreignCa = makeCa(pair);
    const cert = issueClientCert({ certPem: foreignCa, keyPem: pair.keyPem }, pair, sandbox.merchant.mchId);
    const res = await wxCallRaw(sandbox, '/secapi/pay/refund', refundParams('T000000', uniqueNo('R'), 1, 1), {
      identity: { cert, key: pair.keyPem },
    });
    expect(res.status).toBe(400);
  });

  it('answers "certificate not match" for another merchant\'s certificate', async () => {
    const dir = path.join(dataDir, 'sandbox');
    const issuer = { certPem: sandbox.caPem, keyPem: fs.readFileSync(path.join(dir, 'ca-key.pem'), 'utf8') };
    const pair = newKeyPair();
    const cert = issueClientCert(issuer, pair, '1900009999');
    const res = await wxCall(sandbox, '/secapi/pay/refund', refundParams('T000000', uniqueNo('R'), 1, 1), {
      identity: { cert, key: pair.keyPem },
    });
    expect(res).toEqual({ return_code: 'FAIL', return_msg: 'certificate not match' });
  });

  it('accepts the merchant .p12 (passphrase = mch_id) as the client identity', async () => {
    const { outTradeNo } = await paidTrade(sandbox, receiver, 300);
    const pfx = fs.readFileSync(sandbox.merchant.p12Path);
    const res = await new Promise<string>((resolve, reject) => {
      const req = https.request(new URL('/secapi/pay/refund', sandbox.baseUrl), {
        method: 'POST',
        ca: sandbox.caPem,
        pfx,
        passphrase: sandbox.merchant.p12Passphrase,
        agent: false,
      }, (r) => {
        let body = '';
        r.on('data', (c) => (body += c));
        r.on('end', () => resolve(body));
      });
      req.on('error', reject);
      req.end(signedXml(sandbox, refundParams(outTradeNo, uniqueNo('R'), 100, 300)));
    });
    expect(parseXml(res).result_code).toBe('SUCCESS');
  });
});

describe('/secapi/pay/refund', () => {
  it('refuses a bad signature with return_code FAIL', async () => {
    const res = await wxCall(sandbox, '/secapi/pay/refund', refundParams('T000000', uniqueNo('R'), 1, 1), {
      agent,
      apiKey: 'y'.repeat(32),
    });
    expect(res).toEqual({ return_code: 'FAIL', return_msg: '签名错误' });
  });

  it('accepts a refund (PROCESSING), settles it, and notifies with req_info that decrypts with the API key', async () => {
    const { outTradeNo, transactionId } = await paidTrade(sandbox, receiver, 1000);
    const no = uniqueNo('R');
    const res = await refund(refundParams(outTradeNo, no, 300, 1000));
    expect(verifySign(res, sandbox.merchant.apiKey)).toBe(true);
    expect(res).toMatchObject({
      return_code: 'SUCCESS',
      result_code: 'SUCCESS',
      appid: sandbox.merchant.appid,
      mch_id: sandbox.merchant.mchId,
      transaction_id: transactionId,
      out_trade_no: outTradeNo,
      out_refund_no: no,
      refund_fee: '300',
      total_fee: '1000',
      cash_fee: '1000',
    });
    expect(res.refund_id).toMatch(/^5030\d{25}$/);
    expect((await sandboxRefund(no)).status).toBe('PROCESSING');

    const raw = await waitFor(() => rawRefundNotification(sandbox, receiver, no), 5000, 'refund notification');
    const outer = parseXml(raw.body);
    expect(outer.sign).toBeUndefined(); // WeChat does not sign refund notifications
    expect(Object.keys(outer).sort()).toEqual(['appid', 'mch_id', 'nonce_str', 'req_info', 'return_code']);
    const plain = decryptReqInfo(outer.req_info, sandbox.merchant.apiKey);
    expect(plain.startsWith('<root>\n<out_refund_no><![CDATA[')).toBe(true);
    const info = parseXml(plain, { root: 'root' });
    expect(info).toMatchObject({
      out_refund_no: no,
      out_trade_no: outTradeNo,
      transaction_id: transactionId,
      refund_id: res.refund_id,
      refund_fee: '300',
      total_fee: '1000',
      settlement_refund_fee: '300',
      refund_status: 'SUCCESS',
      refund_request_source: 'API',
      refund_recv_accout: '支付用户零钱',
      refund_account: 'REFUND_SOURCE_UNSETTLED_FUNDS',
    });
    expect(info.success_time).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);

    const q = await wxCall(sandbox, '/pay/refundquery', { out_refund_no: no });
    expect(verifySign(q, sandbox.merchant.apiKey)).toBe(true);
    expect(q).toMatchObject({ result_code: 'SUCCESS', refund_count: '1', out_refund_no_0: no, refund_status_0: 'SUCCESS', refund_fee_0: '300' });
    expect(q.refund_success_time_0).toBe(info.success_time);
    expect((await wxCall(sandbox, '/pay/orderquery', { out_trade_no: outTradeNo })).trade_state).toBe('REFUND');
  });

  it('treats the same out_refund_no with the same fee as one refund with the same refund_id', async () => {
    const { outTradeNo } = await paidTrade(sandbox, receiver, 1000);
    const no = uniqueNo('R');
    const a = await refund(refundParams(outTradeNo, no, 400, 1000));
    const b = await refund(refundParams(outTradeNo, no, 400, 1000));
    expect(a.result_code).toBe('SUCCESS');
    expect(b.result_code).toBe('SUCCESS');
    expect(b.refund_id).toBe(a.refund_id);
    const items = (await control(sandbox, 'GET', `/sandbox/refunds?outTradeNo=${outTradeNo}`)).json.items;
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ outRefundNo: no, refundId: a.refund_id, refundFee: 400, totalFee: 1000, calls: 2, fees: [400, 400] });
  });

  it('answers REFUND_FEE_MISMATCH for the same out_refund_no with another fee', async () => {
    const { outTradeNo } = await paidTrade(sandbox, receiver, 1000);
    const no = uniqueNo('R');
    await refund(refundParams(outTradeNo, no, 400, 1000));
    const res = await refund(refundParams(outTradeNo, no, 500, 1000));
    expect(res).toMatchObject({ return_code: 'SUCCESS', result_code: 'FAIL', err_code: 'REFUND_FEE_MISMATCH' });
    expect(verifySign(res, sandbox.merchant.apiKey)).toBe(true);
    expect((await sandboxRefund(no)).fees).toEqual([400, 500]);
  });

  it('refuses over-refunds: refund_fee > total_fee, more than refundable, and a fully refunded trade', async () => {
    const { outTradeNo } = await paidTrade(sandbox, receiver, 1000);
    expect(await refund(refundParams(outTradeNo, uniqueNo('R'), 1001, 1000))).toEqual({ return_code: 'FAIL', return_msg: 'invalid refund_fee' });
    expect((await refund(refundParams(outTradeNo, uniqueNo('R'), 700, 1000))).result_code).toBe('SUCCESS');
    const over = await refund(refundParams(outTradeNo, uniqueNo('R'), 301, 1000));
    expect(over).toMatchObject({ result_code: 'FAIL', err_code: 'INVALID_REQUEST', err_code_des: 'refund_fee大于可退金额' });
    expect((await refund(refundParams(outTradeNo, uniqueNo('R'), 300, 1000))).result_code).toBe('SUCCESS');
    const full = await refund(refundParams(outTradeNo, uniqueNo('R'), 1, 1000));
    expect(full).toMatchObject({ result_code: 'FAIL', err_code: 'ERROR', err_code_des: '订单已全额退款' });
  });

  it('answers ORDERNOTEXIST for an unpaid or unknown trade, PARAM_ERROR for malformed amounts', async () => {
    expect((await refund(refundParams('NOPE000001', uniqueNo('R'), 1, 10))).err_code).toBe('ORDERNOTEXIST');
    expect((await refund(refundParams('NOPE000001', uniqueNo('R'), '1.5' as unknown as number, 10))).err_code).toBe('PARAM_ERROR');
    expect((await refund({ ...refundParams('NOPE000001', uniqueNo('R'), 1, 10), out_refund_no: undefined })).err_code).toBe('PARAM_ERROR');
  });

  it('refuses the 51st refund of a trade', async () => {
    const { outTradeNo } = await paidTrade(sandbox, receiver, 100);
    for (let i = 0; i < 50; i++) {
      const res = await refund(refundParams(outTradeNo, uniqueNo('R'), 1, 100));
      expect(res.result_code, `refund #${i + 1}`).toBe('SUCCESS');
    }
    const res = await refund(refundParams(outTradeNo, uniqueNo('R'), 1, 100));
    expect(res).toMatchObject({ result_code: 'FAIL', err_code: 'ERROR', err_code_des: '退款次数超过限制' });

    // refundquery by trade pages 10 at a time; offset past the end is PARAM_ERROR.
    const page = await wxCall(sandbox, '/pay/refundquery', { out_trade_no: outTradeNo, offset: 45 });
    expect(page).toMatchObject({ result_code: 'SUCCESS', total_refund_count: '50', refund_count: '5' });
    expect(page.out_refund_no_4).toBeTruthy();
    expect(page.out_refund_no_5).toBeUndefined();
    expect((await wxCall(sandbox, '/pay/refundquery', { out_trade_no: outTradeNo })).refund_count).toBe('10');
    expect((await wxCall(sandbox, '/pay/refundquery', { out_trade_no: outTradeNo, offset: 50 })).err_code).toBe('PARAM_ERROR');
  });

  it('signs refund answers with HMAC-SHA256 when asked to', async () => {
    const { outTradeNo } = await paidTrade(sandbox, receiver, 100);
    const res = await refund(refundParams(outTradeNo, uniqueNo('R'), 10, 100), { signType: 'HMAC-SHA256' });
    expect(res.result_code).toBe('SUCCESS');
    expect(res.sign).toHaveLength(64);
    expect(verifySign(res, sandbox.merchant.apiKey, 'HMAC-SHA256')).toBe(true);
  });
});

describe('/pay/refundquery', () => {
  it('answers REFUNDNOTEXIST for unknown refunds and for a paid trade never refunded', async () => {
    expect((await wxCall(sandbox, '/pay/refundquery', { out_refund_no: 'NOPE' })).err_code).toBe('REFUNDNOTEXIST');
    const { outTradeNo } = await paidTrade(sandbox, receiver, 100);
    expect((await wxCall(sandbox, '/pay/refundquery', { out_trade_no: outTradeNo })).err_code).toBe('REFUNDNOTEXIST');
  });

  it('needs no client certificate', async () => {
    const res = await request(sandbox, 'POST', '/pay/refundquery', signedXml(sandbox, { out_refund_no: 'NOPE' }));
    expect(res.status).toBe(200);
  });
});
