// `npm start`: builds what is missing (a fresh checkout that skipped install scripts) or stale (an edited source),
// then runs the compiled server, dist/server.mjs, in this very process, so SIGTERM reaches it directly and it can
// stop gracefully. Plain JavaScript at run time: no TypeScript loader (scripts/build-server.mjs says why).
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const root = path.resolve(import.meta.dirname, '..');
const missingClient = !existsSync(path.join(root, 'server', 'db', 'generated', 'sqlite', 'client.ts'));
const missingAdmin = !existsSync(path.join(root, 'admin-web', 'dist', 'index.html'));
if (missingClient || missingAdmin) {
  execFileSync(process.execPath, [path.join(root, 'scripts', 'setup.mjs')], { cwd: root, stdio: 'inherit' });
}

/** The newest modification time of the files under `dir`: stat calls only, a few milliseconds for server/. */
function newestUnder(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestUnder(p) : statSync(p).mtimeMs);
  }
  return newest;
}

const bundles = ['server.mjs', 'send-thread-worker.mjs', 'sandbox.mjs'].map((f) => path.join(root, 'dist', f));
const built = Math.min(...bundles.map((f) => (existsSync(f) ? statSync(f).mtimeMs : 0)));
// server/ holds the generated Prisma clients too (server/db/generated/, rewritten when prisma/ changes);
// the build's own options and tsconfig.json (which esbuild reads) shape the output as well
const sources = Math.max(
  newestUnder(path.join(root, 'server')),
  statSync(path.join(root, 'scripts', 'build-server.mjs')).mtimeMs,
  statSync(path.join(root, 'tsconfig.json')).mtimeMs,
);
if (built < sources) {
  // esbuild is loaded only here, so an up-to-date start does not pay for it
  const { buildServer } = await import('./build-server.mjs');
  const { ms } = await buildServer();
  process.stderr.write(`wx-mall: ${built === 0 ? 'built' : 'sources changed, rebuilt'} dist/server.mjs in ${ms} ms\n`);
}
await import(pathToFileURL(bundles[0]).href);
