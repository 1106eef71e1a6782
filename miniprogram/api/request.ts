// The buyer API's request: bearer token, silent login, one retry after a 401, errors as ApiError.
import { errorFromResponse } from './errors';
import { send } from './http';
import type { HttpMethod } from './http';
import { ensureToken, renewToken } from './session';

export interface ApiRequest {
  method: HttpMethod;
  path: string;
  data?: object;
  header?: Record<string, string>;
}

/**
 * Runs `attempt` with the bearer header; after a 401 (the token expired, or the server forgot it after a
 * restart with a new secret) logs in again and runs it once more. A second 401 is returned as is: looping
 * would hammer wx.login. Shared by JSON calls and photo uploads.
 */
export async function withBearer<R extends { statusCode: number }>(attempt: (authorization: string) => Promise<R>): Promise<R> {
  const token = await ensureToken();
  const res = await attempt(`Bearer ${token}`);
  if (res.statusCode !== 401) return res;
  const fresh = await renewToken(token);
  return attempt(`Bearer ${fresh}`);
}

export async function apiRequest<T>(req: ApiRequest): Promise<T> {
  const res = await withBearer((authorization) => send({ ...req, header: { ...req.header, Authorization: authorization } }));
  if (res.statusCode < 200 || res.statusCode >= 300) throw errorFromResponse(res.statusCode, res.data);
  return res.data as T;
}

/** Path segments come from the server (orderNo, refundNo) but are still escaped, so a path can never be bent. */
export function seg(value: string | number): string {
  return encodeURIComponent(String(value));
}
