// The one table that maps the domain's error codes to HTTP statuses (the contract's "Errors").
import type { ErrorCode } from '../errors.ts';

export const HTTP_STATUS: Record<ErrorCode, number> = {
  VALIDATION_FAILED: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  INVALID_STATE: 409,
  REFUND_IN_PROGRESS: 409,
  PAYLOAD_TOO_LARGE: 413,
  REFUND_AMOUNT_EXCEEDS: 422,
  REFUND_WINDOW_EXPIRED: 422,
  REFUND_LIMIT_REACHED: 422,
  NOT_SHIPPED: 422,
  APPROVAL_LIMIT: 403,
  OUT_OF_STOCK: 422,
  RATE_LIMITED: 429,
  INTERNAL: 500,
  UPSTREAM_UNAVAILABLE: 502,
};
