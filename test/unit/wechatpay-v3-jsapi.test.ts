// The APIv3 wx.requestPayment parameters: signType RSA, paySign over appId/timeStamp/nonceStr/package lines, checkable with the merchant public key.
import { generateKeyPairSync, verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { paySignMessage, requestPaymentParamsV3 } from '../../server/wechatpay-v3/jsapi.ts';

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const input = {
  appid: 'wxd678efh567hg6787',
  prepayId: 'wx201410272009395522657a690389285100',
  privateKey,
  timeStamp: '1414561699',
  nonceStr: '5K8264ILTKCH16CQ2502SI8ZNMTM67VS',
};

describe('requestPaymentParamsV3', () => {
  it('signs appId, timeStamp, nonceStr and package as four \\n-terminated lines, in that order', () => {
    expect(paySignMessage('wxd678efh567hg6787', '1414561699', '5K8264ILTKCH16CQ2502SI8ZNMTM67VS', 'prepay_id=wx1')).toBe(
      'wxd678efh567hg6787\n1414561699\n5K8264ILTKCH16CQ2502SI8ZNMTM67VS\nprepay_id=wx1\n',
    );
  });

  it('returns signType RSA and a paySign the merchant public key verifies; appId is signed but not returned', () => {
    const p = requestPaymentParamsV3(input);
    expect(p).toEqual({
      timeStamp: '1414561699',
      nonceStr: '5K8264ILTKCH16CQ2502SI8ZNMTM67VS',
      package: 'prepay_id=wx201410272009395522657a690389285100',
      signType: 'RSA',
      paySign: expect.stringMatching(/^[A-Za-z0-9+/]{342}==$/), // 256 bytes of RSA-2048, base64
    });
    const message = paySignMessage(input.appid, p.timeStamp, p.nonceStr, p.package);
    expect(verify('sha256', Buffer.from(message), publicKey, Buffer.from(p.paySign, 'base64'))).toBe(true);
    // another appId, or the v2 sorted k=v form, does not verify
    const otherApp = paySignMessage('wx0000000000000000', p.timeStamp, p.nonceStr, p.package);
    expect(verify('sha256', Buffer.from(otherApp), publicKey, Buffer.from(p.paySign, 'base64'))).toBe(false);
    const v2Style = `appId=${input.appid}&nonceStr=${p.nonceStr}&package=${p.package}&signType=RSA&timeStamp=${p.timeStamp}`;
    expect(verify('sha256', Buffer.from(v2Style), publicKey, Buffer.from(p.paySign, 'base64'))).toBe(false);
  });

  it('is deterministic for fixed inputs (PKCS#1 v1.5), and fills timeStamp (seconds) and nonceStr when not given', () => {
    expect(requestPaymentParamsV3(input).paySign).toBe(requestPaymentParamsV3(input).paySign);
    const before = Math.floor(Date.now() / 1000);
    const p = requestPaymentParamsV3({ appid: input.appid, prepayId: 'wx1', privateKey });
    expect(Number(p.timeStamp)).toBeGreaterThanOrEqual(before);
    expect(p.timeStamp).toMatch(/^\d{10}$/);
    expect(p.nonceStr).toMatch(/^[0-9A-F]{32}$/);
  });
});
