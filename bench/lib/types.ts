// What a benchmark is given and what it hands back to bench/run.ts.
import type { DbKind } from './database.ts';
import type { FigureKey } from './figures.ts';
import type { PgCluster } from './postgres.ts';
import type { Child } from './server.ts';

/** One measured figure (its label, unit and goal are in bench/lib/figures.ts). */
export interface Measured {
  key: FigureKey;
  value: number;
  /** bare Express's same figure in the same run, when there is one: the ratio is the result on a shared machine */
  hello?: number;
}

export interface BenchResult {
  figures: Measured[];
  notes: string[];
  /** The server's highest VmRSS while this benchmark's load ran, MB (none: it ran no load worth counting). */
  maxRssMb?: number;
}

export interface BenchContext {
  db: DbKind;
  /** the run's PostgreSQL cluster (db 'postgres') */
  pg: PgCluster | null;
  hello: Child;
  /** Extra node flags for the server child, e.g. --cpu-prof (BENCH_CPU_PROF=1). */
  nodeArgs: string[];
  log(msg: string): void;
}

export interface Benchmark {
  name: string;
  title: string;
  /** the databases it runs on (default both); a note says why when one is left out */
  databases?: { only: DbKind; why: string };
  run(ctx: BenchContext): Promise<BenchResult>;
}
