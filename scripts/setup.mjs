// `npm install` runs this: generates the Prisma client offline, compiles the server (dist/) and builds the admin web.
// Prisma's CLI wants a schema-engine binary it cannot download here; `generate` never runs it, so any
// existing file will do (tooling.md). A real PRISMA_SCHEMA_ENGINE_BINARY set by the user is kept.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const bin = (name) => path.join(root, 'node_modules', '.bin', name);
const run = (cmd, args, env = {}) => execFileSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });

const engine = process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? (existsSync('/bin/true') ? '/bin/true' : process.execPath);
for (const schema of ['prisma/schema.prisma', 'prisma/postgresql/schema.prisma']) {
  if (existsSync(path.join(root, schema))) {
    run(bin('prisma'), ['generate', '--schema', schema], { PRISMA_SCHEMA_ENGINE_BINARY: engine, PRISMA_HIDE_UPDATE_MESSAGE: '1' });
  }
}
// after generate: the bundle compiles the generated clients in
run(process.execPath, [path.join(root, 'scripts', 'build-server.mjs')]);
if (existsSync(path.join(root, 'admin-web', 'vite.config.ts')) && existsSync(bin('vite'))) {
  run(bin('vite'), ['build', '--config', 'admin-web/vite.config.ts', '--logLevel', 'warn']);
}
