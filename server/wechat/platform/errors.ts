// Which api.weixin.qq.com errcodes are worth the same call again later and which need a person (docs/wechat-pay.md § WeChat platform calls).

/** The access token was refused: the client renews it and sends the call once more before reporting. */
export const TOKEN_ERRCODES: ReadonlySet<number> = new Set([
  40001, // invalid credential: unknown, or replaced by a forced refresh
  40014, // invalid access_token
  42001, // access_token expired
]);

/**
 * Nothing was done and the identical call may succeed later. Token errcodes are here too: they reach a caller
 * only when even a freshly fetched token was refused, which the next attempt usually gets past.
 */
const RETRYABLE: ReadonlySet<number> = new Set([
  -1, // system busy
  45009, // daily quota of this API reached: works again tomorrow
  45011, // per-minute quota reached
  10060012, // upload_shipping_info / get_order: "系统错误", documented as "try again later"
  10060019, // upload_shipping_info: the same
  ...TOKEN_ERRCODES,
]);

/**
 * Everything else is final: the same call gets the same answer until a person changes something. Among them:
 * 43101 the buyer refused (or used up) the subscription; 40003 unknown openid; 40037 unknown template;
 * 47003 a template value breaks its rule; 47001 malformed body; 40013 / 40125 / 40164 appid, secret or IP
 * allow-list; 10060001 no such payment; 10060002 / 10060003 / 10060004 the payment cannot be (re)shipped;
 * 10060031 the openid is not the payer; 10060005…10060026 and 2684852xx a field is wrong; any code we do not know.
 */
export function isRetryableErrcode(errcode: number): boolean {
  return RETRYABLE.has(errcode);
}

/** HTTP statuses other than 200: the server side is in trouble (5xx) or asks us to slow down (429). */
export function isRetryableStatus(status: number): boolean {
  return status >= 500 || status === 429;
}
