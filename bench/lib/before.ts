// bench/before.json: the figures of the server before issue 15's changes, measured once by this same bench code
// (BENCH_TARGET=<a checkout of that commit> npm run bench -- --record-before) and committed, so every later
// run's table shows before → after. Each figure keeps its bare-Express reference of its own run, since the
// ratio, not the absolute number, is what survives a noisy shared machine.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { DbKind } from './database.ts';
import type { FigureKey } from './figures.ts';
import { ROOT } from './target.ts';

export const BEFORE_FILE = path.join(ROOT, 'bench', 'before.json');

export interface RecordedFigure {
  value: number;
  hello?: number;
}

export interface RecordedRun {
  recorded: string;
  /** the measured tree's commit */
  revision: string;
  /** how its server was started */
  server: string;
  command: string;
  loadAverage: { start: number[]; end: number[] };
  figures: Partial<Record<FigureKey, RecordedFigure>>;
}

export type BeforeFile = Partial<Record<DbKind, RecordedRun>>;

export function readBefore(): BeforeFile {
  if (!existsSync(BEFORE_FILE)) return {};
  return JSON.parse(readFileSync(BEFORE_FILE, 'utf8')) as BeforeFile;
}

/**
 * Stores this run's figures as "before", database by database; a figure this run did not measure keeps its
 * earlier record, so one benchmark can be measured again without redoing the rest.
 */
export function recordBefore(runs: Partial<Record<DbKind, RecordedRun>>): void {
  const file = readBefore();
  for (const [db, run] of Object.entries(runs) as Array<[DbKind, RecordedRun]>) {
    file[db] = { ...run, figures: { ...file[db]?.figures, ...run.figures } };
  }
  writeFileSync(BEFORE_FILE, `${JSON.stringify(file, null, 2)}\n`);
}
