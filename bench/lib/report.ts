// The tables of a run: one per database, issue 15's figures in its order, before → after, the after figure as a
// ratio to bare Express measured in the same run, the goal, met or missed.
import type { RecordedFigure, RecordedRun } from './before.ts';
import type { DbKind } from './database.ts';
import { FIGURES, figureDef, formatRatio, formatValue, type FigureKey } from './figures.ts';
import type { Measured } from './types.ts';

export interface DbRun {
  db: DbKind;
  figures: Measured[];
  notes: string[];
  /** benchmarks that failed or were left out, and why */
  missing: Array<{ bench: string; why: string }>;
}

export const DB_NAME: Record<DbKind, string> = { sqlite: 'SQLite', postgres: 'PostgreSQL' };

function withRatio(key: FigureKey, value: number, hello?: number): string {
  const d = figureDef(key);
  const v = formatValue(d.unit, value);
  return d.ratio === 'none' ? v : `${v} (${formatRatio(key, value, hello)})`;
}

/** A before value, marked when it was measured another way than the figure is now (bench/lib/figures.ts `method`). */
function beforeCell(key: FigureKey, b: RecordedFigure): string {
  const method = figureDef(key).method;
  const cell = withRatio(key, b.value, b.hello);
  return method && b.method !== method.id ? `${cell} (${method.old})` : cell;
}

function ratioCell(key: FigureKey, m: Measured): string {
  const d = figureDef(key);
  const r = formatRatio(key, m.value, m.hello);
  return d.ratio === 'hello' && m.hello !== undefined ? `${r} (bare Express ${formatValue(d.unit, m.hello)})` : r;
}

/** Rows of one section ('issue': issue 15's table; 'other': the figures kept from earlier issues). */
export function figureTable(run: DbRun, before: RecordedRun | undefined, section: 'issue' | 'other'): string[] {
  const after = new Map(run.figures.map((f) => [f.key, f]));
  const rows: string[] = [];
  for (const [key, d] of FIGURES) {
    if (d.section !== section) continue;
    const m = after.get(key);
    const b = before?.figures[key];
    if (!m && !b) continue;
    const met = !m ? '—' : d.met === null ? '—' : d.met(m.value, m.hello) ? '✅ met' : '❌ missed';
    rows.push(`| ${d.label} | ${b ? beforeCell(key, b) : '—'} | ${m ? formatValue(d.unit, m.value) : 'not measured'} | ${m ? ratioCell(key, m) : '—'} | ${d.goal} | ${met} |`);
  }
  if (rows.length === 0) return [];
  return ['| figure | before | after | after as ratio to bare Express, same run | goal | met? |', '|---|---|---|---|---|---|', ...rows];
}

export function dbSection(run: DbRun, before: RecordedRun | undefined, level = '##'): string[] {
  const other = figureTable(run, before, 'other');
  return [
    `${level} ${DB_NAME[run.db]}`,
    '',
    before
      ? `Before: ${before.revision}, ${before.server}, recorded ${before.recorded}${(before.amended ?? []).map((a) => `; ${a.figures.join(', ')} measured again ${a.recorded} (${a.revision}, \`${a.command}\`)`).join('')} (bench/before.json).`
      : 'Before: not recorded for this database (bench/before.json).',
    '',
    ...figureTable(run, before, 'issue'),
    '',
    ...(other.length ? ['Not in issue 15’s table (issue 6’s admin queue):', '', ...other, ''] : []),
    ...(run.missing.length ? [...run.missing.map((m) => `- ${m.bench}: ${m.why}`), ''] : []),
  ];
}
