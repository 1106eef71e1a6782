// The one place that creates the Prisma client: SQLite (embedded default, better-sqlite3) or PostgreSQL
// (several instances, node-postgres). Both generated clients come from schemas that differ only in provider.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { PrismaClient } from './generated/sqlite/client.ts';
import { migrateSqlite } from './migrate.ts';
import { sqlitePath } from './sqlite-path.ts';
import { crashPoint } from '../test-faults.ts';
import { REPO_ROOT } from '../repo-root.ts';

/** Services are typed against the SQLite client; the PostgreSQL one has the same models and methods. */
export type Db = PrismaClient;
export type Tx = Parameters<Parameters<Db['$transaction']>[0]>[0];

export const SQLITE_MIGRATIONS = path.join(REPO_ROOT, 'prisma', 'migrations');
export const POSTGRES_MIGRATIONS = path.join(REPO_ROOT, 'prisma', 'postgresql', 'migrations');

export function isSqlite(url: string): boolean {
  return url.startsWith('file:');
}

export function isPostgres(url: string): boolean {
  return url.startsWith('postgresql://') || url.startsWith('postgres://');
}

function unsupported(): never {
  throw new Error('DATABASE_URL must be file:… (SQLite) or postgresql://… (PostgreSQL)');
}

/** Applies pending migrations. Safe to run from several processes at once. */
export async function migrate(url: string): Promise<string[]> {
  const hooks = { afterSql: () => crashPoint('during-migration') }; // test-only
  if (isPostgres(url)) {
    // node-postgres is loaded only for a PostgreSQL database (≈ 0.1 s of a SQLite start)
    const { migratePostgres } = await import('./migrate-postgres.ts');
    return migratePostgres(url, POSTGRES_MIGRATIONS, hooks);
  }
  if (!isSqlite(url)) unsupported();
  const file = sqlitePath(url);
  mkdirSync(path.dirname(file), { recursive: true });
  return migrateSqlite(file, SQLITE_MIGRATIONS, hooks);
}

// Interactive transactions may wait for the SQLite write lock or a pool connection under load.
const TRANSACTION_OPTIONS = { maxWait: 10_000, timeout: 20_000 };

const postgresClients = new WeakSet<object>();

/**
 * Opens the client of the configured database. Only that provider's generated client and adapter are loaded:
 * a SQLite mall never loads node-postgres nor the PostgreSQL client.
 */
export async function createDb(url: string): Promise<Db> {
  if (isPostgres(url)) {
    const [{ PrismaPg }, { PrismaClient: PgPrismaClient }] = await Promise.all([import('@prisma/adapter-pg'), import('./generated/postgresql/client.ts')]);
    const adapter = new PrismaPg({ connectionString: url, max: 10 });
    // the cast is the price of one codebase for two providers: the model API is identical
    const db = new PgPrismaClient({ adapter, transactionOptions: TRANSACTION_OPTIONS }) as unknown as Db;
    postgresClients.add(db);
    return db;
  }
  if (!isSqlite(url)) unsupported();
  const [{ TunedSqliteAdapterFactory }, { PrismaClient: SqlitePrismaClient }] = await Promise.all([import('./sqlite-adapter.ts'), import('./generated/sqlite/client.ts')]);
  // busy timeout: a second process (a restarted instance, a test) waits for the write lock instead of failing
  const adapter = new TunedSqliteAdapterFactory(sqlitePath(url), 10_000);
  return new SqlitePrismaClient({ adapter, transactionOptions: TRANSACTION_OPTIONS });
}

/**
 * Runs several reads on one snapshot. Prisma reads a row and its relations in separate statements; under
 * PostgreSQL's READ COMMITTED a settlement committing in between would show, say, a REFUNDED refund on an
 * order whose refundedFen is still 0. REPEATABLE READ gives every statement the same snapshot. SQLite's
 * transactions are serialized already (and its adapter accepts no other isolation level).
 */
export function readSnapshot<T>(db: Db, fn: (tx: Tx) => Promise<T>): Promise<T> {
  // `Db` is typed as the SQLite client, whose isolation type knows only Serializable; this is the PostgreSQL one
  type Options = Parameters<Db['$transaction']>[1];
  const options = postgresClients.has(db) ? ({ isolationLevel: 'RepeatableRead' } as unknown as Options) : undefined;
  return db.$transaction(async (tx: Tx): Promise<T> => fn(tx), options);
}
