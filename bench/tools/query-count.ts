// The SQL behind each benchmarked operation, from Prisma's driver-adapter query log
// (DEBUG=prisma:driver-adapter:better-sqlite3 on the server): statements and transactions per operation.
// Usage: npx tsx bench/tools/query-count.ts        (about a minute; not part of `npm run bench`)
import Database from 'better-sqlite3';
import { adminSession, sandboxControl, waitFor } from '../../test/helpers/api.ts';
import { refundNotification } from '../../test/helpers/forge.ts';
import type { TestServer } from '../../test/helpers/server.ts';
import { BENCH_ADMIN } from '../lib/server.ts';
import { prepareWorld, Seeder } from '../lib/world.ts';

const world = await prepareWorld('query-count');
const seed = new Seeder(world);
const buyers = seed.buyers(1);
const REPEAT = 5; // each operation is measured this many times and the fewest counted: background loops only add
const paid = seed.paidOrders(1 + REPEAT, buyers);
const requested = seed.refunds(seed.paidOrders(REPEAT, buyers), 'REQUESTED');
const refunding = seed.refunds(seed.paidOrders(REPEAT, buyers), 'REFUNDING', { nextAttemptAt: new Date(Date.now() + 86400e3) });
const DISPATCHED = 20;
const approved = seed.refunds(seed.paidOrders(DISPATCHED, buyers, { inSandbox: true }), 'APPROVED', { nextAttemptAt: new Date(Date.now() + 86400e3) });
seed.close();
const running = await world.start({ env: { DEBUG: 'prisma:driver-adapter:better-sqlite3', REFUND_ORDER_GAP_S: '0' }, sandboxEnv: { SANDBOX_SETTLE_DELAY_MS: '300' } });
const { server } = running;
const settle = () => new Promise((r) => setTimeout(r, 400));

function count(log: string) {
  const commits = (log.match(/"sql": "COMMIT"/g) ?? []).length;
  const rollbacks = (log.match(/\[js::rollback\]/g) ?? []).length;
  const statements = (log.match(/\[js::(queryRaw|executeRaw)\]/g) ?? []).length - commits;
  const transactions = (log.match(/\[js::startTransaction\]/g) ?? []).length;
  return { statements, transactions, commits, rollbacks };
}

/** The log from the request to its answer; of several runs (op(i)), the fewest statements. */
async function measure(name: string, op: (i: number) => Promise<unknown>, runs = REPEAT) {
  let best: { c: ReturnType<typeof count>; log: string } | undefined;
  for (let i = 0; i < runs; i++) {
    await settle();
    const mark = server.logs().length;
    await op(i);
    const log = server.logs().slice(mark);
    const c = count(log);
    if (!best || c.statements < best.c.statements) best = { c, log };
  }
  console.log(`| ${name} | ${best!.c.statements} | ${best!.c.transactions} |`);
  if (process.env.SHOW_SQL) for (const m of best!.log.matchAll(/"sql": "(.{0,90})/g)) console.log('    ', m[1]);
}

try {
  const admin = await adminSession(server.url, BENCH_ADMIN);
  await fetch(`${server.url}/api/admin/me`, { headers: { cookie: admin.cookie } }); // the session is now looked up
  const post = (p: string, headers: Record<string, string>, body?: string) => fetch(`${server.url}${p}`, { method: 'POST', headers, body });
  console.log('| operation | SQL statements (without BEGIN/COMMIT) | transactions |\n|---|---|---|');
  const asBuyer = (o: (typeof paid)[number]) =>
    post(`/api/mp/orders/${o.orderNo}/refunds`, { authorization: `Bearer ${o.buyer.token}`, 'content-type': 'application/json' }, JSON.stringify({ amountFen: 1, reason: 'x' }));
  await measure('buyer refund request, first request with this token', () => asBuyer(paid[0]), 1);
  await measure('buyer refund request, token looked up < 5 s ago', (i) => asBuyer(paid[1 + i]));
  await measure('admin approve (session looked up < 2 s ago)', (i) => post(`/api/admin/refunds/${requested[i].refundNo}/approve`, { cookie: admin.cookie, 'x-csrf-token': admin.csrfToken }));
  const creds = { ...world.credentials, appSecret: '' };
  await measure('refund notification (REFUNDING → REFUNDED)', (i) => {
    const r = refunding[i];
    return post('/api/wxpay/notify/refund', { 'content-type': 'text/xml' }, refundNotification(creds, { outRefundNo: r.refundNo, outTradeNo: r.order.orderNo, totalFee: r.order.totalFen, refundFee: r.amountFen }));
  });
  await measure('admin queue page, status=REQUESTED', () => fetch(`${server.url}/api/admin/refunds?status=REQUESTED`, { headers: { cookie: admin.cookie } }));
  await measure('admin queue, q = a refund number', (i) => fetch(`${server.url}/api/admin/refunds?q=${refunding[i].refundNo}`, { headers: { cookie: admin.cookie } }));
  // the dispatcher's and the notifications' share per refund, less what the idle loops query meanwhile
  await settle();
  let mark = server.logs().length;
  let t = Date.now();
  await new Promise((r) => setTimeout(r, 3000));
  const idle = count(server.logs().slice(mark));
  const idlePerS = { statements: idle.statements / ((Date.now() - t) / 1000), transactions: idle.transactions / ((Date.now() - t) / 1000) };
  mark = server.logs().length;
  t = Date.now();
  const db = new Database(world.mallDbPath, { timeout: 10_000 });
  db.prepare(`UPDATE "Refund" SET nextAttemptAt = ? WHERE status = 'APPROVED'`).run(world.iso(Date.now()));
  const ids = approved.map((a) => a.id).join(',');
  await waitFor(async () => (db.prepare(`SELECT COUNT(*) AS n FROM "Refund" WHERE status = 'REFUNDED' AND id IN (${ids})`).get() as { n: number }).n === DISPATCHED, 30_000, 50);
  db.close();
  await settle();
  const busy = count(server.logs().slice(mark));
  const s = (Date.now() - t) / 1000;
  const per = (n: number, idleRate: number) => ((n - idleRate * s) / DISPATCHED).toFixed(1);
  console.log(`| dispatcher + notification: one refund claimed, sent, accepted, notified, REFUNDED (average of ${DISPATCHED}, idle polling subtracted) | ${per(busy.statements, idlePerS.statements)} | ${per(busy.transactions, idlePerS.transactions)} |`);
  const calls = await sandboxControl({ dataDir: world.dataDir, sandboxUrl: running.sandboxUrl } as TestServer, 'GET', '/sandbox/refund-calls');
  console.log(`\n(idle loops: ${idlePerS.statements.toFixed(1)} statements/s; the sandbox saw ${calls.body.items.length} refund calls)`);
} finally {
  await running.stop();
  world.remove();
}
