// A benchmark's world: a fresh data folder and database (a SQLite file, or a new database in the run's
// PostgreSQL cluster), made real by starting the server once and placing one genuine paid order and refund
// through the API (so the migrations, the sandbox's merchant and its paid trade are the real ones, and the
// DateTime storage format is read back from a row Prisma wrote). Then, with the server stopped, the Seeder
// (bench/lib/seeder.ts) writes the many rows a benchmark needs, in the shape the server's own code leaves them.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { templateOrderAndRefund } from './api.ts';
import { openPostgres, openSqlite, type BenchDb, type DbKind, type Purpose } from './database.ts';
import type { PgCluster } from './postgres.ts';
import { serverEnv, startMall, startSandboxProcess, type Child } from './server.ts';

export interface Credentials {
  appid: string;
  mchId: string;
  apiKey: string;
}

export interface StartOptions {
  env?: Record<string, string>;
  sandboxEnv?: Record<string, string>;
  nodeArgs?: string[];
}

export interface World {
  name: string;
  db: DbKind;
  dataDir: string;
  databaseUrl: string;
  sandboxDbPath: string;
  credentials: Credentials;
  /** The server's database, for seeding (server stopped) or watching progress (server running). */
  open(purpose: Purpose): Promise<BenchDb>;
  /** Starts the sandbox process, then the server on this world; `stop()` stops both. */
  start(opts?: StartOptions): Promise<Running>;
  /** Starts only the sandbox (WeChat stays up while the server restarts). */
  startSandbox(sandboxEnv?: Record<string, string>): Promise<Child>;
  /** Starts only the server, against a sandbox already running. */
  startServer(sandbox: Child, opts?: StartOptions): Promise<Child>;
  remove(): Promise<void>;
}

export interface Running {
  server: Child;
  sandbox: Child;
  sandboxUrl: string;
  stop(): Promise<void>;
}

export interface WorldOptions {
  db: DbKind;
  /** the run's cluster, for db 'postgres' */
  pg?: PgCluster | null;
}

/** Data folders of worlds not yet removed: an interrupted run (Ctrl-C) removes them on its way out too. */
const live = new Set<string>();
process.on('exit', () => {
  if (!process.env.BENCH_KEEP) for (const dir of live) rmSync(dir, { recursive: true, force: true });
});

const SQLITE_STORED = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+00:00$/;
const POSTGRES_STORED = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,3})?$/;

/** The seeding writes DateTimes in the format, and the zone, of the rows Prisma wrote: checked, not assumed. */
async function checkDateTimes(db: BenchDb): Promise<void> {
  const cast = db.kind === 'postgres' ? '::text' : '';
  const [row] = await db.all<{ paidAt: string; createdAt: string }>(`SELECT "paidAt"${cast} AS "paidAt", "createdAt"${cast} AS "createdAt" FROM "Order" ORDER BY id DESC LIMIT 1`);
  const format = db.kind === 'postgres' ? POSTGRES_STORED : SQLITE_STORED;
  // PostgreSQL's timestamp(3) has no zone: the adapter writes UTC, which the seeding must do too
  const utcMs = (s: string) => Date.parse(db.kind === 'postgres' ? `${s.replace(' ', 'T')}Z` : s);
  if (!row || !format.test(row.paidAt) || !format.test(row.createdAt) || Math.abs(utcMs(row.createdAt) - Date.now()) > 10 * 60_000) {
    throw new Error(`unexpected DateTime storage ${JSON.stringify(row)} on ${db.kind}: bench/lib/database.ts must follow it`);
  }
}

async function startBoth(w: World, opts: StartOptions = {}): Promise<Running> {
  const sandbox = await w.startSandbox(opts.sandboxEnv);
  try {
    const server = await w.startServer(sandbox, opts);
    return {
      server,
      sandbox,
      sandboxUrl: sandbox.url,
      stop: async () => {
        await server.stop();
        await sandbox.stop();
      },
    };
  } catch (err) {
    await sandbox.stop();
    throw err;
  }
}

export async function prepareWorld(name: string, o: WorldOptions): Promise<World> {
  const dataDir = mkdtempSync(path.join(tmpdir(), `wxmall-bench-${name}-`));
  live.add(dataDir);
  let databaseUrl = `file:${path.join(dataDir, 'mall.db')}`;
  if (o.db === 'postgres') {
    if (!o.pg) throw new Error('PostgreSQL benchmark without a cluster');
    try {
      databaseUrl = await o.pg.createDatabase(name);
    } catch (err) {
      rmSync(dataDir, { recursive: true, force: true });
      live.delete(dataDir);
      throw err;
    }
  }
  const world: World = {
    name,
    db: o.db,
    dataDir,
    databaseUrl,
    sandboxDbPath: path.join(dataDir, 'sandbox', 'sandbox.db'),
    credentials: { appid: '', mchId: '', apiKey: '' },
    open: (purpose) => (o.db === 'postgres' ? openPostgres(databaseUrl) : Promise.resolve(openSqlite(path.join(dataDir, 'mall.db'), purpose))),
    start: (opts) => startBoth(world, opts),
    startSandbox: (sandboxEnv) => startSandboxProcess(dataDir, sandboxEnv),
    startServer: (sandbox, opts = {}) => startMall(serverEnv(dataDir, { SANDBOX_URL: sandbox.url, SANDBOX_DATA_DIR: dataDir, ...opts.env }, databaseUrl), opts.nodeArgs),
    remove: async () => {
      if (process.env.BENCH_KEEP) return;
      rmSync(dataDir, { recursive: true, force: true });
      live.delete(dataDir);
      if (o.db === 'postgres') await o.pg!.dropDatabase(databaseUrl);
    },
  };
  try {
    const running = await startBoth(world);
    try {
      await templateOrderAndRefund(running.server.url);
    } finally {
      await running.stop();
    }
    const db = await world.open('watch');
    try {
      await checkDateTimes(db);
    } finally {
      await db.close();
    }
    world.credentials = JSON.parse(readFileSync(path.join(dataDir, 'sandbox', 'credentials.json'), 'utf8')) as Credentials;
    return world;
  } catch (err) {
    await world.remove();
    throw err;
  }
}
