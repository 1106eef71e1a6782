// AppError and the one table that maps its stable codes to HTTP statuses (api-contract.md "Errors").

export const ERROR_STATUS = {
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
  OUT_OF_STOCK: 422,
  RATE_LIMITED: 429,
  INTERNAL: 500,
  UPSTREAM_UNAVAILABLE: 502,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export class AppError extends Error {
  override name = 'AppError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
  get status(): number {
    return ERROR_STATUS[this.code];
  }
}

export const notFound = (what: string) => new AppError('NOT_FOUND', `${what} was not found`);
