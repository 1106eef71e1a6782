// Who is calling: a buyer's bearer token, or a merchant's session cookie (+ X-CSRF-Token on every change).
import { timingSafeEqual } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import type { Db } from '../db/client.ts';
import { findSession, type AdminPrincipal } from '../admins/service.ts';
import { findBuyerByToken } from '../buyers/service.ts';
import { AppError } from './errors.ts';
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

export function requireBuyer(db: Db): RequestHandler {
  return async (req, _res, next) => {
    const token = bearerToken(req);
    const buyer = token ? await findBuyerByToken(db, token) : null;
    if (!buyer) throw new AppError('UNAUTHENTICATED', 'Log in again: the token is missing, unknown or expired.');
    req.buyer = buyer;
    next();
  };
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** A merchant session; changes also need the session's CSRF token in X-CSRF-Token (403 without). */
export function requireAdmin(db: Db): RequestHandler {
  return async (req, _res, next) => {
    const token = readCookie(req, SESSION_COOKIE);
    const admin = token ? await findSession(db, token) : null;
    if (!admin) throw new AppError('UNAUTHENTICATED', 'Log in as a merchant first: the session is missing or expired.');
    if (!SAFE_METHODS.has(req.method)) {
      const csrf = req.get('x-csrf-token');
      if (!csrf || !sameSecret(csrf, admin.csrfToken)) {
        throw new AppError('FORBIDDEN', 'X-CSRF-Token is missing or wrong; reload the page and try again.');
      }
    }
    req.admin = admin;
    next();
  };
}
