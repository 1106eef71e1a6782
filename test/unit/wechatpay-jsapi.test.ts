// paySign for wx.requestPayment against the official mini-program vector V2 (MD5) and its HMAC variant.
import { describe, expect, it } from 'vitest';
import { requestPaymentParams } from '../../server/wechatpay/jsapi.ts';

const base = {
  appid: 'wxd678efh567hg6787',
  apiKey: 'qazwsxedcrfvtgbyhnujmikolp111111',
  prepayId: 'wx2017033010242291fcfe0db70013231072',
  timeStamp: '1490840662',
  nonceStr: '5K8264ILTKCH16CQ2502SI8ZNMTM67VS',
};

describe('requestPaymentParams', () => {
  it('V2 MD5', () => {
    expect(requestPaymentParams({ ...base, signType: 'MD5' })).toEqual({
      timeStamp: '1490840662',
      nonceStr: '5K8264ILTKCH16CQ2502SI8ZNMTM67VS',
      package: 'prepay_id=wx2017033010242291fcfe0db70013231072',
      signType: 'MD5',
      paySign: '22D9B4E54AB1950F51E0649E8810ACD6',
    });
  });
  it('V2 HMAC-SHA256 variant', () => {
    expect(requestPaymentParams({ ...base, signType: 'HMAC-SHA256' }).paySign).toBe(
      'FB9D1EFB5C509131BBFF729F88A99CA2DE9B724D06D3B3262832A53083862BC0',
    );
  });
  it('fills timeStamp (seconds) and nonceStr when not given, and does not return appId', () => {
    const before = Math.floor(Date.now() / 1000);
    const p = requestPaymentParams({ appid: base.appid, apiKey: base.apiKey, prepayId: 'wx1', signType: 'MD5' });
    expect(Number(p.timeStamp)).toBeGreaterThanOrEqual(before);
    expect(p.timeStamp).toMatch(/^\d{10}$/);
    expect(p.nonceStr).toMatch(/^[0-9a-f]{32}$/);
    expect(p.package).toBe('prepay_id=wx1');
    expect(p.paySign).toMatch(/^[0-9A-F]{32}$/);
    expect(Object.keys(p).sort()).toEqual(['nonceStr', 'package', 'paySign', 'signType', 'timeStamp']);
  });
});
