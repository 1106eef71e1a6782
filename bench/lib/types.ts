// What a benchmark hands back to bench/run.ts for docs/benchmarks.md.
import type { Child } from './server.ts';

export interface Row {
  benchmark: string;
  figure: string;
  hello: string;
  ratio: string;
  target: string;
  met: boolean;
}

export interface BenchResult {
  rows: Row[];
  notes: string[];
  /** The server's highest VmRSS while this benchmark's load ran, MB. */
  maxRssMb: number;
}

export interface BenchContext {
  hello: Child;
  /** Extra node flags for the server child, e.g. --cpu-prof (BENCH_CPU_PROF=1). */
  nodeArgs: string[];
  log(msg: string): void;
}

export interface Benchmark {
  name: string;
  title: string;
  run(ctx: BenchContext): Promise<BenchResult>;
}

export const fmt = {
  rps: (n: number) => `${Math.round(n).toLocaleString('en-US')} req/s`,
  ms: (n: number) => `${n < 10 ? n.toFixed(1) : Math.round(n)} ms`,
  ratio: (n: number) => `${n.toFixed(2)}×`,
};
