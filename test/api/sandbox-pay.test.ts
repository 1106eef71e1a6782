// The sandbox's payment side over real HTTPS: signatures, unifiedorder rules, paying, the signed pay notification, login.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../server/sandbox/start.ts';
import { verifySign } from '../../server/wechatpay/sign.ts';
import { parseXml } from '../../server/wechatpay/xml.ts';
import {
  control,
  FAIL_REPLY,
  request,
  signedXml,
  startReceiver,
  uniqueNo,
  waitFor,
  wxCall,
  type Receiver,
} from '../helpers/sandbox-client.ts';

let sandbox: Sandbox;
let receiver: Receiver;
let dataDir: string;

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sandbox-pay-'));
  sandbox = await startSandbox({ dataDir, settleDelayMs: 50, notifyRetryScale: 0.001, latencyMs: { min: 0, max: 0 } });
  receiver = await startReceiver();
});

afterAll(async () => {
  await sandbox?.close();
  await receiver?.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

function order(outTradeNo: string, extra: Record<string, string | number | undefined> = {}) {
  return {
    body: '小店-测试商品',
    out_trade_no: outTradeNo,
    total_fee: 1000,
    spbill_create_ip: '127.0.0.1',
    notify_url: `${receiver.baseUrl}/notify/pay`,
    trade_type: 'JSAPI',
    openid: 'oBuyer',
    ...extra,
  };
}

describe('the v2 envelope', () => {
  it('refuses a bad signature with return_code FAIL and no sign', async () => {
    const res = await wxCall(sandbox, '/pay/unifiedorder', order(uniqueNo('T')), { apiKey: 'x'.repeat(32) });
    expect(res).toEqual({ return_code: 'FAIL', return_msg: '签名错误' });
  });

  it('refuses a tampered field after signing', async () => {
    const xml = signedXml(sandbox, order(uniqueNo('T'))).replace('<total_fee>1000</total_fee>', '<total_fee>1</total_fee>');
    const res = parseXml((await request(sandbox, 'POST', '/pay/unifiedorder', xml)).body);
    expect(res.return_code).toBe('FAIL');
  });

  it('answers malformed XML, a missing mch_id and GET with return_code FAIL', async () => {
    expect(parseXml((await request(sandbox, 'POST', '/pay/unifiedorder', '<xml><a>')).body).return_code).toBe('FAIL');
    const noMch = parseXml((await request(sandbox, 'POST', '/pay/orderquery', '<xml><mchid>1</mchid></xml>')).body);
    expect(noMch).toEqual({ return_code: 'FAIL', return_msg: '缺少参数mch_id' });
    expect(parseXml((await request(sandbox, 'GET', '/pay/unifiedorder')).body).return_code).toBe('FAIL');
  });

  it('signs its answers with the sign_type of the request (MD5 and HMAC-SHA256)', async () => {
    for (const signType of ['MD5', 'HMAC-SHA256'] as const) {
      const res = await wxCall(sandbox, '/pay/unifiedorder', order(uniqueNo('T')), { signType });
      expect(res.result_code).toBe('SUCCESS');
      expect(res.sign).toHaveLength(signType === 'MD5' ? 32 : 64);
      expect(verifySign(res, sandbox.merchant.apiKey, signType)).toBe(true);
    }
  });
});

describe('/pay/unifiedorder', () => {
  it('creates a trade with a wx… prepay_id, and gives the same one for the same order again', async () => {
    const no = uniqueNo('T');
    const first = await wxCall(sandbox, '/pay/unifiedorder', order(no));
    expect(first).toMatchObject({ return_code: 'SUCCESS', result_code: 'SUCCESS', trade_type: 'JSAPI' });
    expect(first.prepay_id).toMatch(/^wx\d{14}[0-9a-f]{20}$/);
    const again = await wxCall(sandbox, '/pay/unifiedorder', order(no));
    expect(again.prepay_id).toBe(first.prepay_id);
  });

  it('refuses the same out_trade_no with another amount (OUT_TRADE_NO_USED)', async () => {
    const no = uniqueNo('T');
    await wxCall(sandbox, '/pay/unifiedorder', order(no));
    const res = await wxCall(sandbox, '/pay/unifiedorder', order(no, { total_fee: 999 }));
    expect(res).toMatchObject({ return_code: 'SUCCESS', result_code: 'FAIL', err_code: 'OUT_TRADE_NO_USED' });
  });

  it('checks required fields, openid for JSAPI, amounts and notify_url', async () => {
    const cases: [Record<string, string | number | undefined>, string][] = [
      [{ body: undefined }, 'LACK_PARAMS'],
      [{ openid: undefined }, 'LACK_PARAMS'],
      [{ total_fee: '10.5' }, 'PARAM_ERROR'],
      [{ total_fee: '0100' }, 'PARAM_ERROR'],
      [{ total_fee: 0 }, 'PARAM_ERROR'],
      [{ notify_url: `${receiver.baseUrl}/notify/pay?x=1` }, 'PARAM_ERROR'],
      [{ body: '表情😀' }, 'PARAM_ERROR'],
      [{ out_trade_no: 'abc' }, 'PARAM_ERROR'],
    ];
    for (const [change, code] of cases) {
      const res = await wxCall(sandbox, '/pay/unifiedorder', order(uniqueNo('T'), change));
      expect(res.err_code, JSON.stringify(change)).toBe(code);
      expect(verifySign(res, sandbox.merchant.apiKey)).toBe(true);
    }
  });

  it('refuses another appid (APPID_MCHID_NOT_MATCH)', async () => {
    const res = await wxCall(sandbox, '/pay/unifiedorder', { ...order(uniqueNo('T')), appid: 'wx0000000000000000' });
    expect(res.err_code).toBe('APPID_MCHID_NOT_MATCH');
  });
});

describe('paying', () => {
  it('pays a trade, delivers a signed pay notification, and orderquery says SUCCESS', async () => {
    const no = uniqueNo('T');
    await wxCall(sandbox, '/pay/unifiedorder', order(no, { attach: 'a=1' }));
    expect((await wxCall(sandbox, '/pay/orderquery', { out_trade_no: no })).trade_state).toBe('NOTPAY');

    const paid = await control(sandbox, 'POST', '/sandbox/pay', { out_trade_no: no });
    expect(paid.status).toBe(200);
    expect(paid.json.delivered).toBe(true);
    expect(paid.json.transaction_id).toMatch(/^4200\d{24}$/);

    const got = receiver.received.filter((r) => r.body.includes(no));
    expect(got).toHaveLength(1);
    expect(got[0].path).toBe('/notify/pay');
    const n = parseXml(got[0].body);
    expect(verifySign(n, sandbox.merchant.apiKey)).toBe(true);
    expect(n).toMatchObject({
      return_code: 'SUCCESS',
      result_code: 'SUCCESS',
      appid: sandbox.merchant.appid,
      mch_id: sandbox.merchant.mchId,
      openid: 'oBuyer',
      trade_type: 'JSAPI',
      total_fee: '1000',
      cash_fee: '1000',
      fee_type: 'CNY',
      out_trade_no: no,
      transaction_id: paid.json.transaction_id,
      attach: 'a=1',
    });
    expect(n.time_end).toMatch(/^\d{14}$/);

    const q = await wxCall(sandbox, '/pay/orderquery', { out_trade_no: no });
    expect(q).toMatchObject({ trade_state: 'SUCCESS', transaction_id: paid.json.transaction_id, total_fee: '1000', openid: 'oBuyer' });
    expect((await wxCall(sandbox, '/pay/orderquery', { transaction_id: paid.json.transaction_id })).out_trade_no).toBe(no);

    // Paid: placing it again is ORDERPAID; paying again re-sends the notification with the same transaction_id.
    expect((await wxCall(sandbox, '/pay/unifiedorder', order(no))).err_code).toBe('ORDERPAID');
    const again = await control(sandbox, 'POST', '/sandbox/pay', { out_trade_no: no });
    expect(again.json).toEqual({ delivered: true, transaction_id: paid.json.transaction_id });
    expect(receiver.received.filter((r) => r.body.includes(no))).toHaveLength(2);
  });

  it('signs the pay notification with HMAC-SHA256 when the order was', async () => {
    const no = uniqueNo('T');
    await wxCall(sandbox, '/pay/unifiedorder', order(no), { signType: 'HMAC-SHA256' });
    await control(sandbox, 'POST', '/sandbox/pay', { out_trade_no: no });
    const n = parseXml(receiver.received.find((r) => r.body.includes(no))!.body);
    expect(n.sign_type).toBe('HMAC-SHA256');
    expect(verifySign(n, sandbox.merchant.apiKey, 'MD5')).toBe(true); // the declared sign_type wins
  });

  it('retries a pay notification the merchant answers FAIL, then delivers it', async () => {
    const no = uniqueNo('T');
    await wxCall(sandbox, '/pay/unifiedorder', order(no));
    let fails = 2;
    receiver.reply = (r) => (r.body.includes(no) && fails-- > 0 ? FAIL_REPLY : '<xml><return_code>SUCCESS</return_code></xml>');
    try {
      const paid = await control(sandbox, 'POST', '/sandbox/pay', { out_trade_no: no });
      expect(paid.json.delivered).toBe(false);
      await waitFor(() => receiver.received.filter((r) => r.body.includes(no)).length === 3, 3000, 'third attempt');
    } finally {
      receiver.reply = () => '<xml><return_code>SUCCESS</return_code></xml>';
    }
    // Attempts 1 and 2 were answered FAIL; the 3rd (15 s × 0.001 later each) was taken, and nothing follows it.
    await new Promise((r) => setTimeout(r, 100));
    expect(receiver.received.filter((r) => r.body.includes(no))).toHaveLength(3);
    const notes = (await control(sandbox, 'GET', '/sandbox/notifications')).json.items.filter((x: { ref: string }) => x.ref === no);
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatchObject({ status: 'DELIVERED', attempts: 3 });
  });

  it('closes an order (closeorder) and then refuses to pay it', async () => {
    const no = uniqueNo('T');
    await wxCall(sandbox, '/pay/unifiedorder', order(no));
    expect((await wxCall(sandbox, '/pay/closeorder', { out_trade_no: no })).result_code).toBe('SUCCESS');
    expect((await wxCall(sandbox, '/pay/orderquery', { out_trade_no: no })).trade_state).toBe('CLOSED');
    expect((await control(sandbox, 'POST', '/sandbox/pay', { out_trade_no: no })).status).toBe(409);
    expect((await wxCall(sandbox, '/pay/unifiedorder', order(no))).err_code).toBe('ORDERCLOSED');
  });

  it('answers ORDERNOTEXIST and 404 for an unknown trade', async () => {
    expect((await wxCall(sandbox, '/pay/orderquery', { out_trade_no: 'NOPE000001' })).err_code).toBe('ORDERNOTEXIST');
    const res = await control(sandbox, 'POST', '/sandbox/pay', { out_trade_no: 'NOPE000001' });
    expect(res.status).toBe(404);
    expect(res.json.error).toBeTruthy();
  });
});

describe('/sns/jscode2session', () => {
  const q = (over: Record<string, string> = {}) =>
    `/sns/jscode2session?${new URLSearchParams({
      appid: sandbox.merchant.appid,
      secret: sandbox.merchant.appSecret,
      js_code: 'buyer-alice',
      grant_type: 'authorization_code',
      ...over,
    })}`;

  it('gives the same openid for the same code, another for another code', async () => {
    const a1 = JSON.parse((await request(sandbox, 'GET', q())).body);
    const a2 = JSON.parse((await request(sandbox, 'GET', q())).body);
    const b = JSON.parse((await request(sandbox, 'GET', q({ js_code: 'buyer-bob' }))).body);
    expect(a1.openid).toMatch(/^o[A-Za-z0-9_-]{27}$/);
    expect(a2.openid).toBe(a1.openid);
    expect(b.openid).not.toBe(a1.openid);
    expect(a1.session_key).toBeTruthy();
    expect(a1.errcode).toBeUndefined();
  });

  it('answers WeChat error codes for a wrong appid, secret or code', async () => {
    const err = async (over: Record<string, string>) => JSON.parse((await request(sandbox, 'GET', q(over))).body).errcode;
    expect(await err({ appid: 'wx0000000000000000' })).toBe(40013);
    expect(await err({ secret: 'nope' })).toBe(40125);
    expect(await err({ js_code: 'invalid' })).toBe(40029);
    expect(await err({ js_code: '' })).toBe(40029);
  });
});
