// The one place that creates the Prisma client: SQLite through better-sqlite3 (the embedded default).
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3';
import { PrismaClient } from './generated/sqlite/client.ts';
import { migrateSqlite } from './migrate.ts';
import { sqlitePath } from './sqlite-path.ts';

export type Db = PrismaClient;
export type Tx = Parameters<Parameters<Db['$transaction']>[0]>[0];

const ROOT = path.resolve(import.meta.dirname, '..', '..');
export const SQLITE_MIGRATIONS = path.join(ROOT, 'prisma', 'migrations');

export function isSqlite(url: string): boolean {
  return url.startsWith('file:');
}

/** Applies pending migrations. Safe to run from several processes at once. */
export async function migrate(url: string): Promise<string[]> {
  if (!isSqlite(url)) throw new Error('only SQLite (file:) DATABASE_URLs are supported so far');
  const file = sqlitePath(url);
  mkdirSync(path.dirname(file), { recursive: true });
  return migrateSqlite(file, SQLITE_MIGRATIONS);
}

export function createDb(url: string): Db {
  if (!isSqlite(url)) throw new Error('only SQLite (file:) DATABASE_URLs are supported so far');
  // busy timeout: a second process (a restarted instance, a test) waits for the write lock instead of failing
  const adapter = new PrismaBetterSqlite3({ url: sqlitePath(url), timeout: 10_000 });
  return new PrismaClient({ adapter });
}
