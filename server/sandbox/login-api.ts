// GET /sns/jscode2session (docs/wechat-pay.md § Mini-program login): a mini-program login code → openid + session_key.
import { randomBytes } from 'node:crypto';
import type { Ctx } from './context.ts';
import { openidForCode } from './ids.ts';

/**
 * The openid is derived from the code, so the same code always logs in the same buyer: tests and demos name
 * their buyers by choosing codes. Unlike WeChat (codes are single-use, ~5 min; 40163 "code been used"), the
 * sandbox does NOT enforce single use. A few magic codes reproduce WeChat's other answers:
 * 'invalid' (or empty) → 40029, 'used' → 40163, 'busy' → -1, 'blocked' → 40226.
 */
export function jscode2session(ctx: Ctx, query: URLSearchParams): { errcode?: number; errmsg?: string; openid?: string; session_key?: string } {
  const rid = randomBytes(6).toString('hex');
  const err = (errcode: number, errmsg: string) => ({ errcode, errmsg: `${errmsg}, rid: ${rid}` });
  if (query.get('appid') !== ctx.merchant.appid) return err(40013, 'invalid appid');
  if (query.get('secret') !== ctx.merchant.appSecret) return err(40125, 'invalid appsecret');
  if (query.get('grant_type') !== 'authorization_code') return err(40002, 'invalid grant_type');
  const code = query.get('js_code') ?? '';
  if (code === '' || code === 'invalid') return err(40029, 'invalid code');
  if (code === 'used') return err(40163, 'code been used');
  if (code === 'busy') return err(-1, 'system error');
  if (code === 'blocked') return err(40226, 'invalid user');
  const openid = openidForCode(code);
  ctx.platform.rememberOpenid(openid, Date.now()); // subscribe/send accepts only openids WeChat has seen
  return { session_key: randomBytes(16).toString('base64'), openid };
}
