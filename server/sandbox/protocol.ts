// The v2 envelope on the sandbox side (docs/wechat-pay.md § Basics, § Signing): parse, check the signature, answer signed XML or FAIL.
import { nonceStr, sign, verifySign, type SignType } from '../wechatpay/sign.ts';
import { parseXml, toXml } from '../wechatpay/xml.ts';
import type { SandboxMerchant } from './types.ts';

export type Params = Record<string, string>;

/** Protocol-level failure: return_code FAIL, no sign, no business field (as WeChat answers). */
export function returnFail(msg: string): string {
  return toXml({ return_code: 'FAIL', return_msg: msg });
}

export function parseRequest(raw: Buffer): { params: Params } | { fail: string } {
  if (raw.length === 0) return { fail: returnFail('post数据为空') }; // POST_DATA_EMPTY
  try {
    return { params: parseXml(raw) };
  } catch {
    return { fail: returnFail('XML格式错误') };
  }
}

/** Checks sign_type and the signature with the merchant's key; the answer is signed the same way. */
export function checkSignature(params: Params, merchant: SandboxMerchant): { signType: SignType } | { fail: string } {
  const declared = params.sign_type;
  if (declared !== undefined && declared !== 'MD5' && declared !== 'HMAC-SHA256') return { fail: returnFail('sign_type参数错误') };
  const signType: SignType = declared === 'HMAC-SHA256' ? 'HMAC-SHA256' : 'MD5';
  if (!verifySign(params, merchant.apiKey, signType)) return { fail: returnFail('签名错误') };
  return { signType };
}

/** return_code SUCCESS + appid, mch_id, nonce_str, sign + the business fields. No sign_type, as WeChat's answers. */
export function answer(merchant: SandboxMerchant, signType: SignType, fields: Record<string, string | number | undefined>): string {
  const head = { return_code: 'SUCCESS', return_msg: 'OK', appid: merchant.appid, mch_id: merchant.mchId, nonce_str: nonceStr() };
  const unsigned = { ...head, ...fields };
  return toXml({ ...head, sign: sign(unsigned, merchant.apiKey, signType), ...fields });
}

const DESCRIPTIONS: Record<string, string> = {
  SYSTEMERROR: '系统超时',
  BIZERR_NEED_RETRY: '并发情况下，业务被拒绝，商户重试即可解决',
  TRADE_OVERDUE: '订单已经超过退款期限',
  ERROR: '申请退款业务发生错误',
  USER_ACCOUNT_ABNORMAL: '用户帐号注销',
  INVALID_REQ_TOO_MUCH: '无效请求过多',
  NOTENOUGH: '基本账户余额不足，请充值后重新发起',
  INVALID_TRANSACTIONID: '无效transaction_id',
  PARAM_ERROR: '参数错误',
  APPID_NOT_EXIST: 'APPID不存在',
  MCHID_NOT_EXIST: 'MCHID不存在',
  APPID_MCHID_NOT_MATCH: 'appid和mch_id不匹配',
  ORDERNOTEXIST: '订单不存在',
  REFUNDNOTEXIST: '退款订单查询失败',
  FREQUENCY_LIMITED: '频率限制，请降低频率后重试',
  NOAUTH: '异常IP请求不予受理',
  CERT_ERROR: '证书错误',
  REFUND_FEE_MISMATCH: '订单金额或退款金额与之前请求不一致，请核实后再试',
  INVALID_REQUEST: '参数错误',
  ORDER_NOT_READY: '订单处理中，暂时无法退款，请稍后再试',
  ORDERPAID: '该订单已支付',
  ORDERCLOSED: '该订单已关闭',
  OUT_TRADE_NO_USED: '商户订单号重复',
  LACK_PARAMS: '缺少参数',
};

/** return_code SUCCESS, result_code FAIL with err_code / err_code_des. */
export function bizFail(merchant: SandboxMerchant, signType: SignType, errCode: string, des?: string): string {
  return answer(merchant, signType, { result_code: 'FAIL', err_code: errCode, err_code_des: des ?? DESCRIPTIONS[errCode] ?? errCode });
}

export function firstMissing(params: Params, names: readonly string[]): string | undefined {
  return names.find((n) => params[n] === undefined || params[n] === '');
}

/** Strict positive integer fen: no sign, no decimals, no leading zeros (so "0100" is refused, not read as 100). */
export function positiveFen(value: string | undefined): number | null {
  if (value === undefined || !/^[1-9]\d{0,11}$/.test(value)) return null;
  return Number.parseInt(value, 10);
}

/** WeChat refuses 4-byte UTF-8 characters (emoji) in text fields. */
export function hasFourByteChars(s: string): boolean {
  return /[\u{10000}-\u{10FFFF}]/u.test(s);
}

/** http(s), at most 256 characters, and no query string: WeChat would drop or refuse it. */
export function validNotifyUrl(s: string): boolean {
  if (s.length > 256 || s.includes('?') || s.includes('#')) return false;
  try {
    const u = new URL(s);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '';
  } catch {
    return false;
  }
}
