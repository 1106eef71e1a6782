// Buyers: a WeChat login code becomes an openid (jscode2session), then a bearer token of ours.
import type { Db } from '../db/client.ts';
import { newToken, tokenHash } from '../lib/secrets.ts';

export const BUYER_TOKEN_TTL_MS = 30 * 24 * 3600_000;

export async function issueBuyerToken(db: Db, openid: string): Promise<{ token: string; expiresAt: Date }> {
  const token = newToken();
  const expiresAt = new Date(Date.now() + BUYER_TOKEN_TTL_MS);
  await db.$transaction(async (tx) => {
    const buyer = await tx.buyer.upsert({ where: { openid }, create: { openid, createdAt: new Date() }, update: {} });
    await tx.buyerToken.deleteMany({ where: { buyerId: buyer.id, expiresAt: { lt: new Date() } } });
    await tx.buyerToken.create({ data: { tokenHash: tokenHash(token), buyerId: buyer.id, expiresAt, createdAt: new Date() } });
  });
  return { token, expiresAt };
}

export async function findBuyerByToken(db: Db, token: string): Promise<{ id: number } | null> {
  const row = await db.buyerToken.findUnique({ where: { tokenHash: tokenHash(token) }, select: { buyerId: true, expiresAt: true } });
  if (!row || row.expiresAt.getTime() <= Date.now()) return null;
  return { id: row.buyerId };
}
