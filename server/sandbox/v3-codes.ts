// v2 ⇔ v3 vocabulary at the protocol edge: refund statuses (the store keeps v2's) and error codes with their HTTP statuses.
import type { WxRefundState } from '../wechatpay/client.ts';
import type { V3RefundStatus } from '../wechatpay-v3/types.ts';

// --- refund statuses: the store speaks v2 (SUCCESS | PROCESSING | REFUNDCLOSE | CHANGE) ---

const STATUS_TO_V3: Record<WxRefundState, V3RefundStatus> = {
  SUCCESS: 'SUCCESS',
  PROCESSING: 'PROCESSING',
  REFUNDCLOSE: 'CLOSED',
  CHANGE: 'ABNORMAL',
};

export function v3RefundStatus(status: WxRefundState): V3RefundStatus {
  return STATUS_TO_V3[status];
}

/** A final status named in either vocabulary (control API, settleAs faults), as the store keeps it. */
export const FINAL_STATUSES = ['SUCCESS', 'CHANGE', 'REFUNDCLOSE', 'ABNORMAL', 'CLOSED'] as const;
export type AnyFinalStatus = (typeof FINAL_STATUSES)[number];
export type StoredFinalStatus = Exclude<WxRefundState, 'PROCESSING'>;

export function storedFinalStatus(status: AnyFinalStatus): StoredFinalStatus {
  if (status === 'ABNORMAL') return 'CHANGE';
  if (status === 'CLOSED') return 'REFUNDCLOSE';
  return status;
}

// --- error codes ---

/** An APIv3 error answer: WeChat's HTTP status and body `{code, message}`. */
export interface V3Error {
  status: number;
  code: string;
  message: string;
}

/** v2 err_code → v3 code, where they differ or where v2 has a code v3 does not know. */
const V2_TO_V3: Record<string, string> = {
  SYSTEMERROR: 'SYSTEM_ERROR',
  BIZERR_NEED_RETRY: 'SYSTEM_ERROR', // v3 has no "retry, it was concurrent": a 500 means the same to a client
  NOTENOUGH: 'NOT_ENOUGH',
  NOAUTH: 'NO_AUTH',
  ORDERNOTEXIST: 'RESOURCE_NOT_EXISTS',
  REFUNDNOTEXIST: 'RESOURCE_NOT_EXISTS',
  MCHID_NOT_EXIST: 'MCH_NOT_EXISTS',
  SIGNERROR: 'SIGN_ERROR',
  ERROR: 'INVALID_REQUEST', // 订单已全额退款, 退款次数超过限制: business rules broken
  REFUND_FEE_MISMATCH: 'INVALID_REQUEST',
};

/** v3 code → v2 err_code (the reverse, for faults armed in v3 words and answered over v2). */
const V3_TO_V2: Record<string, string> = {
  SYSTEM_ERROR: 'SYSTEMERROR',
  NOT_ENOUGH: 'NOTENOUGH',
  NO_AUTH: 'NOAUTH',
  RESOURCE_NOT_EXISTS: 'ORDERNOTEXIST',
  ORDER_NOT_EXIST: 'ORDERNOTEXIST',
  MCH_NOT_EXISTS: 'MCHID_NOT_EXIST',
  SIGN_ERROR: 'SIGNERROR',
};

/** WeChat's HTTP status per v3 code; a code not listed is answered 400 (docs/wechat-pay.md § APIv3, errors). */
const V3_STATUS: Record<string, number> = {
  SYSTEM_ERROR: 500,
  FREQUENCY_LIMITED: 429,
  NOT_ENOUGH: 403,
  NO_AUTH: 403,
  USER_ACCOUNT_ABNORMAL: 403,
  OUT_TRADE_NO_USED: 403,
  RESOURCE_NOT_EXISTS: 404,
  ORDER_NOT_EXIST: 404,
  MCH_NOT_EXISTS: 404,
  SIGN_ERROR: 401,
  PARAM_ERROR: 400,
  INVALID_REQUEST: 400,
};

const V3_MESSAGES: Record<string, string> = {
  SYSTEM_ERROR: '系统错误',
  FREQUENCY_LIMITED: '频率超限，请降低请求接口频率',
  NOT_ENOUGH: '基本账户余额不足，请充值后重新发起',
  NO_AUTH: '商户无权限',
  USER_ACCOUNT_ABNORMAL: '退款请求失败，用户帐号注销',
  RESOURCE_NOT_EXISTS: '资源不存在',
  ORDER_NOT_EXIST: '订单不存在',
  MCH_NOT_EXISTS: '商户号不存在',
  SIGN_ERROR: '签名错误',
  PARAM_ERROR: '参数错误',
  INVALID_REQUEST: '请求参数符合参数格式，但不符合业务规则',
};

/** A code in either vocabulary as v2 names it (unknown codes pass as they are). */
export function v2Code(code: string): string {
  return V3_TO_V2[code] ?? code;
}

/** A code in either vocabulary as a v3 error answer: its status, its v3 code, `des` or WeChat's message. */
export function v3Error(code: string, des?: string): V3Error {
  const v3 = V2_TO_V3[code] ?? code;
  return { status: V3_STATUS[v3] ?? 400, code: v3, message: des ?? V3_MESSAGES[v3] ?? v3 };
}
