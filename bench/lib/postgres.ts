// PostgreSQL for the benchmarks: one throwaway cluster per bench run (scripts/postgres.mjs, as `npm test`
// uses; as root it runs as the postgres user), a fresh database per benchmark, dropped afterwards.
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { ROOT } from './target.ts';

interface ThrowawayPostgres {
  url: string;
  stop(): void;
}

interface PostgresScript {
  startThrowawayPostgres(opts?: { port?: number }): ThrowawayPostgres | null;
}

export class PgCluster {
  private n = 0;
  private stopped = false;

  private constructor(
    private readonly pg: ThrowawayPostgres,
    readonly version: string,
  ) {}

  /**
   * Starts the cluster, or null when this machine has no PostgreSQL server binaries. scripts/postgres.mjs
   * turns fsync off (a test cluster); a benchmark stands for production, so it is turned back on: every
   * commit reaches the disk, as SQLite's do.
   */
  static async start(): Promise<PgCluster | null> {
    const script = (await import(pathToFileURL(path.join(ROOT, 'scripts', 'postgres.mjs')).href)) as PostgresScript;
    const started = script.startThrowawayPostgres();
    if (!started) return null;
    try {
      const version = await PgCluster.admin(started.url, async (c) => {
        if (process.env.BENCH_PG_FSYNC !== 'off') {
          await c.query('ALTER SYSTEM SET fsync = on');
          await c.query('SELECT pg_reload_conf()');
        }
        return (await c.query<{ v: string }>(`SELECT current_setting('server_version') AS v`)).rows[0].v;
      });
      return new PgCluster(started, version);
    } catch (err) {
      started.stop();
      throw err;
    }
  }

  private static async admin<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    try {
      return await fn(c);
    } finally {
      await c.end();
    }
  }

  /** A new empty database; the server migrates it when it starts. */
  async createDatabase(name: string): Promise<string> {
    const db = `bench_${name.replace(/[^a-z0-9]/gi, '_').toLowerCase()}_${++this.n}`;
    await PgCluster.admin(this.pg.url, (c) => c.query(`CREATE DATABASE "${db}"`));
    const url = new URL(this.pg.url);
    url.pathname = `/${db}`;
    return url.toString();
  }

  /** Drops a benchmark's database (its connections are closed first: a server killed mid-way may leave some). */
  async dropDatabase(url: string): Promise<void> {
    if (process.env.BENCH_KEEP) return;
    const db = new URL(url).pathname.slice(1);
    await PgCluster.admin(this.pg.url, (c) => c.query(`DROP DATABASE IF EXISTS "${db}" WITH (FORCE)`));
  }

  /** Stops the cluster and removes its folder; safe to call twice (a failure path and the normal end). */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.pg.stop();
  }
}
