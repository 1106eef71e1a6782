// Applies prisma/<…>/migrations/*/migration.sql in order, recording each in `_prisma_migrations` exactly as
// `prisma migrate deploy` does (sha256 of the file as checksum), so a user online can switch to the CLI.
import { createHash, randomUUID } from 'node:crypto';
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';

export interface Migration {
  name: string;
  sql: string;
  checksum: string;
}

export class MigrationError extends Error {
  override name = 'MigrationError';
}

/** The migration folders of a provider, sorted by name (their timestamp prefix). */
export function readMigrations(dir: string): Migration[] {
  if (!existsSync(dir)) throw new MigrationError(`migrations folder ${dir} does not exist`);
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(path.join(dir, d.name, 'migration.sql')))
    .map((d) => d.name)
    .sort()
    .map((name) => {
      const bytes = readFileSync(path.join(dir, name, 'migration.sql'));
      return { name, sql: bytes.toString('utf8'), checksum: createHash('sha256').update(bytes).digest('hex') };
    });
}

// Prisma's own DDL for this table on SQLite.
const SQLITE_MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    TEXT PRIMARY KEY NOT NULL,
    "checksum"              TEXT NOT NULL,
    "finished_at"           DATETIME,
    "migration_name"        TEXT NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        DATETIME,
    "started_at"            DATETIME NOT NULL DEFAULT current_timestamp,
    "applied_steps_count"   INTEGER UNSIGNED NOT NULL DEFAULT 0
)`;

/**
 * Applies what is pending to a SQLite file. Each migration, its record and its SQL run in one IMMEDIATE
 * transaction: a crash mid-way leaves the database as before, and a second process starting at the same
 * time waits for the lock, then finds nothing to do. An applied migration whose file changed is refused.
 */
export function migrateSqlite(filePath: string, migrationsDir: string, hooks: MigrationHooks = {}): string[] {
  const migrations = readMigrations(migrationsDir);
  const db = new Database(filePath, { timeout: 30_000 });
  try {
    db.pragma('journal_mode = WAL');
    db.exec(SQLITE_MIGRATIONS_TABLE);
    const applied: string[] = [];
    for (const m of migrations) {
      const done = db.transaction(() => {
        const rows = db
          .prepare(`SELECT checksum, finished_at FROM "_prisma_migrations" WHERE migration_name = ? AND rolled_back_at IS NULL`)
          .all(m.name) as Array<{ checksum: string; finished_at: string | null }>;
        const finished = rows.find((r) => r.finished_at !== null);
        if (finished) {
          if (finished.checksum !== m.checksum) {
            throw new MigrationError(`migration ${m.name} was changed after it was applied (checksum differs)`);
          }
          return false;
        }
        const now = new Date().toISOString();
        const id = randomUUID();
        db.prepare(
          `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, applied_steps_count) VALUES (?, ?, ?, ?, 0)`,
        ).run(id, m.checksum, m.name, now);
        db.exec(m.sql);
        hooks.afterSql?.(m.name);
        db.prepare(`UPDATE "_prisma_migrations" SET finished_at = ?, applied_steps_count = 1 WHERE id = ?`).run(
          new Date().toISOString(),
          id,
        );
        return true;
      });
      if (done.immediate()) applied.push(m.name);
    }
    return applied;
  } finally {
    db.close();
  }
}

export interface MigrationHooks {
  /** Test-only: runs inside the transaction after a migration's SQL, before it is marked finished. */
  afterSql?: (name: string) => void;
}
