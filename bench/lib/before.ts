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
  /** how it was measured, when its definition names a method (bench/lib/figures.ts): absent, the old way */
  method?: string;
}

/** When and how a run was recorded. */
export interface Provenance {
  recorded: string;
  /** the measured tree's commit */
  revision: string;
  /** how its server was started */
  server: string;
  command: string;
  loadAverage: { start: number[]; end: number[] };
}

export interface RecordedRun extends Provenance {
  figures: Partial<Record<FigureKey, RecordedFigure>>;
  /** figures measured again later on their own (`--record-before=<figure>,…`), with that run's provenance */
  amended?: Array<Provenance & { figures: FigureKey[] }>;
}

export type BeforeFile = Partial<Record<DbKind, RecordedRun>>;

export function readBefore(): BeforeFile {
  if (!existsSync(BEFORE_FILE)) return {};
  return JSON.parse(readFileSync(BEFORE_FILE, 'utf8')) as BeforeFile;
}

/**
 * Stores this run's figures as "before", database by database; a figure this run did not measure keeps its
 * earlier record, so one benchmark can be measured again without redoing the rest. With `only`, just those
 * figures are stored and the record keeps its provenance, the amendment listing them with this run's (e.g. the
 * cold-start rows measured again after their method changed, the other figures of those benchmarks untouched).
 */
export function recordBefore(runs: Partial<Record<DbKind, RecordedRun>>, only?: FigureKey[]): void {
  const file = readBefore();
  for (const [db, run] of Object.entries(runs) as Array<[DbKind, RecordedRun]>) {
    const earlier = file[db];
    const figures = only ? Object.fromEntries(Object.entries(run.figures).filter(([k]) => only.includes(k as FigureKey))) : run.figures;
    const keys = Object.keys(figures) as FigureKey[];
    // an earlier amendment no longer speaks for the figures recorded now
    const amended = (earlier?.amended ?? []).map((a) => ({ ...a, figures: a.figures.filter((k) => !keys.includes(k)) })).filter((a) => a.figures.length > 0);
    if (only && earlier) {
      const provenance: Provenance = { recorded: run.recorded, revision: run.revision, server: run.server, command: run.command, loadAverage: run.loadAverage };
      file[db] = { ...earlier, figures: { ...earlier.figures, ...figures }, amended: [...amended, { ...provenance, figures: keys }] };
    } else {
      file[db] = { ...run, figures: { ...earlier?.figures, ...figures }, ...(amended.length ? { amended } : {}) };
    }
  }
  writeFileSync(BEFORE_FILE, `${JSON.stringify(file, null, 2)}\n`);
}
