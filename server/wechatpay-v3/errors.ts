// Which APIv3 failures (HTTP status + `code`) may be retried with the same request and which are final (docs/wechat-pay.md § APIv3).

export type ErrorClass = 'retryable' | 'final';

/** The body of an APIv3 error answer. `detail` is present for some PARAM_ERRORs (the field at fault). */
export type V3ErrorBody = { code: string; message: string; detail?: unknown };

/**
 * Codes that mean "not now" whatever the status. Retrying a refund resends the SAME out_refund_no with
 * the SAME amounts, and WeChat refunds one out_refund_no at most once, so a retry can never pay twice.
 */
const RETRYABLE_CODES = new Set([
  // WeChat-side failure; the outcome may be unknown: resend (or query) with the same parameters.
  'SYSTEM_ERROR',
  // Rate limit (for refunds: orders older than a month are limited harder); nothing was done.
  'FREQUENCY_LIMITED',
  // The merchant's refundable balance is short; the same refund succeeds after a top-up.
  'NOT_ENOUGH',
]);

/**
 * Classifies a failed APIv3 call.
 * - `status` null: no HTTP answer was read (timeout, connection failure, TLS, oversized answer). We do
 *   not know what WeChat did, so the identical request is sent again: retryable.
 * - 5xx and 429: retryable whatever the code.
 * - any status with SYSTEM_ERROR, FREQUENCY_LIMITED or NOT_ENOUGH (403): retryable.
 * - everything else is final and needs a person: 400 PARAM_ERROR / INVALID_REQUEST, 401 SIGN_ERROR
 *   (our key, serial or clock), 403 NO_AUTH / USER_ACCOUNT_ABNORMAL, 404 (MCH_NOT_EXISTS,
 *   RESOURCE_NOT_EXISTS, ORDER_NOT_EXIST), other statuses, unknown codes under a 4xx.
 * Call it for a failure only; a 2xx whose signature does not verify is the caller's "unknown outcome".
 */
export function classifyV3Error(status: number | null, code?: string | null): ErrorClass {
  if (status === null || status >= 500 || status === 429) return 'retryable';
  return code && RETRYABLE_CODES.has(code) ? 'retryable' : 'final';
}

/** Reads `{code, message}` from an error answer; null when the body is not that shape (an nginx page, nothing). */
export function parseV3ErrorBody(body: string | Uint8Array): V3ErrorBody | null {
  let json: unknown;
  try {
    json = JSON.parse(typeof body === 'string' ? body : Buffer.from(body).toString('utf8'));
  } catch {
    return null;
  }
  if (typeof json !== 'object' || json === null) return null;
  const { code, message, detail } = json as Record<string, unknown>;
  if (typeof code !== 'string' || code === '') return null;
  const out: V3ErrorBody = { code, message: typeof message === 'string' ? message : '' };
  if (detail !== undefined) out.detail = detail;
  return out;
}
