// The v2 signature against vectors V1, V3, V4, V5 (docs/wechat-pay.md § Test vectors), and verification rules.
import { describe, expect, it } from 'vitest';
import { nonceStr, sign, stringToSign, verifySign } from '../../server/wechatpay/sign.ts';

const KEY = '192006250b4c09247ec02edce69f6a2d';

describe('sign: official and self-computed vectors', () => {
  const v1 = { appid: 'wxd930ea5d5a258f4f', mch_id: '10000100', device_info: '1000', body: 'test', nonce_str: 'ibuaiVcKdpRxkhJA' };

  it('V1 builds the documented stringA', () => {
    expect(stringToSign(v1, KEY)).toBe(
      'appid=wxd930ea5d5a258f4f&body=test&device_info=1000&mch_id=10000100&nonce_str=ibuaiVcKdpRxkhJA&key=' + KEY,
    );
  });
  it('V1 MD5', () => expect(sign(v1, KEY, 'MD5')).toBe('9A0A8659F005D6984697E2CA0A9CF3B7'));
  it('V1 HMAC-SHA256', () =>
    expect(sign(v1, KEY, 'HMAC-SHA256')).toBe('6A9AE1657590FD6257D693A078E1C3E4BB6BA4DC30B23E0EE2496E54170DACD6'));

  const v3 = {
    appid: 'wxd930ea5d5a258f4f',
    mch_id: '10000100',
    nonce_str: 'ibuaiVcKdpRxkhJA',
    transaction_id: '', // sent empty, hence excluded
    out_trade_no: 'ORDER20240101001',
    out_refund_no: 'RF20240101001',
    total_fee: 1000,
    refund_fee: 300,
    refund_desc: '商品退货',
    notify_url: 'https://example.com/wxpay/refund-notify',
  };
  it('V3 refund request MD5 (empty value dropped)', () => expect(sign(v3, KEY, 'MD5')).toBe('92D11D5217551130B46929F10863A7E7'));
  it('V3 refund request HMAC-SHA256 with sign_type signed', () =>
    expect(sign({ ...v3, sign_type: 'HMAC-SHA256' }, KEY, 'HMAC-SHA256')).toBe(
      '51864DF66EE43A337EB083B4A182F16B082D409B27C16730258C21B84E7B149E',
    ));
  it('V4 refund query MD5', () =>
    expect(
      sign({ appid: 'wxd930ea5d5a258f4f', mch_id: '10000100', nonce_str: 'ibuaiVcKdpRxkhJA', out_refund_no: 'RF20240101001' }, KEY),
    ).toBe('A1C5CC8E605ED98277D1A0BF0988BF2B'));
});

const v5 = {
  appid: 'wxd930ea5d5a258f4f',
  bank_type: 'OTHERS',
  cash_fee: '1000',
  fee_type: 'CNY',
  is_subscribe: 'N',
  mch_id: '10000100',
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

describe('verifySign', () => {
  it('V5 pay notify sign', () => expect(sign(v5, KEY)).toBe('F85220B23400BD51D6F41905B4EFE6B7'));
  it('accepts the V5 notification', () => expect(verifySign({ ...v5, sign: 'F85220B23400BD51D6F41905B4EFE6B7' }, KEY)).toBe(true));
  it('accepts a lowercase sign', () => expect(verifySign({ ...v5, sign: 'f85220b23400bd51d6f41905b4efe6b7' }, KEY)).toBe(true));
  it('rejects a tampered value', () =>
    expect(verifySign({ ...v5, total_fee: '1', sign: 'F85220B23400BD51D6F41905B4EFE6B7' }, KEY)).toBe(false));
  it('rejects an added unknown field (all received fields are signed)', () =>
    expect(verifySign({ ...v5, extra: 'x', sign: 'F85220B23400BD51D6F41905B4EFE6B7' }, KEY)).toBe(false));
  it('rejects the wrong key', () =>
    expect(verifySign({ ...v5, sign: 'F85220B23400BD51D6F41905B4EFE6B7' }, 'x'.repeat(32))).toBe(false));
  it('rejects a missing sign', () => expect(verifySign({ ...v5 }, KEY)).toBe(false));
  it('rejects an unknown sign_type', () => {
    const s = sign({ ...v5, sign_type: 'SHA1' }, KEY, 'MD5');
    expect(verifySign({ ...v5, sign_type: 'SHA1', sign: s }, KEY)).toBe(false);
  });
  it('uses the message sign_type over the fallback', () => {
    const fields = { ...v5, sign_type: 'HMAC-SHA256' };
    expect(verifySign({ ...fields, sign: sign(fields, KEY, 'HMAC-SHA256') }, KEY, 'MD5')).toBe(true);
  });
  it('uses the fallback when sign_type is absent', () => {
    const s = sign(v5, KEY, 'HMAC-SHA256');
    expect(verifySign({ ...v5, sign: s }, KEY, 'HMAC-SHA256')).toBe(true);
    expect(verifySign({ ...v5, sign: s }, KEY, 'MD5')).toBe(false);
  });
});

describe('nonceStr', () => {
  it('is 32 hex characters and fresh', () => {
    const a = nonceStr();
    expect(a).toMatch(/^[0-9a-f]{32}$/);
    expect(nonceStr()).not.toBe(a);
  });
});
