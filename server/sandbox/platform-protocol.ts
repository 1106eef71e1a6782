// The JSON envelope of api.weixin.qq.com on the sandbox side: errcode/errmsg answers with a rid, the body as an object, the access token check.
import { randomBytes } from 'node:crypto';
import type { Ctx } from './context.ts';

export type Json = Record<string, unknown>;
/** What an API answers (as JSON, HTTP 200): an errcode, or the result (stable_token's has no errcode, as WeChat's). */
export type Answer = Json;

/** WeChat's error answer: its errmsg ends with a request id. */
export function wxError(errcode: number, errmsg: string): Answer {
  return { errcode, errmsg: `${errmsg} rid: ${randomBytes(4).toString('hex')}-${randomBytes(4).toString('hex')}` };
}

export function wxOk(fields: Json = {}): Answer {
  return { errcode: 0, errmsg: 'ok', ...fields };
}

/** The body as a JSON object, or null (WeChat answers 47001 "data format error"). */
export function jsonObject(raw: Buffer): Json | null {
  try {
    const v: unknown = JSON.parse(raw.toString('utf8'));
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : null;
  } catch {
    return null;
  }
}

export const DATA_FORMAT_ERROR = 47001;

export function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function nonEmptyString(v: unknown): v is string {
  return typeof v === 'string' && v.trim() !== '';
}

/** The access_token query parameter: null when good, else WeChat's answer (41001 missing, 40001 unknown or replaced, 42001 expired). */
export function tokenProblem(ctx: Ctx, url: URL): Answer | null {
  const token = url.searchParams.get('access_token');
  if (!token) return wxError(41001, 'access_token missing');
  const row = ctx.platform.token(token);
  if (!row || row.revoked_at !== null) return wxError(40001, 'invalid credential, access_token is invalid or not latest');
  if (row.expires_at <= Date.now()) return wxError(42001, 'access_token expired');
  return null;
}
