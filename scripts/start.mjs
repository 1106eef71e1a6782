// `npm start`: builds what is missing (a fresh checkout that skipped install scripts), then runs the server
// in this very process, so SIGTERM reaches it directly and it can stop gracefully.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { register } from 'tsx/esm/api';

const root = path.resolve(import.meta.dirname, '..');
const missingClient = !existsSync(path.join(root, 'server', 'db', 'generated', 'sqlite', 'client.ts'));
const missingAdmin = !existsSync(path.join(root, 'admin-web', 'dist', 'index.html'));
if (missingClient || missingAdmin) {
  execFileSync(process.execPath, [path.join(root, 'scripts', 'setup.mjs')], { cwd: root, stdio: 'inherit' });
}
register();
await import('../server/main.ts');
