// The domain's errors: a stable code and a sentence a person can act on. Knows nothing of HTTP; http/errors.ts
// is the one place that turns a code into a status (docs/architecture.md "Errors").

export const ERROR_CODES = [
  'VALIDATION_FAILED',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'NOT_FOUND',
  'INVALID_STATE',
  'REFUND_IN_PROGRESS',
  'PAYLOAD_TOO_LARGE',
  'REFUND_AMOUNT_EXCEEDS',
  'REFUND_WINDOW_EXPIRED',
  'REFUND_LIMIT_REACHED',
  'NOT_SHIPPED',
  'APPROVAL_LIMIT',
  'OUT_OF_STOCK',
  'RATE_LIMITED',
  'INTERNAL',
  'UPSTREAM_UNAVAILABLE',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export class DomainError extends Error {
  override name = 'DomainError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** For RATE_LIMITED: how long the caller should wait, in seconds. */
    readonly retryAfterS?: number,
  ) {
    super(message);
  }
}

export const notFound = (what: string) => new DomainError('NOT_FOUND', `${what} was not found`);

/**
 * Someone else moved the same row first (a compare-and-set found nothing to change). Callers that settle
 * what WeChat reports re-read and usually find the state they wanted; a person's action answers 409.
 */
export class LostRace extends DomainError {
  override name = 'LostRace';
  constructor(message: string) {
    super('INVALID_STATE', message);
  }
}
