// The wx.requestPayment parameters for an APIv3 prepay_id: signType RSA, paySign by the merchant key (docs/wechat-pay.md § APIv3).
import type { KeyObject } from 'node:crypto';
import { newNonce, signWithKey, unixSeconds } from './sign.ts';

export type RequestPaymentV3Input = {
  appid: string;
  prepayId: string;
  /** The merchant API private key, the same one that signs requests (`MerchantSigner.privateKey`). */
  privateKey: KeyObject;
  timeStamp?: string;
  nonceStr?: string;
};

export type RequestPaymentV3Params = {
  timeStamp: string;
  nonceStr: string;
  package: string;
  signType: 'RSA';
  paySign: string;
};

/** `appId\ntimeStamp\nnonceStr\npackage\n`: four lines in this order (not sorted), each ending in `\n`. */
export function paySignMessage(appId: string, timeStamp: string, nonceStr: string, pkg: string): string {
  return `${appId}\n${timeStamp}\n${nonceStr}\n${pkg}\n`;
}

/**
 * paySign is base64 SHA256withRSA over paySignMessage. appId is signed but not returned: wx.requestPayment
 * takes it from the mini-program. timeStamp is Unix seconds as a string.
 */
export function requestPaymentParamsV3(input: RequestPaymentV3Input): RequestPaymentV3Params {
  const timeStamp = input.timeStamp ?? unixSeconds();
  const nonceStr = input.nonceStr ?? newNonce();
  const pkg = `prepay_id=${input.prepayId}`;
  const paySign = signWithKey(paySignMessage(input.appid, timeStamp, nonceStr, pkg), input.privateKey);
  return { timeStamp, nonceStr, package: pkg, signType: 'RSA', paySign };
}
