// Mini-program login: exchanges a wx.login code for the buyer's openid at /sns/jscode2session
// (docs/wechat-pay.md § Mini-program login).
import https from 'node:https';
import { httpsRequest } from '../wechatpay/http.ts';

export type WechatLoginErrorCode = 'INVALID_CODE' | 'RATE_LIMITED' | 'BLOCKED' | 'CONFIG' | 'UNAVAILABLE';

/** Messages carry WeChat's errcode/errmsg only: never the secret (it is in the URL) nor session_key. */
export class WechatLoginError extends Error {
  override name = 'WechatLoginError';
  constructor(
    readonly code: WechatLoginErrorCode,
    message: string,
    readonly errcode: number | null = null,
  ) {
    super(message);
  }
}

export type Code2SessionConfig = {
  apiBase: string;
  appid: string;
  secret: string;
  /** Replaces the system trust store (sandbox/test CA). Verification is never off. */
  ca?: string | Buffer;
  timeoutMs?: number;
};

export type Code2Session = (code: string) => Promise<{ openid: string; unionid: string | null }>;

function classify(errcode: number): WechatLoginErrorCode {
  switch (errcode) {
    case 40029: // invalid code
    case 40163: // code already used: codes are single-use, ~5 min
      return 'INVALID_CODE';
    case 45011: // 100 logins per minute per user
      return 'RATE_LIMITED';
    case 40226: // high-risk user blocked by WeChat
      return 'BLOCKED';
    case 40013: // invalid appid
    case 40125: // invalid appsecret
      return 'CONFIG';
    default: // -1 "system busy" and anything new
      return 'UNAVAILABLE';
  }
}

export function createCode2Session(cfg: Code2SessionConfig): Code2Session {
  const base = cfg.apiBase.replace(/\/+$/, '');
  if (new URL(base).protocol !== 'https:') throw new TypeError('WeChat API base must be https://');
  const timeoutMs = cfg.timeoutMs ?? 10_000;
  const agent = new https.Agent({ keepAlive: true, ...(cfg.ca !== undefined ? { ca: cfg.ca } : {}) });

  return async function code2Session(code: string) {
    // wx.login codes are short URL-safe tokens; anything else cannot be valid, so WeChat is not asked.
    if (typeof code !== 'string' || !/^[\x21-\x7e]{1,128}$/.test(code)) {
      throw new WechatLoginError('INVALID_CODE', 'login code is empty or malformed');
    }
    const url = new URL(`${base}/sns/jscode2session`);
    url.searchParams.set('appid', cfg.appid);
    url.searchParams.set('secret', cfg.secret);
    url.searchParams.set('js_code', code);
    url.searchParams.set('grant_type', 'authorization_code');

    let status: number;
    let body: Buffer;
    try {
      ({ status, body } = await httpsRequest(url, { method: 'GET', agent, timeoutMs, maxBytes: 64 * 1024, idempotent: true }));
    } catch (err) {
      throw new WechatLoginError('UNAVAILABLE', `WeChat login service unreachable (${(err as Error).message})`);
    }
    if (status !== 200) throw new WechatLoginError('UNAVAILABLE', `WeChat login service answered HTTP ${status}`);
    let json: unknown;
    try {
      json = JSON.parse(body.toString('utf8'));
    } catch {
      throw new WechatLoginError('UNAVAILABLE', 'WeChat login service answered something that is not JSON');
    }
    if (typeof json !== 'object' || json === null) {
      throw new WechatLoginError('UNAVAILABLE', 'WeChat login service answered an unexpected JSON value');
    }
    const r = json as { errcode?: unknown; errmsg?: unknown; openid?: unknown; unionid?: unknown };
    const errcode =
      typeof r.errcode === 'number'
        ? r.errcode
        : r.errcode === undefined || r.errcode === null
          ? 0
          : typeof r.errcode === 'string' && /^-?\d+$/.test(r.errcode)
            ? Number(r.errcode)
            : Number.NaN;
    if (errcode !== 0) {
      const n = Number.isFinite(errcode) ? errcode : -1;
      const msg = typeof r.errmsg === 'string' ? r.errmsg.slice(0, 200) : 'no errmsg';
      throw new WechatLoginError(classify(n), `jscode2session errcode ${n}: ${msg}`, n);
    }
    if (typeof r.openid !== 'string' || r.openid === '') {
      throw new WechatLoginError('UNAVAILABLE', 'jscode2session answered without an openid');
    }
    // session_key is deliberately dropped here: nothing in the mall needs it and it must never reach a client.
    return { openid: r.openid, unionid: typeof r.unionid === 'string' && r.unionid !== '' ? r.unionid : null };
  };
}
