// Where the server's resident memory goes before it serves anything: RSS after each step of loading what
// server/main.ts loads, in this very process (run with tsx, as the server is).
// Usage: npx tsx bench/tools/memory-breakdown.ts
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const mb = () => process.memoryUsage().rss / 2 ** 20;
const steps: Array<[string, number]> = [['node + tsx loader', mb()]];
const step = (name: string) => steps.push([name, mb()]);

await import('express');
await import('helmet');
await import('pino');
step('express, helmet, pino');
const client = await import('../../server/db/client.ts');
step('Prisma: both generated clients (SQLite and PostgreSQL) imported');
const dir = mkdtempSync(path.join(tmpdir(), 'wxmall-mem-'));
const url = `file:${path.join(dir, 'mall.db')}`;
await client.migrate(url);
const db = await client.createDb(url);
await db.$queryRawUnsafe('SELECT 1');
step('Prisma: client connected, first raw query');
await db.refund.findFirst();
await db.order.findMany({ take: 1, include: { items: true, refunds: true } });
step('Prisma: first model queries (the query compiler, WebAssembly)');
await import('../../server/app.ts');
await import('../../server/refunds/dispatcher.ts');
await import('../../server/wechatpay/client.ts');
step('the rest of the server’s modules');
await import('../../server/sandbox/start.ts');
step('the sandbox’s modules (main.ts imports them in every mode)');
await db.$disconnect();
rmSync(dir, { recursive: true, force: true });

console.log('| step | RSS after | added |\n|---|---|---|');
let last = 0;
for (const [name, v] of steps) {
  console.log(`| ${name} | ${v.toFixed(0)} MB | ${last ? `+${(v - last).toFixed(0)} MB` : ''} |`);
  last = v;
}
const bare = (await import('node:child_process')).execFileSync(process.execPath, ['-e', 'console.log(process.memoryUsage().rss / 2 ** 20)'], { encoding: 'utf8' });
console.log(`\n(bare node without tsx: ${Number(bare).toFixed(0)} MB)`);
