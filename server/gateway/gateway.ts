// What the mall asks of WeChat Pay, in its own words. One interface, two protocols behind it: APIv2 (XML,
// v2-gateway.ts) or APIv3 (JSON, v3-gateway.ts), chosen by WXPAY_API_VERSION in build.ts. The refund
// dispatcher, the reconciler and the pay flow speak only to this (docs/wechat-pay.md, "Two protocols behind one gateway").
import type { IncomingHttpHeaders } from 'node:http';
import type { SendTiming } from '../lib/slot-gate.ts';

export type ApiVersion = 'v2' | 'v3';

/** A call that did not do what was asked: `retryable` (the same request again is safe) or `final` (a person decides). */
export type GatewayFailure = { kind: 'retryable' | 'final'; code: string; message: string };

/** One call to WeChat Pay as evidence for the merchant (a WechatCall row without its references); never a key. */
export interface CallEvidence {
  endpoint: string;
  /** What was sent: v2's signed fields, or v3's JSON body (null for a GET). */
  request: unknown;
  response: unknown | null;
  httpStatus: number | null;
  /** v2's return_code and result_code; null over v3. */
  returnCode: string | null;
  resultCode: string | null;
  /** WeChat's error code and text (v2 err_code/err_code_des, v3 code/message), or ours for a transport failure. */
  errCode: string | null;
  errCodeDes: string | null;
  error: string | null;
  durationMs: number;
}

export type Called<T> = { outcome: T | GatewayFailure; call: CallEvidence };

/**
 * Where WeChat says a refund stands, in the mall's words: v2 REFUNDCLOSE is CLOSED and CHANGE is ABNORMAL
 * (the buyer's card cannot take the money). `word` keeps the protocol's own word: it is what the merchant
 * sees as the failure code.
 */
export type ReportedRefundState = 'SUCCESS' | 'PROCESSING' | 'CLOSED' | 'ABNORMAL';

export interface RefundReport {
  outRefundNo: string;
  outTradeNo: string | null;
  refundId: string | null;
  refundFee: number;
  totalFee: number | null;
  state: ReportedRefundState;
  word: string;
  /** v2's refund_request_source (API, VENDOR_PLATFORM); null when not told. */
  requestSource: string | null;
  successTime: string | null;
  recvAccount: string | null;
}

/** A payment WeChat reports (notification or query), with the fields the mall checks. */
export interface PaymentReport {
  outTradeNo: string;
  /** SUCCESS when paid; anything else is not a payment. */
  tradeState: string;
  transactionId: string | null;
  totalFee: number | null;
}

export type NotificationKind = 'pay' | 'refund';

/** A notification as received on one of the notify routes. */
export interface ReceivedNotification {
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** What a notification said once its authenticity was checked; `rejected` changes nothing and is answered FAIL. */
export type NotificationRead<T> =
  | { ok: true; report: T; decrypted: unknown }
  | { ok: false; reason: string };

export interface PrepayInput {
  outTradeNo: string;
  totalFee: number;
  description: string;
  openid: string;
  /** The buyer's IP (v2's spbill_create_ip). */
  clientIp: string;
}

/** What wx.requestPayment takes (the mini-program adds nothing but its own appId). */
export interface PaymentParams {
  timeStamp: string;
  nonceStr: string;
  package: string;
  signType: string;
  paySign: string;
}

export interface PayGateway {
  mode: 'sandbox' | 'live';
  /** The protocol calls go out in; logged at start, nothing outside the gateway decides on it. */
  apiVersion: ApiVersion;
  appid: string;

  /**
   * With `timing` (the dispatcher's paced calls) the call goes at that slot from a thread of its own, or the
   * promise rejects with SlotMissed and nothing was sent.
   */
  refund(
    input: { outTradeNo: string; outRefundNo: string; totalFee: number; refundFee: number; reason?: string },
    timing?: SendTiming,
  ): Promise<Called<{ kind: 'accepted'; refundId: string }>>;
  queryRefund(outRefundNo: string): Promise<Called<{ kind: 'found'; refund: RefundReport } | { kind: 'not_found' }>>;
  /**
   * Sends an ABNORMAL refund's money to the merchant's bank card instead (v3 apply-abnormal-refund).
   * Absent when the protocol in use has no such call (v2: the merchant platform only).
   */
  settleAbnormal?(input: { refundId: string; outRefundNo: string }): Promise<Called<{ kind: 'accepted' }>>;

  prepay(input: PrepayInput): Promise<Called<{ kind: 'ok'; prepayId: string }>>;
  paymentParams(prepayId: string): PaymentParams;
  queryTrade(outTradeNo: string): Promise<Called<({ kind: 'ok' } & PaymentReport) | { kind: 'not_found' }>>;
  closeTrade(outTradeNo: string): Promise<Called<{ kind: 'ok' }>>;

  /** Reads a notification that came in on the route of `version`, whichever protocol calls go out in. */
  readPayNotification(version: ApiVersion, n: ReceivedNotification): Promise<NotificationRead<PaymentReport>>;
  readRefundNotification(version: ApiVersion, n: ReceivedNotification): Promise<NotificationRead<RefundReport>>;

  /** Sandbox only: make the simulated cashier pay this trade and send WeChat's pay notification. */
  sandboxPay?: (outTradeNo: string) => Promise<{ delivered: boolean }>;
  /** Stops background work (certificate refresh) and the connection pool, after calls in flight settled. */
  close(): void;
}

/** The absolute notify URLs, by protocol: WeChat sends each notification in the protocol of the call that asked for it. */
export function notifyPath(version: ApiVersion, kind: NotificationKind): string {
  return version === 'v3' ? `/api/wxpay/v3/notify/${kind}` : `/api/wxpay/notify/${kind}`;
}
