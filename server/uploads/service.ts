// Uploads live in the database (table Upload), not on a disk: every instance behind the load balancer can
// serve every upload, and a backup of the database is a backup of the photos. The id is the capability: 24
// random bytes (192 bits), so a URL can be neither guessed nor walked to a neighbour's.
import { randomBytes } from 'node:crypto';
import type { Db } from '../db/client.ts';
import { DomainError } from '../errors.ts';
import type { ImageType } from './sniff.ts';
import { uploadIdOf, uploadUrl } from './urls.ts';

/**
 * How many photos one buyer may store, counted from the Upload rows so that every instance shares the count
 * (the per-minute limit on /api/mp is in memory, per instance, and counts requests, not megabytes). A refund
 * takes at most 9 photos; these leave room for a few refunds and retakes and bound what one account can add
 * to the database: 30 × 5 MB an hour. Checked before the body is read (a buyer over it costs no decoding) and
 * again just before the row is written, so that uploads sent all at once cannot all pass on the first count;
 * two racing through that last instant may still both land: a bound, not an exact count.
 */
export const UPLOAD_BUDGETS = [
  { limit: 30, windowS: 3600, per: 'hour' },
  { limit: 100, windowS: 86_400, per: 'day' },
] as const;

export function newUploadId(): string {
  return randomBytes(24).toString('base64url'); // 32 characters of [A-Za-z0-9_-]
}

/** 429 RATE_LIMITED (with the seconds until a slot frees) when the buyer has used a budget up. */
export async function checkUploadBudget(db: Db, buyerId: number, now = new Date()): Promise<void> {
  for (const b of UPLOAD_BUDGETS) {
    const since = new Date(now.getTime() - b.windowS * 1000);
    const used = await db.upload.count({ where: { buyerId, createdAt: { gt: since } } });
    if (used >= b.limit) {
      const oldest = await db.upload.findFirst({ where: { buyerId, createdAt: { gt: since } }, orderBy: { createdAt: 'asc' }, select: { createdAt: true } });
      // the first slot frees when the oldest upload in the window leaves it
      const waitS = oldest ? Math.max(1, Math.ceil((oldest.createdAt.getTime() + b.windowS * 1000 - now.getTime()) / 1000)) : b.windowS;
      throw new DomainError('RATE_LIMITED', `You can upload at most ${b.limit} photos a ${b.per}; try again later.`, waitS);
    }
  }
}

/** Stores a photo that is already re-encoded (strip.ts) and answers its URL. */
export async function storeUpload(db: Db, buyerId: number, contentType: ImageType, bytes: Uint8Array): Promise<string> {
  await checkUploadBudget(db, buyerId);
  const id = newUploadId();
  // Prisma's Bytes is typed on a plain ArrayBuffer; sharp's Buffers are never shared memory
  await db.upload.create({ data: { id, buyerId, contentType, bytes: bytes as Uint8Array<ArrayBuffer>, sizeBytes: bytes.length } });
  return uploadUrl(id);
}

/** An upload by the id in its URL, or null (an id that cannot be ours is not looked up). */
export async function readUpload(db: Db, id: string): Promise<{ id: string; contentType: string; bytes: Uint8Array } | null> {
  if (uploadIdOf(uploadUrl(id)) !== id) return null; // urls.ts's rule for an id, without a query for junk
  return db.upload.findUnique({ where: { id }, select: { id: true, contentType: true, bytes: true } });
}
