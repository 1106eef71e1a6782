// WeChat Pay v2 signatures (docs/wechat-pay.md § Signing): MD5 or HMAC-SHA256 over the sorted, non-empty parameters.
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export type SignType = 'MD5' | 'HMAC-SHA256';
export type WxParams = Record<string, string | number | undefined | null>;

/** The string WeChat hashes: `k=v&…&key=API_KEY`, names in ASCII order, `sign` and empty values dropped. */
export function stringToSign(params: WxParams, apiKey: string): string {
  const pairs = Object.keys(params)
    .filter((k) => k !== 'sign' && params[k] !== undefined && params[k] !== null && String(params[k]) !== '')
    .sort() // JS default sort compares UTF-16 units: the ASCII order WeChat asks for on ASCII names
    .map((k) => `${k}=${String(params[k])}`);
  return `${pairs.join('&')}&key=${apiKey}`;
}

/** Uppercase hex signature. HMAC still appends `&key=…` to the message: WeChat's rule, not a mistake. */
export function sign(params: WxParams, apiKey: string, type: SignType = 'MD5'): string {
  const message = stringToSign(params, apiKey);
  const digest =
    type === 'HMAC-SHA256'
      ? createHmac('sha256', apiKey).update(message, 'utf8').digest('hex')
      : createHash('md5').update(message, 'utf8').digest('hex');
  return digest.toUpperCase();
}

/**
 * Checks `params.sign` over every other received field (unknown ones too: WeChat adds fields).
 * The message's own `sign_type` wins over the one we asked with. Constant-time compare.
 */
export function verifySign(params: Record<string, string>, apiKey: string, fallbackType: SignType = 'MD5'): boolean {
  const given = params.sign;
  if (typeof given !== 'string' || given.length === 0) return false;
  const declared = params.sign_type;
  const type: SignType | undefined =
    declared === undefined || declared === '' ? fallbackType : declared === 'MD5' || declared === 'HMAC-SHA256' ? declared : undefined;
  if (!type) return false;
  const expected = Buffer.from(sign(params, apiKey, type), 'utf8');
  const actual = Buffer.from(given.toUpperCase(), 'utf8');
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

/** 32 random hex characters, the `nonce_str` / `nonceStr` WeChat wants (≤ 32). */
export function nonceStr(): string {
  return randomBytes(16).toString('hex');
}
