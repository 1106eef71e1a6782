// The one error middleware: AppError → its status; body-parser errors → 400/413; anything else → a bare 500.
// No stack trace or internal message ever reaches a response.
import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from 'pino';
import { AppError } from './errors.ts';

export function toAppError(err: unknown): AppError | null {
  if (err instanceof AppError) return err;
  const type = (err as { type?: string } | null)?.type;
  if (type === 'entity.too.large') return new AppError('PAYLOAD_TOO_LARGE', 'The request body is too large.');
  if (type === 'entity.parse.failed') return new AppError('VALIDATION_FAILED', 'body: is not valid JSON.');
  if (type === 'encoding.unsupported' || type === 'charset.unsupported' || type === 'request.aborted') {
    return new AppError('VALIDATION_FAILED', 'body: could not be read.');
  }
  // anything else Express or body-parser marks as the client's fault (a bad %-escape, a broken gzip body)
  const status = (err as { status?: unknown } | null)?.status ?? (err as { statusCode?: unknown } | null)?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return new AppError('VALIDATION_FAILED', 'The request could not be read: check the URL and the body.');
  }
  return null;
}

export function errorHandler(log: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const known = toAppError(err);
    if (!known) log.error({ err, method: req.method, path: req.path }, 'unhandled error');
    const e = known ?? new AppError('INTERNAL', 'Something went wrong on our side. Please try again.');
    if (res.headersSent) return;
    res.status(e.status).set(e.headers).json({ error: { code: e.code, message: e.message } });
  };
}

export const apiNotFound: RequestHandler = (req, res) => {
  res.status(404).json({ error: { code: 'NOT_FOUND', message: `No such endpoint: ${req.method} ${req.originalUrl.split('?')[0]}` } });
};
