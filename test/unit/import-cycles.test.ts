// server/ has no folder-level import cycle (scripts/check-import-cycles.mjs), and the checker does find one:
// a fixture tree with known cycles, comments, intra-folder imports and a generated folder to ignore.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

interface Step {
  from: string;
  to: string;
  file: string;
  line: number;
  specifier: string;
  target: string;
}
interface Checker {
  findImportCycles(rootDir?: string): { files: number; units: string[]; cycles: Array<{ units: string[]; steps: Step[] }> };
  formatCycles(result: ReturnType<Checker['findImportCycles']>, prefix?: string): string;
}

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const SCRIPT = path.join(ROOT, 'scripts', 'check-import-cycles.mjs');
let checker: Checker;
let fixture: string;

const FILES: Record<string, string> = {
  // a → b → c → a, through a value import, a type import and a multi-line re-export
  'a/x.ts': "import { y } from '../b/y.ts';\nimport { x2 } from './x2.ts';\nexport const x = y + x2;\n",
  'a/x2.ts': "import type { G } from '../db/generated/client.ts';\nexport const x2 = 1;\nexport type H = G;\n",
  'b/y.ts': "// import { x } from '../a/x.ts'; (a comment: no edge)\nimport type { Z } from '../c/z.ts';\nexport const y: Z = 1;\n",
  'c/z.ts': "export type Z = number;\nexport {\n  x,\n} from '../a/x.ts';\n",
  // a file directly in the root is its own unit: errors.ts ↔ e
  'errors.ts': "import './e/e.ts';\nexport class Oops extends Error {}\n",
  'e/e.ts': "import { Oops } from '../errors.ts';\nexport const e = () => new Oops();\n",
  // imports main.ts but nothing imports it back: no cycle
  'main.ts': "import { x } from './a/x.ts';\nimport { e } from './e/e.ts';\nconsole.log(x, e);\n",
  // generated code is skipped: were it read, db ↔ a would be a cycle
  'db/generated/client.ts': "import { x } from '../../a/x.ts';\nexport type G = typeof x;\n",
};

beforeAll(async () => {
  // a computed specifier: the script is plain JS, typed by the interface above
  checker = (await import(pathToFileURL(SCRIPT).href)) as Checker;
  fixture = mkdtempSync(path.join(tmpdir(), 'import-cycles-'));
  for (const [rel, text] of Object.entries(FILES)) {
    mkdirSync(path.dirname(path.join(fixture, rel)), { recursive: true });
    writeFileSync(path.join(fixture, rel), text);
  }
});

afterAll(() => {
  if (fixture) rmSync(fixture, { recursive: true, force: true });
});

describe('folder-level import cycles', () => {
  it('server/ has none', () => {
    const result = checker.findImportCycles();
    expect(result.files).toBeGreaterThan(20);
    expect(result.units).toEqual(expect.arrayContaining(['http', 'orders', 'refunds', 'app.ts', 'errors.ts']));
    expect(result.cycles, checker.formatCycles(result)).toEqual([]);
  });

  it('finds every cycle of a fixture tree, with one file-level import per step', () => {
    const result = checker.findImportCycles(fixture);
    expect(result.cycles.map((c) => c.units)).toEqual([
      ['e', 'errors.ts', 'e'],
      ['a', 'b', 'c', 'a'],
    ]);
    expect(result.cycles[1].steps).toEqual([
      { from: 'a', to: 'b', file: 'a/x.ts', line: 1, specifier: '../b/y.ts', target: 'b/y.ts' },
      { from: 'b', to: 'c', file: 'b/y.ts', line: 2, specifier: '../c/z.ts', target: 'c/z.ts' },
      { from: 'c', to: 'a', file: 'c/z.ts', line: 4, specifier: '../a/x.ts', target: 'a/x.ts' },
    ]);
    const text = checker.formatCycles(result, 'fixture/');
    expect(text).toContain('a → b → c → a');
    expect(text).toContain("fixture/c/z.ts:4 imports '../a/x.ts'");
    expect(text).toContain("fixture/errors.ts:1 imports './e/e.ts'");
  });

  it('the command exits 1 on a cycle, naming it, and 0 without', () => {
    const bad = spawnSync(process.execPath, [SCRIPT, fixture], { encoding: 'utf8' });
    expect(bad.status, bad.stderr).toBe(1);
    expect(bad.stdout).toContain('2 folder-level import cycle(s)');
    rmSync(path.join(fixture, 'c'), { recursive: true });
    rmSync(path.join(fixture, 'errors.ts'));
    const good = spawnSync(process.execPath, [SCRIPT, fixture], { encoding: 'utf8' });
    expect(good.status, good.stdout + good.stderr).toBe(0);
    expect(good.stdout).toContain('no folder-level import cycle');
  });
});
