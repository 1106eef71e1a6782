// The parameters wx.requestPayment needs, with the v2 "re-sign" paySign (docs/wechat-pay.md § paySign for wx.requestPayment).
import { nonceStr as makeNonce, sign, type SignType } from './sign.ts';

export type RequestPaymentInput = {
  appid: string;
  apiKey: string;
  signType: SignType;
  prepayId: string;
  timeStamp?: string;
  nonceStr?: string;
};

export type RequestPaymentParams = {
  timeStamp: string;
  nonceStr: string;
  package: string;
  signType: SignType;
  paySign: string;
};

/**
 * paySign covers exactly appId, nonceStr, package, signType, timeStamp (camelCase, unlike every other v2
 * sign). appId is signed but not returned: wx.requestPayment takes it from the mini-program itself.
 * signType must be the one the unified order was signed with.
 */
export function requestPaymentParams(input: RequestPaymentInput): RequestPaymentParams {
  const timeStamp = input.timeStamp ?? String(Math.floor(Date.now() / 1000)); // seconds, as a string
  const nonceStr = input.nonceStr ?? makeNonce();
  const pkg = `prepay_id=${input.prepayId}`;
  const paySign = sign(
    { appId: input.appid, nonceStr, package: pkg, signType: input.signType, timeStamp },
    input.apiKey,
    input.signType,
  );
  return { timeStamp, nonceStr, package: pkg, signType: input.signType, paySign };
}
