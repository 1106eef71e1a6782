// Pay and refund notification parsers: only a genuine notification for our merchant gets through.
import { describe, expect, it } from 'vitest';
import { encryptReqInfo } from '../../server/wechatpay/crypto.ts';
import { notifyReply, parsePayNotify, parseRefundNotify } from '../../server/wechatpay/notify.ts';
import { sign } from '../../server/wechatpay/sign.ts';
import { toXml } from '../../server/wechatpay/xml.ts';
import { V6_KEY, V6_REQ_INFO } from '../fixtures/wechatpay/vectors.ts';

const KEY = '192006250b4c09247ec02edce69f6a2d';
const APPID = 'wxd930ea5d5a258f4f';
const MCH_ID = '10000100';
const payCfg = { apiKey: KEY, appid: APPID, mchId: MCH_ID, signType: 'MD5' as const };

// Vector V5 (docs/wechat-pay.md § Test vectors): a self-computed JSAPI pay notification.
const v5: Record<string, string> = {
  appid: APPID,
  bank_type: 'OTHERS',
  cash_fee: '1000',
  fee_type: 'CNY',
  is_subscribe: 'N',
  mch_id: MCH_ID,
  nonce_str: '5K8264ILTKCH16CQ2502SI8ZNMTM67VS',
  openid: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o',
  out_trade_no: 'ORDER20240101001',
  result_code: 'SUCCESS',
  return_code: 'SUCCESS',
  time_end: '20240101115959',
  total_fee: '1000',
  trade_type: 'JSAPI',
  transaction_id: '4200000001202401010000000001',
};
const signed = (f: Record<string, string>, key = KEY) => toXml({ ...f, sign: sign(f, key) });

describe('parsePayNotify', () => {
  it('accepts the V5 notification', () => {
    const r = parsePayNotify(toXml({ ...v5, sign: 'F85220B23400BD51D6F41905B4EFE6B7' }), payCfg);
    expect(r).toEqual({
      ok: true,
      fields: { ...v5, sign: 'F85220B23400BD51D6F41905B4EFE6B7' },
      payment: {
        outTradeNo: 'ORDER20240101001',
        transactionId: '4200000001202401010000000001',
        totalFee: 1000,
        openid: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o',
        timeEnd: '20240101115959',
        resultCode: 'SUCCESS',
      },
    });
  });
  it('accepts an HMAC-SHA256 notification that names its sign_type', () => {
    const f = { ...v5, sign_type: 'HMAC-SHA256' };
    expect(parsePayNotify(toXml({ ...f, sign: sign(f, KEY, 'HMAC-SHA256') }), payCfg).ok).toBe(true);
  });
  it('refuses a bad sign (tampered amount)', () => {
    const r = parsePayNotify(toXml({ ...v5, total_fee: '1', sign: 'F85220B23400BD51D6F41905B4EFE6B7' }), payCfg);
    expect(r).toEqual({ ok: false, reason: 'signature does not verify' });
  });
  it('refuses one signed with another key', () => {
    expect(parsePayNotify(signed(v5, 'z'.repeat(32)), payCfg).ok).toBe(false);
  });
  it('refuses another appid or mch_id, even correctly signed', () => {
    expect(parsePayNotify(signed({ ...v5, appid: 'wxother' }), payCfg)).toEqual({ ok: false, reason: 'appid is not ours' });
    expect(parsePayNotify(signed({ ...v5, mch_id: '999' }), payCfg)).toEqual({ ok: false, reason: 'mch_id is not ours' });
  });
  it('refuses a non-integer total_fee', () => {
    const r = parsePayNotify(signed({ ...v5, total_fee: '10.00' }), payCfg);
    expect(r.ok).toBe(false);
    expect(parsePayNotify(signed({ ...v5, total_fee: '' }), payCfg).ok).toBe(false);
  });
  it('refuses return_code FAIL, junk and a DOCTYPE', () => {
    expect(parsePayNotify(toXml({ return_code: 'FAIL', return_msg: '签名失败' }), payCfg)).toEqual({
      ok: false,
      reason: 'return_code is FAIL: 签名失败',
    });
    expect(parsePayNotify('hello', payCfg).ok).toBe(false);
    expect(parsePayNotify('<!DOCTYPE x [<!ENTITY a "b">]><xml><a>&a;</a></xml>', payCfg).ok).toBe(false);
  });
});

const refundCfg = { apiKey: KEY, appid: APPID, mchId: MCH_ID };
const info = {
  out_refund_no: 'RF20240101001',
  out_trade_no: 'ORDER20240101001',
  refund_account: 'REFUND_SOURCE_RECHARGE_FUNDS',
  refund_fee: '300',
  refund_id: '50000000382019052709732678859',
  refund_recv_accout: '支付用户零钱',
  refund_request_source: 'API',
  refund_status: 'SUCCESS',
  settlement_refund_fee: '300',
  success_time: '2024-01-02 10:00:00',
  total_fee: '1000',
  transaction_id: '4200000001202401010000000001',
};
const outer = (reqInfo: string, over: Record<string, string> = {}) =>
  toXml({ return_code: 'SUCCESS', appid: APPID, mch_id: MCH_ID, nonce_str: 'n1', req_info: reqInfo, ...over });

describe('parseRefundNotify', () => {
  it('accepts a notification whose req_info decrypts with our key', () => {
    const r = parseRefundNotify(outer(encryptReqInfo(toXml(info, 'root'), KEY)), refundCfg);
    expect(r).toEqual({
      ok: true,
      outer: { return_code: 'SUCCESS', appid: APPID, mch_id: MCH_ID, nonce_str: 'n1', req_info: expect.any(String) },
      info: {
        outRefundNo: 'RF20240101001',
        outTradeNo: 'ORDER20240101001',
        refundId: '50000000382019052709732678859',
        transactionId: '4200000001202401010000000001',
        totalFee: 1000,
        refundFee: 300,
        settlementRefundFee: 300,
        refundStatus: 'SUCCESS',
        successTime: '2024-01-02 10:00:00',
        recvAccount: '支付用户零钱',
        requestSource: 'API',
      },
    });
  });
  it('reads the published real V6 req_info', () => {
    const r = parseRefundNotify(outer(V6_REQ_INFO), { ...refundCfg, apiKey: V6_KEY });
    expect(r.ok && r.info).toMatchObject({
      outRefundNo: '50fd012ed1b311e7af7800163e32c503',
      refundId: '50000404922017112502468056157',
      totalFee: 6,
      refundFee: 6,
      refundStatus: 'SUCCESS',
      successTime: '2017-11-25 15:36:17',
    });
  });
  it('a REFUNDCLOSE without success_time or settlement fee', () => {
    const { success_time: _s, settlement_refund_fee: _f, ...rest } = info;
    const r = parseRefundNotify(outer(encryptReqInfo(toXml({ ...rest, refund_status: 'REFUNDCLOSE' }, 'root'), KEY)), refundCfg);
    expect(r.ok && r.info).toMatchObject({ refundStatus: 'REFUNDCLOSE', successTime: null, settlementRefundFee: null });
  });
  it('refuses req_info encrypted with another key', () => {
    const r = parseRefundNotify(outer(encryptReqInfo(toXml(info, 'root'), 'q'.repeat(32))), refundCfg);
    expect(r).toEqual({ ok: false, reason: 'req_info does not decrypt with this merchant key' });
  });
  it('refuses another appid or mch_id', () => {
    const good = encryptReqInfo(toXml(info, 'root'), KEY);
    expect(parseRefundNotify(outer(good, { appid: 'wxother' }), refundCfg)).toEqual({ ok: false, reason: 'appid is not ours' });
    expect(parseRefundNotify(outer(good, { mch_id: '1' }), refundCfg)).toEqual({ ok: false, reason: 'mch_id is not ours' });
  });
  it('refuses a missing req_info, a bad amount and an unknown status', () => {
    expect(parseRefundNotify(toXml({ return_code: 'SUCCESS', appid: APPID, mch_id: MCH_ID }), refundCfg).ok).toBe(false);
    const enc = (f: Record<string, string>) => outer(encryptReqInfo(toXml(f, 'root'), KEY));
    expect(parseRefundNotify(enc({ ...info, refund_fee: '3.00' }), refundCfg).ok).toBe(false);
    expect(parseRefundNotify(enc({ ...info, refund_status: 'PROCESSING' }), refundCfg).ok).toBe(false);
    expect(parseRefundNotify(enc({ ...info, refund_id: '' }), refundCfg).ok).toBe(false);
    // decrypts, but with <xml> instead of <root>
    expect(parseRefundNotify(outer(encryptReqInfo(toXml(info), KEY)), refundCfg).ok).toBe(false);
  });
});

describe('notifyReply', () => {
  it('SUCCESS is byte-exact what WeChat expects', () => {
    expect(notifyReply(true)).toBe('<xml><return_code><![CDATA[SUCCESS]]></return_code><return_msg><![CDATA[OK]]></return_msg></xml>');
  });
  it('FAIL carries the reason', () => {
    expect(notifyReply(false, 'appid is not ours')).toBe(
      '<xml><return_code><![CDATA[FAIL]]></return_code><return_msg><![CDATA[appid is not ours]]></return_msg></xml>',
    );
    expect(notifyReply(false)).toContain('<return_code><![CDATA[FAIL]]></return_code>');
  });
});
