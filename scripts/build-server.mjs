// Compiles the TypeScript server into plain JavaScript once (at `npm install`, or by `npm start` when the sources
// changed), so the production process runs no TypeScript loader: less memory, a quicker start, no loader hooks.
// Three bundles: dist/server.mjs (server/main.ts), dist/send-thread-worker.mjs (the thread the refund calls go
// from, started by the server: server/wechatpay/send-thread.ts) and dist/sandbox.mjs (the standalone WeChat Pay sandbox).
// Usage: node scripts/build-server.mjs [--outdir <dir>]
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';

export const ROOT = path.resolve(import.meta.dirname, '..');
export const DIST = path.join(ROOT, 'dist');

/** Builds the bundles into `outdir` (dist/ by default); resolves with the files written and the time taken. */
export async function buildServer({ outdir = DIST } = {}) {
  const started = performance.now();
  await build({
    absWorkingDir: ROOT,
    entryPoints: { server: 'server/main.ts', 'send-thread-worker': 'server/wechatpay/send-thread-worker.ts', sandbox: 'server/sandbox/main.ts' },
    outdir,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    // node_modules are loaded by Node as usual (native addons, Prisma's runtime and its wasm); only our own code
    // and the generated Prisma clients in server/db/generated/ (TypeScript) are compiled in. Their dynamic
    // import()s name packages and stay imports. server/main.ts's import()s of the sandbox are compiled in and
    // run only when called; no `splitting` into chunks: the packages the sandbox uses (node-forge, better-sqlite3)
    // are loaded by the rest of the server anyway, so one file per entry point loses nothing.
    packages: 'external',
    // for debugging: `NODE_OPTIONS=--enable-source-maps npm start` makes stack traces name the .ts files. Not on
    // by default: Node then also reads every package's own map (Prisma's runtime ships a 1 MB one): 0.1–0.2 s
    // more to start. The sources themselves stay out of the map, which is then a quarter of the size.
    sourcemap: true,
    sourcesContent: false,
    // pino logs an error's constructor name as its `type`: keep the source's class names, not bundle renames
    keepNames: true,
    logLevel: 'warning',
  });
  return { files: ['server.mjs', 'send-thread-worker.mjs', 'sandbox.mjs'].map((f) => path.join(outdir, f)), ms: Math.round(performance.now() - started) };
}

if (process.argv[1] && pathToFileURL(process.argv[1]).href === import.meta.url) {
  const i = process.argv.indexOf('--outdir');
  const outdir = i > 0 && process.argv[i + 1] ? path.resolve(process.argv[i + 1]) : DIST;
  const { ms } = await buildServer({ outdir });
  console.log(`built ${path.relative(process.cwd(), outdir) || '.'}/server.mjs, send-thread-worker.mjs and sandbox.mjs in ${ms} ms`);
}
