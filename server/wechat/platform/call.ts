// One JSON POST to api.weixin.qq.com and its evidence record: the answer read, its errcode classified, no secret kept.
import type https from 'node:https';
import { TransportError, httpsRequest } from '../../wechatpay/http.ts';
import { isRetryableErrcode, isRetryableStatus } from './errors.ts';

/** What was asked and what came back, safe to store: never the access token, never the app secret. */
export type PlatformCallRecord = {
  /** The path only, e.g. `/wxa/sec/order/get_order`: the access_token query parameter is not kept. */
  endpoint: string;
  request: Record<string, unknown>;
  response: Record<string, unknown> | null;
  httpStatus: number | null;
  errcode: number | null;
  errmsg: string | null;
  /** Why the call failed outside WeChat's answer (transport, HTTP status, unreadable answer), else null. */
  error: string | null;
  /** The whole call, including a token renewal and the one retry after it. */
  durationMs: number;
  /** The first answer refused the token: a fresh one was fetched and this is the second attempt. */
  tokenRenewed: boolean;
};

export type PlatformError = { kind: 'error'; errcode: number | null; errmsg: string; retryable: boolean };

export type PostResult = {
  /** The answer when WeChat accepted the call (errcode absent or 0). */
  json: Record<string, unknown> | null;
  failure: PlatformError | null;
  call: PlatformCallRecord;
};

export type PostOptions = {
  agent: https.Agent;
  baseUrl: string;
  endpoint: string;
  /** Sent as the access_token query parameter and never recorded. */
  accessToken?: string;
  body: Record<string, unknown>;
  /** What the record keeps of the body (default: the body itself). */
  recordedRequest?: Record<string, unknown>;
  /** What the record keeps of a successful answer (default: the answer itself). */
  recordedResponse?: (json: Record<string, unknown>) => Record<string, unknown>;
  timeoutMs: number;
};

const MAX_ANSWER_BYTES = 256 * 1024;

/** errcode as WeChat writes it: a number, sometimes a numeric string; absent means 0. NaN when unreadable. */
function readErrcode(value: unknown): number {
  if (value === undefined || value === null) return 0;
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  if (typeof value === 'string' && /^-?\d{1,12}$/.test(value)) return Number(value);
  return Number.NaN;
}

export function newRecord(endpoint: string, request: Record<string, unknown>): PlatformCallRecord {
  return { endpoint, request, response: null, httpStatus: null, errcode: null, errmsg: null, error: null, durationMs: 0, tokenRenewed: false };
}

/** Sends one call. Never rejects for a WeChat or network problem: those are failures with their class. */
export async function postJson(opts: PostOptions): Promise<PostResult> {
  const record = newRecord(opts.endpoint, opts.recordedRequest ?? opts.body);
  const started = performance.now();
  const finish = (json: Record<string, unknown> | null, failure: PlatformError | null): PostResult => {
    record.durationMs = Math.round(performance.now() - started);
    if (failure && record.error === null && failure.errcode === null) record.error = failure.errmsg;
    return { json, failure, call: record };
  };
  // Outside WeChat's answer we do not know what it did; only the classes below are safe to resend.
  const unknown = (errmsg: string, retryable = true) => finish(null, { kind: 'error', errcode: null, errmsg, retryable });

  const url = new URL(opts.baseUrl + opts.endpoint);
  if (opts.accessToken !== undefined) url.searchParams.set('access_token', opts.accessToken);
  let status: number;
  let body: Buffer;
  try {
    ({ status, body } = await httpsRequest(url, {
      method: 'POST',
      agent: opts.agent,
      timeoutMs: opts.timeoutMs,
      body: JSON.stringify(opts.body),
      headers: { 'content-type': 'application/json; charset=utf-8', accept: 'application/json' },
      maxBytes: MAX_ANSWER_BYTES,
    }));
  } catch (err) {
    // http.ts messages carry a code and Node's text, never the URL (and so never the token).
    const code = err instanceof TransportError ? err.code : 'CONNECTION';
    return unknown(`${code}: ${(err as Error).message}`);
  }
  record.httpStatus = status;
  if (status !== 200) return unknown(`WeChat answered HTTP ${status}`, isRetryableStatus(status));

  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    // No snippet of the answer: an unreadable stable_token answer could still hold a token.
    return unknown(`WeChat answered ${body.length} bytes that are not JSON`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return unknown('WeChat answered JSON that is not an object');
  const answer = json as Record<string, unknown>;
  const errcode = readErrcode(answer.errcode);
  const errmsg = typeof answer.errmsg === 'string' ? answer.errmsg.slice(0, 500) : '';
  record.errcode = Number.isNaN(errcode) ? null : errcode;
  record.errmsg = errmsg || null;
  if (Number.isNaN(errcode)) {
    record.response = answer;
    return unknown('WeChat answered an errcode that is not an integer');
  }
  if (errcode !== 0) {
    record.response = answer;
    return finish(null, { kind: 'error', errcode, errmsg: errmsg || `errcode ${errcode}`, retryable: isRetryableErrcode(errcode) });
  }
  record.response = opts.recordedResponse ? opts.recordedResponse(answer) : answer;
  return finish(answer, null);
}
