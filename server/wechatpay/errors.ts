// Which WeChat Pay err_codes may be retried with the same request and which are final (docs/wechat-pay.md § Error classes).

export type ErrorClass = 'retryable' | 'final';

/**
 * Refund (and refund-query) err_codes worth retrying. Every retry resends the SAME out_refund_no with
 * the SAME total_fee/refund_fee, and WeChat refunds one out_refund_no at most once, so a retry can
 * never pay twice: it either completes the one refund or is answered as a duplicate.
 */
const RETRYABLE_REFUND = new Set([
  // Outcome unknown (WeChat-side timeout): the refund may or may not exist; a resend or a query settles it.
  'SYSTEMERROR',
  // WeChat rejected a concurrent request for the same order; nothing was done, so resending is the cure.
  'BIZERR_NEED_RETRY',
  // Rate limit for orders older than a month: not accepted, try again later.
  'FREQUENCY_LIMITED',
  // Merchant balance too low: nothing was paid out; it succeeds once the merchant tops up.
  'NOTENOUGH',
  // Briefly blocked after many invalid requests: wait at least a minute, then the same request is fine.
  'INVALID_REQ_TOO_MUCH',
  // The payment is still being processed and cannot be refunded yet.
  'ORDER_NOT_READY',
]);

/**
 * Everything else (TRADE_OVERDUE, ERROR, USER_ACCOUNT_ABNORMAL, PARAM_ERROR, SIGNERROR, NOAUTH,
 * CERT_ERROR, REFUND_FEE_MISMATCH, INVALID_REQUEST, unknown codes…) will fail the same way again:
 * it needs a person (config, offline refund, fixed parameters), so it is final for this request.
 */
export function classifyRefundError(errCode: string): ErrorClass {
  return RETRYABLE_REFUND.has(errCode) ? 'retryable' : 'final';
}

// For unifiedorder/orderquery NOTENOUGH means the BUYER's balance is short: final for that call.
const RETRYABLE_PAY = new Set(['SYSTEMERROR', 'BIZERR_NEED_RETRY', 'FREQUENCY_LIMITED']);

/** err_codes of /pay/unifiedorder and /pay/orderquery: only WeChat-side busy/limit codes are retryable. */
export function classifyPayError(errCode: string): ErrorClass {
  return RETRYABLE_PAY.has(errCode) ? 'retryable' : 'final';
}
