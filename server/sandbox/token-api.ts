// POST /cgi-bin/stable_token: one stable access token per app, the same while it has time left, a new one near its end or when forced.
import { randomBytes } from 'node:crypto';
import type { Ctx } from './context.ts';
import { DATA_FORMAT_ERROR, wxError, type Answer, type Json } from './platform-protocol.ts';

/** WeChat hands out the next token in the last 5 minutes (the old one stays good until it expires). */
const RENEW_AHEAD_MS = 5 * 60_000;

/** Shaped like WeChat's: a number, an underscore and ~130 URL-safe characters. */
function newToken(): string {
  return `86_${randomBytes(99).toString('base64url')}`;
}

/**
 * Normal mode answers the live token while more than 5 minutes are left (a quarter of its life when
 * SANDBOX_TOKEN_TTL_S is under 20 minutes, so that short test lives still have a stable middle), else a new
 * one. force_refresh: true revokes every earlier token (40001 from then on) and issues a new one.
 */
export function stableToken(ctx: Ctx, body: Json | null): Answer {
  if (!body) return wxError(DATA_FORMAT_ERROR, 'data format error');
  if (body.grant_type !== 'client_credential') return wxError(40002, 'invalid grant_type');
  if (body.appid !== ctx.merchant.appid) return wxError(40013, 'invalid appid');
  if (body.secret !== ctx.merchant.appSecret) return wxError(40125, 'invalid appsecret');
  if (body.force_refresh !== undefined && typeof body.force_refresh !== 'boolean') return wxError(DATA_FORMAT_ERROR, 'data format error: force_refresh');
  const force = body.force_refresh === true;
  const ttlMs = ctx.tokenTtlS * 1000;
  const ahead = Math.min(RENEW_AHEAD_MS, ttlMs / 4);

  const { token, expiresAt, now } = ctx.store.tx(() => {
    const at = Date.now();
    const live = ctx.platform.liveToken(at);
    if (!force && live && live.expires_at - at > ahead) return { token: live.token, expiresAt: live.expires_at, now: at };
    if (force) ctx.platform.revokeTokens(at);
    const fresh = newToken();
    ctx.platform.insertToken(fresh, at, at + ttlMs, force);
    return { token: fresh, expiresAt: at + ttlMs, now: at };
  });
  // WeChat's success answer has no errcode: just the token and the seconds it has left.
  return { access_token: token, expires_in: Math.max(1, Math.floor((expiresAt - now) / 1000)) };
}
