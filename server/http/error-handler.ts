// The one error middleware: a DomainError → its status (http/errors.ts); body-parser errors → 400/413;
// anything else → a bare 500. No stack trace or internal message ever reaches a response.
import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from 'pino';
import { DomainError } from '../errors.ts';
import { HTTP_STATUS } from './errors.ts';

export function toDomainError(err: unknown): DomainError | null {
  if (err instanceof DomainError) return err;
  const type = (err as { type?: string } | null)?.type;
  if (type === 'entity.too.large') return new DomainError('PAYLOAD_TOO_LARGE', 'The request body is too large.');
  if (type === 'entity.parse.failed') return new DomainError('VALIDATION_FAILED', 'body: is not valid JSON.');
  if (type === 'encoding.unsupported' || type === 'charset.unsupported' || type === 'request.aborted') {
    return new DomainError('VALIDATION_FAILED', 'body: could not be read.');
  }
  // anything else Express or body-parser marks as the client's fault (a bad %-escape, a broken gzip body)
  const status = (err as { status?: unknown } | null)?.status ?? (err as { statusCode?: unknown } | null)?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return new DomainError('VALIDATION_FAILED', 'The request could not be read: check the URL and the body.');
  }
  return null;
}

export function errorHandler(log: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const known = toDomainError(err);
    if (!known) log.error({ err, method: req.method, path: req.path }, 'unhandled error');
    const e = known ?? new DomainError('INTERNAL', 'Something went wrong on our side. Please try again.');
    if (res.headersSent) return;
    if (e.retryAfterS !== undefined) res.set('Retry-After', String(e.retryAfterS));
    res.status(HTTP_STATUS[e.code]).json({ error: { code: e.code, message: e.message } });
  };
}

export const apiNotFound: RequestHandler = (req, res) => {
  res.status(404).json({ error: { code: 'NOT_FOUND', message: `No such endpoint: ${req.method} ${req.originalUrl.split('?')[0]}` } });
};
