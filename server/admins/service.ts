// Merchant staff sign-in: the configured owner account, login with throttling, sessions with a CSRF token.
// Managing the team (adding people, roles, disabling) is in staff.ts.
import type { Db } from '../db/client.ts';
import { DomainError } from '../errors.ts';
import { newToken, tokenHash } from '../lib/secrets.ts';
import type { StaffRole } from '../lifecycle/staff.ts';
import { DUMMY_HASH_PROMISE, hashPassword, verifyPassword } from './password.ts';

export const SESSION_TTL_MS = 12 * 3600_000;
const FAILURE_WINDOW_MS = 15 * 60_000;
// Per account and address: a guesser is stopped after 5; someone who only knows the name can't lock the
// merchant out from elsewhere. The per-account ceiling still stops a guesser spread over many addresses.
const MAX_FAILURES_PER_USER_AND_IP = 5;
const MAX_FAILURES_PER_USER = 50;
const MAX_FAILURES_PER_IP = 20;

/** Creates the owner from ADMIN_USERNAME / ADMIN_PASSWORD, or sets its password to the configured one. */
export async function ensureAdmin(db: Db, username: string, password: string): Promise<void> {
  const existing = await db.adminUser.findUnique({ where: { username } });
  if (existing && (await verifyPassword(password, existing.passwordHash))) return;
  const passwordHash = await hashPassword(password);
  await db.$transaction((tx) =>
    tx.adminUser.upsert({ where: { username }, create: { username, passwordHash, role: 'OWNER', createdAt: new Date() }, update: { passwordHash } }),
  );
}

export interface AdminSessionInfo {
  token: string;
  csrfToken: string;
  username: string;
  role: StaffRole;
  expiresAt: Date;
}

/**
 * Checks a login. Failures are counted in the database (so every instance sees them): after 5 for one
 * name from one address, 50 for one name, or 20 from one address, in 15 minutes, further attempts get 429
 * until the window passes.
 */
export async function login(db: Db, username: string, password: string, ip: string): Promise<AdminSessionInfo> {
  const since = new Date(Date.now() - FAILURE_WINDOW_MS);
  const [byUserAndIp, byUser, byIp] = await Promise.all([
    db.loginFailure.count({ where: { username, ip, at: { gte: since } } }),
    db.loginFailure.count({ where: { username, at: { gte: since } } }),
    db.loginFailure.count({ where: { ip, at: { gte: since } } }),
  ]);
  if (byUserAndIp >= MAX_FAILURES_PER_USER_AND_IP || byUser >= MAX_FAILURES_PER_USER || byIp >= MAX_FAILURES_PER_IP) {
    throw new DomainError('RATE_LIMITED', 'Too many failed logins. Wait 15 minutes, then try again.', FAILURE_WINDOW_MS / 1000);
  }
  const admin = await db.adminUser.findUnique({ where: { username } });
  const ok = await verifyPassword(password, admin?.passwordHash ?? (await DUMMY_HASH_PROMISE));
  if (admin && ok && admin.disabled) throw new DomainError('UNAUTHENTICATED', 'This account is disabled: ask the shop owner.');
  if (!admin || !ok) {
    await db.$transaction((tx) => tx.loginFailure.create({ data: { username, ip, at: new Date() } }));
    throw new DomainError('UNAUTHENTICATED', 'Wrong username or password.');
  }
  const token = newToken();
  const csrfToken = newToken();
  const expiresAt = new Date(Date.now() + SESSION_TTL_MS);
  await db.$transaction(async (tx) => {
    await tx.loginFailure.deleteMany({ where: { username } });
    await tx.adminSession.deleteMany({ where: { adminId: admin.id, expiresAt: { lt: new Date() } } });
    await tx.adminSession.create({ data: { tokenHash: tokenHash(token), adminId: admin.id, csrfToken, expiresAt, createdAt: new Date() } });
    await tx.adminUser.update({ where: { id: admin.id }, data: { lastLoginAt: new Date() } });
  });
  return { token, csrfToken, username: admin.username, role: admin.role as StaffRole, expiresAt };
}

export interface AdminPrincipal {
  sessionId: number;
  adminId: number;
  username: string;
  role: StaffRole;
  csrfToken: string;
}

export async function logout(db: Db, sessionId: number): Promise<void> {
  await db.$transaction((tx) => tx.adminSession.deleteMany({ where: { id: sessionId } }));
}
