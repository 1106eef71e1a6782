// Folder-level import cycles in server/: every folder (orders/, refunds/, …) is one unit, and a file directly
// in server/ (app.ts, config.ts, errors.ts, main.ts) is its own. A cycle between units means neither can be
// understood, tested or moved without the other, so `npm test` fails on one. Imports inside a unit are free.
//   node scripts/check-import-cycles.mjs [dir]    (dir: server/ by default) → exit 1 and each cycle, else 0
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const ROOT = path.resolve(import.meta.dirname, '..');
const SKIP = ['db/generated']; // Prisma's output: generated, never imports back

// `import … from '…'`, `import type …`, `export … from '…'`, multi-line lists too; the lazy middle stops at any
// quote, `;`, `=` or parenthesis, so it cannot run from one statement into a string further down.
const STATIC = /^[ \t]*(?:import|export)\b[^'";=()]*?\bfrom\s*(['"])([^'"]+)\1/gm;
const BARE = /^[ \t]*import\s*(['"])([^'"]+)\1/gm; // import './side-effect.ts'
const DYNAMIC = /\bimport\s*\(\s*(['"])([^'"]+)\1\s*\)/g;

function walk(dir, rel = '') {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const r = rel ? `${rel}/${name}` : name;
    if (SKIP.includes(r) || name === 'node_modules') continue;
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) out.push(...walk(full, r));
    else if (name.endsWith('.ts')) out.push(r);
  }
  return out;
}

/** A file's unit: its top folder under the root, or the file itself when it sits directly in the root. */
export function unitOf(rel) {
  const slash = rel.indexOf('/');
  return slash === -1 ? rel : rel.slice(0, slash);
}

function lineAt(text, index) {
  let n = 1;
  for (let i = 0; i < index; i++) if (text.charCodeAt(i) === 10) n++;
  return n;
}

/** Relative specifiers of one file, with their line. Lines that are comments are ignored. */
export function importsOf(text) {
  const found = [];
  const isComment = (index) => {
    const start = text.lastIndexOf('\n', index - 1) + 1;
    return /^\s*(\*|\/\*)|\/\//.test(text.slice(start, index));
  };
  for (const re of [STATIC, BARE, DYNAMIC]) {
    re.lastIndex = 0;
    for (let m; (m = re.exec(text)); ) {
      const spec = m[2];
      if (!spec.startsWith('./') && !spec.startsWith('../')) continue;
      const at = m.index + m[0].indexOf(m[1] + spec);
      if (re === DYNAMIC && isComment(m.index)) continue;
      found.push({ specifier: spec, line: lineAt(text, at) });
    }
  }
  return found.sort((a, b) => a.line - b.line);
}

/** The root-relative file a specifier names (`.js` written for `.ts`, or no extension, are accepted too). */
function resolveTo(rootDir, fromRel, spec, known) {
  const abs = path.resolve(rootDir, path.dirname(fromRel), spec);
  const rel = path.relative(rootDir, abs).split(path.sep).join('/');
  if (rel.startsWith('..') || path.isAbsolute(rel)) return null; // outside the tree: not a unit of it
  const candidates = [rel, rel.replace(/\.(m?js)$/, '.ts'), `${rel}.ts`, `${rel}/index.ts`];
  return candidates.find((c) => known.has(c)) ?? rel; // unknown (e.g. into db/generated): still its folder
}

/**
 * Every elementary cycle of the folder graph of `rootDir` (server/ by default). Each cycle lists its units
 * (the first repeated at the end) and, for each step, one file-level import that makes it.
 */
export function findImportCycles(rootDir = path.join(ROOT, 'server')) {
  const files = walk(rootDir);
  const known = new Set(files);
  /** unit → unit → the first file-level import found (files in sorted order) */
  const edges = new Map();
  for (const file of files) {
    const text = readFileSync(path.join(rootDir, file), 'utf8');
    for (const { specifier, line } of importsOf(text)) {
      const target = resolveTo(rootDir, file, specifier, known);
      if (target === null) continue;
      const from = unitOf(file);
      const to = unitOf(target);
      if (from === to) continue;
      if (!edges.has(from)) edges.set(from, new Map());
      const out = edges.get(from);
      if (!out.has(to)) out.set(to, { file, line, specifier, target });
    }
  }
  const units = [...new Set([...files.map(unitOf), ...[...edges.values()].flatMap((m) => [...m.keys()])])].sort();
  const order = new Map(units.map((u, i) => [u, i]));

  // Each cycle once: started from its smallest unit, through larger units only.
  const cycles = [];
  for (const start of units) {
    const s = order.get(start);
    const pathNow = [start];
    const onPath = new Set([start]);
    const dfs = (u) => {
      for (const v of [...(edges.get(u)?.keys() ?? [])].sort()) {
        if (v === start) cycles.push([...pathNow, start]);
        else if (order.get(v) > s && !onPath.has(v)) {
          pathNow.push(v);
          onPath.add(v);
          dfs(v);
          onPath.delete(v);
          pathNow.pop();
        }
      }
    };
    dfs(start);
  }
  return {
    files: files.length,
    units,
    cycles: cycles
      .sort((a, b) => a.length - b.length || a.join().localeCompare(b.join()))
      .map((us) => ({
        units: us,
        steps: us.slice(0, -1).map((from, i) => ({ from, to: us[i + 1], ...edges.get(from).get(us[i + 1]) })),
      })),
  };
}

/** Human-readable report, naming `prefix` (e.g. server/) in file paths. */
export function formatCycles(result, prefix = 'server/') {
  if (result.cycles.length === 0) {
    return `✓ no folder-level import cycle in ${prefix} (${result.files} files, ${result.units.length} units)`;
  }
  const lines = [`✗ ${result.cycles.length} folder-level import cycle(s) in ${prefix}; break one import of each:`];
  result.cycles.forEach((c, i) => {
    lines.push(`  ${i + 1}. ${c.units.join(' → ')}`);
    for (const s of c.steps) lines.push(`       ${s.from} → ${s.to}: ${prefix}${s.file}:${s.line} imports '${s.specifier}'`);
  });
  return lines.join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const dir = path.resolve(process.argv[2] ?? path.join(ROOT, 'server'));
  const result = findImportCycles(dir);
  const shown = path.relative(process.cwd(), dir) || '.';
  console.log(formatCycles(result, `${shown.split(path.sep).join('/')}/`));
  process.exit(result.cycles.length === 0 ? 0 : 1);
}
