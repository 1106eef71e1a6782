// Prisma's better-sqlite3 adapter, with four things it does not do: it keeps prepared statements, runs SQLite's
// WAL with synchronous=NORMAL, leaves checkpoints to a worker thread, and opens transactions with BEGIN IMMEDIATE
// (so several processes can share one file). Why, and what that costs: docs/architecture.md#sqlite-tuning.
import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3';
import type BetterSqlite3 from 'better-sqlite3';
import { FALLBACK_AUTOCHECKPOINT_PAGES, startCheckpointer } from './sqlite-checkpointer.ts';

type Database = BetterSqlite3.Database;
type SqlDriverAdapter = Awaited<ReturnType<PrismaBetterSqlite3['connect']>>;
type Statement = BetterSqlite3.Statement<unknown[]>;

/** Prisma's queries are a few hundred shapes; a bound keeps a pathological caller from growing it forever. */
const MAX_CACHED_STATEMENTS = 1_000;

/** A kept statement's result columns, asked for by every query that reads: the same for the statement's life. */
const columnsOf = new WeakMap<Statement, BetterSqlite3.ColumnDefinition[]>();

/**
 * What the adapter does with a statement: `prepare(sql).bind(args)`, then `run()`, or `columns()` and
 * `raw().all()`. better-sqlite3 binds a statement once for its life, so a kept statement is handed out as
 * this view, which holds the arguments and passes them at each execution instead.
 */
class BoundStatement {
  constructor(
    private readonly stmt: Statement,
    private readonly args: unknown[] = [],
  ) {}

  get reader(): boolean {
    return this.stmt.reader;
  }

  bind(args: unknown[]): BoundStatement {
    return new BoundStatement(this.stmt, args);
  }

  run(): BetterSqlite3.RunResult {
    return this.stmt.run(this.args);
  }

  columns(): BetterSqlite3.ColumnDefinition[] {
    let columns = columnsOf.get(this.stmt);
    if (!columns) columnsOf.set(this.stmt, (columns = this.stmt.columns()));
    return columns;
  }

  raw(on = true): BoundStatement {
    this.stmt.raw(on);
    return this;
  }

  all(): unknown[] {
    return this.stmt.all(this.args);
  }
}

/**
 * The adapter opens every transaction with a plain (deferred) `BEGIN`: it reads in a snapshot and asks for the
 * write lock at its first write. When another process on the same file wrote in between, SQLite refuses that
 * upgrade at once (SQLITE_BUSY_SNAPSHOT: waiting could not help) and the request fails. `BEGIN IMMEDIATE` takes the
 * write lock first, waiting for it under the busy timeout, so a transaction never meets another process's commit
 * half-way. Within one process nothing changes: the adapter runs its transactions one at a time anyway.
 *
 * The adapter holds its transaction mutex when it runs BEGIN and does not release it if BEGIN throws; so when the
 * lock is still not free after the busy timeout, this falls back to the deferred BEGIN, which cannot be busy: the
 * transaction then fails at its first write, as before, and releases the mutex on its rollback.
 */
class ImmediateBegin {
  private readonly immediate: Statement;
  private readonly deferred: Statement;

  constructor(prepare: (sql: string) => Statement) {
    this.immediate = prepare('BEGIN IMMEDIATE');
    this.deferred = prepare('BEGIN');
  }

  get reader(): boolean {
    return false;
  }

  bind(): ImmediateBegin {
    return this;
  }

  run(): BetterSqlite3.RunResult {
    try {
      return this.immediate.run();
    } catch (err) {
      if ((err as { code?: string }).code !== 'SQLITE_BUSY') throw err;
      return this.deferred.run();
    }
  }
}

/**
 * Makes `db.prepare` return kept statements (least recently used dropped beyond the bound), and the adapter's
 * `BEGIN` an ImmediateBegin.
 */
function keepStatements(db: Database): void {
  const cache = new Map<string, Statement>();
  const prepare = db.prepare.bind(db) as (sql: string) => Statement;
  const begin = new ImmediateBegin(prepare);
  (db as unknown as { prepare: (sql: string) => BoundStatement | ImmediateBegin }).prepare = (sql: string) => {
    if (sql === 'BEGIN') return begin;
    let stmt = cache.get(sql);
    if (stmt) {
      cache.delete(sql); // re-inserted below: a Map iterates in insertion order, so the first key is the oldest
    } else {
      stmt = prepare(sql);
      if (cache.size >= MAX_CACHED_STATEMENTS) cache.delete(cache.keys().next().value!);
    }
    cache.set(sql, stmt);
    return new BoundStatement(stmt);
  };
}

/** The better-sqlite3 handle inside Prisma's adapter (a public field of its class, not of its interface). */
function handleOf(adapter: SqlDriverAdapter): Database {
  const client = (adapter as unknown as { client?: Database }).client;
  if (!client || typeof client.pragma !== 'function') throw new Error('the better-sqlite3 adapter no longer exposes its database handle');
  return client;
}

/** Used where Prisma takes an adapter factory: `new PrismaClient({ adapter })`. */
export class TunedSqliteAdapterFactory {
  readonly provider = 'sqlite';
  readonly adapterName: string;
  private readonly inner: PrismaBetterSqlite3;

  constructor(
    private readonly file: string,
    busyTimeoutMs: number,
  ) {
    this.inner = new PrismaBetterSqlite3({ url: file, timeout: busyTimeoutMs });
    this.adapterName = this.inner.adapterName;
  }

  async connect(): Promise<SqlDriverAdapter> {
    const adapter = await this.inner.connect();
    const db = handleOf(adapter);
    // WAL is set once by the migration runner and stays in the file; synchronous is per connection
    db.pragma('synchronous = NORMAL');
    // checkpoints are the worker's (sqlite-checkpointer.ts); this connection's own only past a far bound
    db.pragma(`wal_autocheckpoint = ${FALLBACK_AUTOCHECKPOINT_PAGES}`);
    keepStatements(db);
    const checkpointer = startCheckpointer(this.file);
    const dispose = adapter.dispose.bind(adapter);
    adapter.dispose = async () => {
      await checkpointer.stop();
      await dispose();
    };
    return adapter;
  }
}
