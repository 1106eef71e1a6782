// Which database the tests run on: a fresh SQLite file (default), or a fresh database on the throwaway
// PostgreSQL cluster when the test runner set TEST_DATABASE_URL (the PostgreSQL pass of `npm test`).
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import pg from 'pg';
import { createDb, type Db } from '../../server/db/client.ts';

export const PG_ADMIN_URL = process.env.TEST_DATABASE_URL?.startsWith('postgres') ? process.env.TEST_DATABASE_URL : undefined;
export const onPostgres = PG_ADMIN_URL !== undefined;

/** A DATABASE_URL for a brand-new, empty database. */
export async function freshDatabaseUrl(dataDir: string): Promise<string> {
  if (!PG_ADMIN_URL) return `file:${path.join(dataDir, 'mall.db')}`;
  const name = `wxmall_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const u = new URL(PG_ADMIN_URL);
  u.pathname = `/${name}`;
  return u.toString();
}

/** Reads the server's database directly (either kind) through the app's own Prisma client. */
export async function withDb<T>(databaseUrl: string, fn: (db: Db) => Promise<T>): Promise<T> {
  const db = await createDb(databaseUrl);
  try {
    return await fn(db);
  } finally {
    await db.$disconnect();
  }
}
