// Who is calling: a buyer's bearer token, or a merchant's session cookie (+ X-CSRF-Token on every change).
import { timingSafeEqual } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import type { Db } from '../db/client.ts';
import type { AdminPrincipal } from '../admins/service.ts';
import type { StaffRole } from '../lifecycle/staff.ts';
import { tokenHash } from '../lib/secrets.ts';
import { DomainError } from '../errors.ts';
import { readCookie, SESSION_COOKIE } from './cookies.ts';

declare module 'express-serve-static-core' {
  interface Request {
    buyer?: { id: number };
    admin?: AdminPrincipal;
  }
}

export function bearerToken(req: Request): string | undefined {
  const h = req.headers.authorization;
  if (!h) return undefined;
  const m = /^Bearer\s+(\S+)$/i.exec(h);
  return m?.[1];
}

/**
 * A short-lived, bounded, in-memory memo of token lookups, so that a busy buyer or merchant does not cost
 * a database query per request. Only successful lookups are kept (unknown tokens always ask the database),
 * never beyond the token's own expiry, and never longer than `ttlMs`: that is how long another instance's
 * change (a merchant logging out elsewhere) may take to be noticed here. `forget()` takes effect at once.
 */
export class LookupCache<V> {
  private readonly entries = new Map<string, { value: V; until: number }>();
  /** Tokens being revoked: not cached again until a lookup started before the revocation cannot race it. */
  private readonly barred = new Map<string, number>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 10_000,
  ) {}

  async get(key: string, load: () => Promise<{ value: V; expiresAt: number } | null>): Promise<V | null> {
    const now = Date.now();
    const hit = this.entries.get(key);
    if (hit) {
      if (hit.until > now) return hit.value;
      this.entries.delete(key);
    }
    const loaded = await load();
    if (!loaded) return null;
    const until = Math.min(Date.now() + this.ttlMs, loaded.expiresAt);
    if (until > Date.now() && !this.isBarred(key)) {
      if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!); // the oldest
      this.entries.set(key, { value: loaded.value, until });
    }
    return loaded.value;
  }

  /** Forgets everything (someone's sessions ended: the next request of each asks the database). */
  clear(): void {
    for (const key of this.entries.keys()) this.forget(key);
  }

  /** Drops the key now and keeps it out for a while (a lookup already in flight may not put it back). */
  forget(key: string): void {
    this.entries.delete(key);
    this.barred.set(key, Date.now() + this.ttlMs + 60_000);
  }

  private isBarred(key: string): boolean {
    if (this.barred.size === 0) return false;
    const now = Date.now();
    for (const [k, until] of this.barred) if (until <= now) this.barred.delete(k);
    return this.barred.has(key);
  }
}

/** Buyer tokens live 30 days and are never revoked early: a few seconds of memo changes nothing. */
export const BUYER_TOKEN_CACHE_MS = 5_000;
/** Admin sessions end by logout: forgotten at once here, noticed by other instances within this. */
export const ADMIN_SESSION_CACHE_MS = 2_000;

export function requireBuyer(db: Db): RequestHandler {
  const cache = new LookupCache<{ id: number }>(BUYER_TOKEN_CACHE_MS);
  return async (req, _res, next) => {
    const token = bearerToken(req);
    const buyer = token
      ? await cache.get(token, async () => {
          const row = await db.buyerToken.findUnique({ where: { tokenHash: tokenHash(token) }, select: { buyerId: true, expiresAt: true } });
          if (!row || row.expiresAt.getTime() <= Date.now()) return null;
          return { value: { id: row.buyerId }, expiresAt: row.expiresAt.getTime() };
        })
      : null;
    if (!buyer) throw new DomainError('UNAUTHENTICATED', 'Log in again: the token is missing, unknown or expired.');
    req.buyer = { id: buyer.id };
    next();
  };
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * A merchant session; changes also need the session's CSRF token in X-CSRF-Token (403 without). `cache`
 * is shared with staff management, which empties it when someone is disabled or gets a new password
 * (their sessions are deleted; other instances notice within ADMIN_SESSION_CACHE_MS).
 */
export function requireAdmin(db: Db, cache = new LookupCache<AdminPrincipal>(ADMIN_SESSION_CACHE_MS)): RequestHandler {
  return async (req, _res, next) => {
    const token = readCookie(req, SESSION_COOKIE);
    const admin = token
      ? await cache.get(token, async () => {
          const s = await db.adminSession.findUnique({
            where: { tokenHash: tokenHash(token) },
            select: { id: true, csrfToken: true, expiresAt: true, admin: { select: { id: true, username: true, role: true, disabled: true } } },
          });
          if (!s || s.expiresAt.getTime() <= Date.now()) return null;
          if (s.admin.disabled) return null;
          const principal = { sessionId: s.id, adminId: s.admin.id, username: s.admin.username, role: s.admin.role as StaffRole, csrfToken: s.csrfToken };
          return { value: principal, expiresAt: s.expiresAt.getTime() };
        })
      : null;
    if (!admin) throw new DomainError('UNAUTHENTICATED', 'Log in as a merchant first: the session is missing or expired.');
    if (!SAFE_METHODS.has(req.method)) {
      const csrf = req.get('x-csrf-token');
      if (!csrf || !sameSecret(csrf, admin.csrfToken)) {
        throw new DomainError('FORBIDDEN', 'X-CSRF-Token is missing or wrong; reload the page and try again.');
      }
      // this session is about to end: from now on this instance asks the database about it
      if (req.method === 'POST' && req.path === LOGOUT_PATH) cache.forget(token!);
    }
    req.admin = { ...admin };
    next();
  };
}

const LOGOUT_PATH = '/api/admin/logout';
