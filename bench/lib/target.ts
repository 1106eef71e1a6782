// Which tree's server is measured, and how it is started. BENCH_TARGET=/path/to/other/checkout measures that
// checkout's server (its server/, its dist/ once built) while the bench code, the WeChat Pay sandbox and the
// seeding stay this tree's: "before" is another commit's server against the very same measuring rig.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

/** This tree: the bench code, the sandbox (WeChat's side, never what is measured), scripts/postgres.mjs. */
export const ROOT = path.resolve(import.meta.dirname, '..', '..');

/** The tree whose server is measured. */
export const TARGET = path.resolve(process.env.BENCH_TARGET || ROOT);

const BUILD_SCRIPT = path.join('scripts', 'build-server.mjs');

/** How a tree's program is started: `node [nodeArgs] dist/<name>.mjs` once built, else its TypeScript through tsx. */
export interface Launch {
  cwd: string;
  /** node arguments with `nodeArgs` in their place */
  args(nodeArgs: string[]): string[];
  /** for the report */
  describe: string;
}

function launch(tree: string, bundle: string, source: string): Launch {
  const dist = path.join(tree, 'dist', bundle);
  // the tree has a build: run what `npm start` runs, compiled JavaScript
  if (existsSync(path.join(tree, BUILD_SCRIPT))) {
    return { cwd: tree, args: (nodeArgs) => [...nodeArgs, dist], describe: `node dist/${bundle}` };
  }
  // an older tree without a build (e.g. the commit before issue 15): what its `npm start` ran
  return { cwd: tree, args: (nodeArgs) => ['--import', 'tsx', ...nodeArgs, path.join(tree, source)], describe: `node --import tsx ${source}` };
}

export const serverLaunch = (): Launch => launch(TARGET, 'server.mjs', path.join('server', 'main.ts'));
export const sandboxLaunch = (): Launch => launch(ROOT, 'sandbox.mjs', path.join('server', 'sandbox', 'main.ts'));

/**
 * Builds once per bench run what will be started: the target tree's server and this tree's sandbox
 * (`node scripts/build-server.mjs`, what the install does), so that neither runs from a stale dist/.
 */
export function buildOnce(log: (msg: string) => void): void {
  for (const tree of new Set([TARGET, ROOT])) {
    if (!existsSync(path.join(tree, BUILD_SCRIPT))) continue;
    const t0 = Date.now();
    execFileSync(process.execPath, [BUILD_SCRIPT], { cwd: tree, stdio: ['ignore', 'pipe', 'pipe'] });
    for (const bundle of ['server.mjs', 'sandbox.mjs']) {
      if (!existsSync(path.join(tree, 'dist', bundle))) throw new Error(`${tree}: ${BUILD_SCRIPT} ran but made no dist/${bundle}`);
    }
    log(`built ${tree === ROOT ? 'this tree' : tree} (node ${BUILD_SCRIPT}, ${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  }
}

/** The target's commit, "+ changes" when its work tree differs from it: the report says what was measured. */
export function targetRevision(): string {
  try {
    const sha = execFileSync('git', ['-C', TARGET, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['-C', TARGET, 'status', '--porcelain', '--untracked-files=no', '--', 'server', 'scripts', 'prisma', 'package.json'], { encoding: 'utf8' }).trim();
    return dirty ? `${sha} + uncommitted changes` : sha;
  } catch {
    return 'unknown (not a git checkout)';
  }
}
