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

function withToken(req: ApiRequest, token: string) {
  return { ...req, header: { ...req.header, Authorization: `Bearer ${token}` } };
}

export async function apiRequest<T>(req: ApiRequest): Promise<T> {
  const token = await ensureToken();
  let res = await send(withToken(req, token));
  if (res.statusCode === 401) {
    // The token expired or the server forgot it (a restart with a new secret): log in again and retry once.
    // A second 401 is reported as is; looping would hammer wx.login.
    const fresh = await renewToken(token);
    res = await send(withToken(req, fresh));
  }
  if (res.statusCode < 200 || res.statusCode >= 300) throw errorFromResponse(res.statusCode, res.data);
  return res.data as T;
}

/** Path segments come from the server (orderNo, refundNo) but are still escaped, so a path can never be bent. */
export function seg(value: string | number): string {
  return encodeURIComponent(String(value));
}
