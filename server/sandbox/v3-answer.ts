// APIv3 answers as WeChat gives them: JSON (or an empty 204) signed with the Wechatpay-* headers in the caller's key mode,
// errors as `{code, message}` with WeChat's HTTP status, signed too; the v3BadAnswers fault spoils the signature.
import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { Ctx } from './context.ts';
import type { KeyMode } from './store.ts';
import type { V3Error } from './v3-codes.ts';

/** Sends `value` as JSON with `status` (no value: an empty body, as for 204), signed in `mode`. */
export function sendV3(ctx: Ctx, res: ServerResponse, mode: KeyMode, status: number, value?: unknown): void {
  if (res.headersSent || res.destroyed) return;
  const body = value === undefined ? '' : JSON.stringify(value);
  // Consumed per answer, the work being done all the same: the mall must treat it as an unknown outcome.
  const bad = ctx.faults.takeV3BadAnswer();
  if (bad) ctx.log.warn({ kind: bad, status }, 'sandbox fault: APIv3 answer made unverifiable');
  const headers: Record<string, string | number> = {
    ...ctx.v3.sign(mode, body, bad),
    'request-id': randomUUID(), // WeChat's answers carry one, for support tickets
    'content-length': Buffer.byteLength(body, 'utf8'),
  };
  if (body !== '') headers['content-type'] = 'application/json; charset=utf-8';
  res.writeHead(status, headers);
  res.end(body);
}

export function sendV3Error(ctx: Ctx, res: ServerResponse, mode: KeyMode, error: V3Error): void {
  sendV3(ctx, res, mode, error.status, { code: error.code, message: error.message });
}
