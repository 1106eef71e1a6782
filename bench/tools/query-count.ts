// The SQL behind each benchmarked operation, from Prisma's driver-adapter query log
// (DEBUG=prisma:driver-adapter:better-sqlite3 on the server): statements and transactions per operation.
// Usage: npx tsx bench/tools/query-count.ts        (about a minute; not part of `npm run bench`)
// SQLite only (the log read is the better-sqlite3 adapter's).
import { adminSession, sandboxControl, waitFor } from '../lib/api.ts';
import { refundNotification } from '../lib/forge.ts';
import { Seeder } from '../lib/seeder.ts';
import { buildOnce } from '../lib/target.ts';
import { prepareWorld } from '../lib/world.ts';

buildOnce(console.log);
const world = await prepareWorld('query-count', { db: 'sqlite' });
const seed = await Seeder.open(world);
const buyers = await seed.buyers(1);
const REPEAT = 5; // each operation is measured this many times and the fewest counted: background loops only add
const paid = await seed.paidOrders(1 + REPEAT, buyers);
const requested = await seed.refunds(await seed.paidOrders(REPEAT, buyers), 'REQUESTED');
const refunding = await seed.refunds(await seed.paidOrders(REPEAT, buyers), 'REFUNDING', { nextAttemptAt: new Date(Date.now() + 86400e3) });
const DISPATCHED = 20;
const approved = await seed.refunds(await seed.paidOrders(DISPATCHED, buyers, { inSandbox: true }), 'APPROVED', { nextAttemptAt: new Date(Date.now() + 86400e3) });
await seed.close();
const running = await world.start({ env: { DEBUG: 'prisma:driver-adapter:better-sqlite3', REFUND_ORDER_GAP_S: '0' }, sandboxEnv: { SANDBOX_SETTLE_DELAY_MS: '300', SANDBOX_LATENCY_MS: '0' } });
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
  const admin = await adminSession(server.url);
  await fetch(`${server.url}/api/admin/me`, { headers: { cookie: admin.cookie } }); // the session is now looked up
  const post = (p: string, headers: Record<string, string>, body?: string) => fetch(`${server.url}${p}`, { method: 'POST', headers, body });
  console.log('| operation | SQL statements (without BEGIN/COMMIT) | transactions |\n|---|---|---|');
  const asBuyer = (o: (typeof paid)[number]) =>
    post(`/api/mp/orders/${o.orderNo}/refunds`, { authorization: `Bearer ${o.buyer.token}`, 'content-type': 'application/json' }, JSON.stringify({ amountFen: 1, reason: 'x' }));
  await measure('buyer refund request, first request with this token', () => asBuyer(paid[0]), 1);
  await measure('buyer refund request, token looked up < 5 s ago', (i) => asBuyer(paid[1 + i]));
  await measure('admin approve (session looked up < 2 s ago)', (i) => post(`/api/admin/refunds/${requested[i].refundNo}/approve`, { cookie: admin.cookie, 'x-csrf-token': admin.csrfToken }));
  await measure('refund notification (REFUNDING → REFUNDED)', (i) => {
    const r = refunding[i];
    return post('/api/wxpay/notify/refund', { 'content-type': 'text/xml' }, refundNotification(world.credentials, { outRefundNo: r.refundNo, outTradeNo: r.order.orderNo, totalFee: r.order.totalFen, refundFee: r.amountFen }));
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
  const db = await world.open('watch');
  await db.run(`UPDATE "Refund" SET "nextAttemptAt" = ? WHERE status = 'APPROVED'`, [db.ts(Date.now())]);
  const ids = approved.map((a) => a.id).join(',');
  await waitFor(async () => (await db.number(`SELECT COUNT(*) FROM "Refund" WHERE status = 'REFUNDED' AND id IN (${ids})`)) === DISPATCHED, 30_000, 50);
  await db.close();
  await settle();
  const busy = count(server.logs().slice(mark));
  const s = (Date.now() - t) / 1000;
  const per = (n: number, idleRate: number) => ((n - idleRate * s) / DISPATCHED).toFixed(1);
  console.log(`| dispatcher + notification: one refund claimed, sent, accepted, notified, REFUNDED (average of ${DISPATCHED}, idle polling subtracted) | ${per(busy.statements, idlePerS.statements)} | ${per(busy.transactions, idlePerS.transactions)} |`);
  const calls = await sandboxControl(world.dataDir, running.sandboxUrl, 'GET', '/sandbox/refund-calls');
  console.log(`\n(idle loops: ${idlePerS.statements.toFixed(1)} statements/s; the sandbox saw ${calls.body.items.length} refund calls)`);
} finally {
  await running.stop();
  await world.remove();
}
