// `npm test`: type checks (server, admin web, mini-program) and server/'s folder import cycles, then every vitest
// project. Browser tests need Chromium: without it they are skipped with a clear message, unless REQUIRE_BROWSER=1
// (CI) makes that a failure.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { startThrowawayPostgres } from './postgres.mjs';

const root = path.resolve(import.meta.dirname, '..');
const bin = (name) => path.join(root, 'node_modules', '.bin', name);
const extra = process.argv.slice(2);
const steps = [];

function step(name, cmd, args, env = {}) {
  process.stdout.write(`\n▶ ${name}\n`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  steps.push({ name, ok: r.status === 0 });
  return r.status === 0;
}

const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const haveBrowser = existsSync(chromium);
if (!haveBrowser && process.env.REQUIRE_BROWSER === '1') {
  console.error(`✗ REQUIRE_BROWSER=1 but no Chromium at ${chromium}: install it (apt-get install chromium fonts-wqy-microhei).`);
  process.exit(1);
}

if (extra.length === 0) {
  step('type check: server and tests', bin('tsc'), ['--noEmit', '-p', 'tsconfig.json']);
  if (existsSync(path.join(root, 'admin-web', 'tsconfig.json'))) {
    step('type check: admin web (vue-tsc)', bin('vue-tsc'), ['--noEmit', '-p', 'admin-web/tsconfig.json']);
  }
  if (existsSync(path.join(root, 'miniprogram', 'tsconfig.json'))) {
    step('type check: mini-program', bin('tsc'), ['--noEmit', '-p', 'miniprogram/tsconfig.json']);
  }
  if (existsSync(path.join(root, 'test', 'miniprogram', 'tsconfig.json'))) {
    step('type check: mini-program tests', bin('tsc'), ['--noEmit', '-p', 'test/miniprogram/tsconfig.json']);
  }
  step('no folder-level import cycle in server/', process.execPath, [path.join(root, 'scripts', 'check-import-cycles.mjs')]);
}
if (!haveBrowser) {
  console.log(`\n⚠ SKIPPED: browser tests (test/e2e/admin-*): no Chromium at ${chromium}. CI installs it and sets REQUIRE_BROWSER=1.`);
}
const counts = { passed: 0, failed: 0, skipped: 0 };

/**
 * One vitest run over every project; its counts are added to the total. `only`: these paths; `browser`: false
 * leaves the browser tests out.
 */
function vitestPass(label, env, { only = [], browser = true } = {}) {
  const report = path.join(root, '.tmp', `vitest-${label}.json`);
  mkdirSync(path.dirname(report), { recursive: true });
  rmSync(report, { force: true });
  const args = ['run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...extra, ...only];
  if (!haveBrowser || !browser) args.push('--exclude', 'test/e2e/admin-*.test.ts');
  step(`tests on ${label} (vitest: server, miniprogram, e2e)`, bin('vitest'), args, { CHROMIUM_PATH: chromium, ...env });
  if (!existsSync(report)) return;
  const r = JSON.parse(readFileSync(report, 'utf8'));
  counts.passed += r.numPassedTests;
  counts.failed += r.numFailedTests;
  counts.skipped += r.numPendingTests + r.numTodoTests;
}

vitestPass('SQLite', {});

// The same suite again on PostgreSQL (a throwaway cluster on loopback), unless this machine has none.
const pg = process.env.SKIP_POSTGRES === '1' ? null : startThrowawayPostgres(process.env.TEST_PG_PORT ? { port: Number(process.env.TEST_PG_PORT) } : {});
if (pg) {
  try {
    // what depends on the database: the API and the full flows. The unit and mini-program tests touch none, and
    // the admin web behaves the same whatever the server stores in: they ran on the first pass.
    const whole = extra.length === 0;
    vitestPass('PostgreSQL', { TEST_DATABASE_URL: pg.url }, { only: whole ? ['test/api/', 'test/e2e/'] : [], browser: !whole });
  } finally {
    pg.stop();
  }
} else if (process.env.REQUIRE_POSTGRES === '1') {
  console.error('✗ REQUIRE_POSTGRES=1 but PostgreSQL is not installed (apt-get install postgresql).');
  steps.push({ name: 'tests on PostgreSQL', ok: false });
} else {
  console.log('\n⚠ SKIPPED: the PostgreSQL pass: no PostgreSQL server binaries (apt-get install postgresql). CI sets REQUIRE_POSTGRES=1.');
}

console.log('\nSummary:');
for (const s of steps) console.log(`  ${s.ok ? '✓' : '✗'} ${s.name}`);
if (!haveBrowser) console.log('  - browser tests skipped (no Chromium)');
if (!pg) console.log('  - PostgreSQL pass skipped');
const failedSteps = steps.filter((s) => !s.ok).length;
// the plain closing line CI reads; a failed step (a type check, a crashed run) counts as a failure too
console.log(`\ntests: ${counts.passed} passed, ${Math.max(counts.failed, failedSteps)} failed, ${counts.skipped} skipped`);
process.exit(failedSteps === 0 ? 0 : 1);
