// The benchmarks' own door to the server's database, for seeding a stopped server and for reading progress:
// SQLite through better-sqlite3, PostgreSQL through pg. One small interface, SQL written once with `?`
// placeholders and quoted identifiers (both databases read them the same way).
import Database from 'better-sqlite3';
import pg from 'pg';

export type DbKind = 'sqlite' | 'postgres';

export interface BenchDb {
  readonly kind: DbKind;
  /** A DateTime as the server's Prisma adapter stores it in this database (checked against a row it wrote). */
  ts(ms: number): string;
  all<T>(sql: string, params?: unknown[]): Promise<T[]>;
  /** The first row's first column as a number (COUNT, MAX: PostgreSQL answers bigint as text). */
  number(sql: string, params?: unknown[]): Promise<number>;
  run(sql: string, params?: unknown[]): Promise<void>;
  /** Rows of `columns` values, written in bulk in one transaction; ids given explicitly keep their sequence ahead. */
  insert(table: string, columns: string[], rows: unknown[][]): Promise<void>;
  /** Sets `columns` (after "id", the first) of the rows with these ids, in bulk in one transaction. */
  updateById(table: string, columns: string[], rows: unknown[][]): Promise<void>;
  close(): Promise<void>;
}

/** '2026-11-22T20:21:13.911+00:00': the better-sqlite3 adapter's iso8601 format (its default timestampFormat). */
const sqliteTs = (ms: number) => new Date(ms).toISOString().replace('Z', '+00:00');
/** '2026-11-22 20:21:13.911' in UTC: a `timestamp(3)` column (no time zone) as Prisma writes it. */
const pgTs = (ms: number) => new Date(ms).toISOString().replace('T', ' ').replace('Z', '');

/**
 * `seed`: the server is stopped, write fast (no fsync) and fold the WAL into the file at the end.
 * `watch`: the server is running; read its progress, and write only as one more careful client would.
 */
export type Purpose = 'seed' | 'watch';

export function openSqlite(file: string, purpose: Purpose): BenchDb {
  const db = new Database(file, { timeout: 10_000 });
  if (purpose === 'seed') {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = OFF'); // preparation only; the server opens the file with its own settings
    db.pragma('cache_size = -200000'); // 200 MB of pages for this process: a million rows' indexes
  }
  return {
    kind: 'sqlite',
    ts: sqliteTs,
    all: async <T>(sql: string, params: unknown[] = []) => db.prepare(sql).all(...params) as T[],
    number: async (sql, params = []) => Number(Object.values(db.prepare(sql).get(...params) as object)[0]),
    run: async (sql, params = []) => {
      db.prepare(sql).run(...params);
    },
    insert: async (table, columns, rows) => {
      const ins = db.prepare(`INSERT INTO "${table}" (${columns.map((c) => `"${c}"`).join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`);
      db.transaction(() => {
        for (const r of rows) ins.run(...r);
      })();
    },
    updateById: async (table, columns, rows) => {
      const set = columns.slice(1).map((c) => `"${c}" = ?`).join(', ');
      const upd = db.prepare(`UPDATE "${table}" SET ${set} WHERE id = ?`);
      db.transaction(() => {
        for (const [id, ...values] of rows) upd.run(...values, id);
      })();
    },
    close: async () => {
      if (purpose === 'seed') db.pragma('wal_checkpoint(TRUNCATE)');
      db.close();
    },
  };
}

const numbered = (sql: string) => {
  let i = 0;
  return sql.replace(/\?/g, () => `$${++i}`);
};

/** Rows per INSERT … SELECT FROM unnest(…): one array parameter per column, so the row count sets no parameter limit. */
const PG_CHUNK = 20_000;

export async function openPostgres(url: string): Promise<BenchDb> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const types = new Map<string, Map<string, string>>();
  const columnTypes = async (table: string) => {
    let t = types.get(table);
    if (!t) {
      const { rows } = await client.query<{ column_name: string; udt_name: string }>(
        `SELECT column_name, udt_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1`,
        [table],
      );
      t = new Map(rows.map((r) => [r.column_name, r.udt_name]));
      types.set(table, t);
    }
    return t;
  };
  /** `$1::int4[], $2::text[], …`: the arrays' types are the columns' own. */
  const unnestOf = async (table: string, columns: string[]) => {
    const t = await columnTypes(table);
    return columns
      .map((c, i) => {
        const udt = t.get(c);
        if (!udt) throw new Error(`"${table}"."${c}": no such column in PostgreSQL`);
        return `$${i + 1}::${udt === 'timestamp' ? 'timestamp(3)' : udt}[]`;
      })
      .join(', ');
  };
  const inChunks = async (rows: unknown[][], each: (chunk: unknown[][]) => Promise<unknown>, beforeCommit?: () => Promise<void>) => {
    await client.query('BEGIN');
    try {
      for (let from = 0; from < rows.length; from += PG_CHUNK) await each(rows.slice(from, from + PG_CHUNK));
      await beforeCommit?.();
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK');
      throw err;
    }
  };
  return {
    kind: 'postgres',
    ts: pgTs,
    all: async <T>(sql: string, params: unknown[] = []) => (await client.query(numbered(sql), params)).rows as T[],
    number: async (sql, params = []) => Number(Object.values((await client.query(numbered(sql), params)).rows[0] as object)[0]),
    run: async (sql, params = []) => {
      await client.query(numbered(sql), params);
    },
    insert: async (table, columns, rows) => {
      const arrays = await unnestOf(table, columns);
      const sql = `INSERT INTO "${table}" (${columns.map((c) => `"${c}"`).join(', ')}) SELECT * FROM unnest(${arrays})`;
      await inChunks(rows, (chunk) => client.query(sql, columns.map((_, i) => chunk.map((r) => r[i]))), async () => {
        // explicit ids do not move the serial's sequence: the server's own inserts must come after them
        if (columns.includes('id')) await client.query(`SELECT setval(pg_get_serial_sequence('"${table}"', 'id'), (SELECT MAX(id) FROM "${table}"))`);
      });
    },
    updateById: async (table, columns, rows) => {
      const arrays = await unnestOf(table, columns);
      const set = columns.slice(1).map((c) => `"${c}" = u."${c}"`).join(', ');
      const sql = `UPDATE "${table}" AS t SET ${set} FROM unnest(${arrays}) AS u(${columns.map((c) => `"${c}"`).join(', ')}) WHERE t.id = u.id`;
      await inChunks(rows, (chunk) => client.query(sql, columns.map((_, i) => chunk.map((r) => r[i]))));
    },
    close: async () => {
      await client.end();
    },
  };
}
