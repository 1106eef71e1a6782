// Compiles the TypeScript server into plain JavaScript once (at `npm install`, or by `npm start` when the sources
// changed), so the production process runs no TypeScript loader: less memory, a quicker start, no loader hooks.
// Three entry points: dist/server.mjs (server/main.ts), dist/send-thread-worker.mjs (the thread the refund calls go
// from, started by the server: server/wechatpay/send-thread.ts) and dist/sandbox.mjs (the standalone WeChat Pay
// sandbox), with the code they share, or load only when asked, in dist/*-<hash>.mjs chunks.
// Usage: node scripts/build-server.mjs [--outdir <dir>]
import { readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';

export const ROOT = path.resolve(import.meta.dirname, '..');
export const DIST = path.join(ROOT, 'dist');

/** Builds the bundles into `outdir` (dist/ by default); resolves with the files written and the time taken. */
export async function buildServer({ outdir = DIST } = {}) {
  const started = performance.now();
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: { server: 'server/main.ts', 'send-thread-worker': 'server/wechatpay/send-thread-worker.ts', sandbox: 'server/sandbox/main.ts' },
    outdir,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    // node_modules are loaded by Node as usual (native addons, Prisma's runtime and its wasm); only our own code
    // and the generated Prisma clients in server/db/generated/ (TypeScript) are compiled in.
    packages: 'external',
    // what the server imports with import() only when it needs it — the other database's Prisma client, adapter
    // and migrations, the sandbox — becomes a chunk of its own, loaded then. In one file per entry point, esbuild
    // hoists those modules' package imports to the top of the file: every SQLite start loaded node-postgres
    // (≈ 0.1 s) and parsed the PostgreSQL client it never uses.
    splitting: true,
    chunkNames: '[name]-[hash]',
    metafile: true,
    // for debugging: `NODE_OPTIONS=--enable-source-maps npm start` makes stack traces name the .ts files. Not on
    // by default: Node then also reads every package's own map (Prisma's runtime ships a 1 MB one): 0.1–0.2 s
    // more to start. The sources themselves stay out of the map, which is then a quarter of the size.
    sourcemap: true,
    sourcesContent: false,
    // pino logs an error's constructor name as its `type`: keep the source's class names, not bundle renames
    keepNames: true,
    logLevel: 'warning',
  });
  removeStaleChunks(outdir, Object.keys(result.metafile.outputs).map((f) => path.resolve(ROOT, f)));
  return { files: ['server.mjs', 'send-thread-worker.mjs', 'sandbox.mjs'].map((f) => path.join(outdir, f)), ms: Math.round(performance.now() - started) };
}

/**
 * Chunks are named by their content's hash, so each build that changes one writes a new file: the ones this build
 * did not write are removed. A server started earlier loaded its on-demand chunks at its start; its send thread,
 * if it starts later, loads the new build's entry and chunks together.
 */
function removeStaleChunks(outdir, written) {
  const keep = new Set(written);
  for (const name of readdirSync(outdir)) {
    const file = path.join(outdir, name);
    if (/-[A-Z0-9]{8}\.mjs(\.map)?$/.test(name) && !keep.has(file)) rmSync(file, { force: true });
  }
}

if (process.argv[1] && pathToFileURL(process.argv[1]).href === import.meta.url) {
  const i = process.argv.indexOf('--outdir');
  const outdir = i > 0 && process.argv[i + 1] ? path.resolve(process.argv[i + 1]) : DIST;
  const { ms } = await buildServer({ outdir });
  console.log(`built ${path.relative(process.cwd(), outdir) || '.'}/server.mjs, send-thread-worker.mjs and sandbox.mjs in ${ms} ms`);
}
