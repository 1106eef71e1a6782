// Where a buyer refund request's CPU goes, layer by layer, on SQLite, and what each choice of data layer would
// leave: the bound behind bench/analysis.md's "Endpoints" paragraph. Two parts:
//   1. Over HTTP, 64 connections, the server's CPU per answered request (from /proc, as bench/lib/pair.ts counts it)
//      for bare Express's /hello, the mall's /healthz (its middleware — helmet, the request log — and one
//      `SELECT 1` through Prisma) and the mall's buyer refund request.
//   2. In this process, the request's data work alone, CPU per call: the service through Prisma's model API (what
//      the server runs), the same four statements through Prisma's `$queryRaw`/`$executeRaw` in one interactive
//      transaction, and the same statements straight on better-sqlite3 (the least any data layer can cost).
// Usage: npx tsx bench/tools/cost-layers.ts        (about 2 minutes; not part of `npm run bench`)
import Database from 'better-sqlite3';
import path from 'node:path';
import { createDb } from '../../server/db/client.ts';
import { requestRefund } from '../../server/refunds/service.ts';
import { load } from '../lib/load.ts';
import { cpuSeconds } from '../lib/rss.ts';
import { refundRequests, Seeder, type SeededOrder } from '../lib/seeder.ts';
import { startHello, type Child } from '../lib/server.ts';
import { buildOnce } from '../lib/target.ts';
import { prepareWorld } from '../lib/world.ts';

const CONNECTIONS = 64;
const WINDOW_S = 5;
const DATA_CALLS = 3000;

/** Server CPU ms per answered request under a 64-connection load of `next` (or GET `path`). */
async function cpuPerRequest(server: Child, o: { path?: string; next?: Parameters<typeof load>[0]['next'] }): Promise<{ ms: number; rps: number }> {
  const cpu0 = cpuSeconds(server.pid);
  const r = await load({ url: server.url, connections: CONNECTIONS, durationS: WINDOW_S, warmupS: 2, path: o.path, next: o.next });
  return { ms: ((cpuSeconds(server.pid) - cpu0) * 1000) / r.answered, rps: r.rps };
}

/** CPU ms per call of fn over `orders` (the first 100 warm the caches and are not counted). */
async function cpuPerCall(orders: SeededOrder[], fn: (o: SeededOrder) => unknown): Promise<number> {
  const warm = 100;
  for (const o of orders.slice(0, warm)) await fn(o);
  const before = process.cpuUsage();
  for (const o of orders.slice(warm)) await fn(o);
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000 / (orders.length - warm);
}

buildOnce(console.log);
const world = await prepareWorld('cost-layers', { db: 'sqlite' });
try {
  const seed = await Seeder.open(world);
  const buyers = await seed.buyers(500);
  const overHttp = await seed.paidOrders(40_000, buyers);
  const inProcess = [await seed.paidOrders(DATA_CALLS, buyers), await seed.paidOrders(DATA_CALLS, buyers), await seed.paidOrders(DATA_CALLS, buyers)];
  await seed.close();

  const hello = await startHello();
  const helloCost = await cpuPerRequest(hello, { path: '/hello' }).finally(() => hello.stop());
  const running = await world.start({ env: { BUYER_RATE_LIMIT_PER_MIN: '1000000' } });
  let healthz: { ms: number; rps: number };
  let refund: { ms: number; rps: number };
  try {
    healthz = await cpuPerRequest(running.server, { path: '/healthz' });
    refund = await cpuPerRequest(running.server, { next: refundRequests(overHttp) });
  } finally {
    await running.stop();
  }

  const db = await createDb(world.databaseUrl);
  const model = await cpuPerCall(inProcess[0], (o) => requestRefund(db, o.buyer.id, o.orderNo, { amountFen: o.totalFen, reason: '不想要了' }));
  // the same statements the service makes (the order read, its compare-and-set, the refund, its event), as raw SQL
  const viaRaw = await cpuPerCall(inProcess[1], (o) =>
    db.$transaction(async (tx) => {
      const [order] = await tx.$queryRaw<Array<{ id: number; totalFen: number }>>`SELECT * FROM "Order" WHERE "orderNo" = ${o.orderNo} LIMIT 1`;
      const now = new Date();
      const refundNo = `RL${o.id}`;
      await tx.$executeRaw`UPDATE "Order" SET "pendingRefundFen" = ${order.totalFen}, "openRefundNo" = ${refundNo}, "refundCount" = 1, "status" = 'REFUND_REQUESTED', "updatedAt" = ${now}
        WHERE "id" = ${order.id} AND "refundedFen" = 0 AND "pendingRefundFen" = 0 AND "openRefundNo" IS NULL AND "refundCount" = 0`;
      const [created] = await tx.$queryRaw<Array<{ id: number }>>`INSERT INTO "Refund" ("refundNo", "orderId", "status", "amountFen", "reason", "source", "type", "statusAt", "createdAt", "updatedAt")
        VALUES (${refundNo}, ${order.id}, 'REQUESTED', ${order.totalFen}, '不想要了', 'BUYER', 'REFUND_ONLY', ${now}, ${now}, ${now}) RETURNING *`;
      await tx.$executeRaw`INSERT INTO "RefundEvent" ("refundId", "fromStatus", "toStatus", "action", "actor", "note", "at") VALUES (${created.id}, NULL, 'REQUESTED', 'request', 'buyer', '不想要了', ${now})`;
    }),
  );
  await db.$disconnect();

  const raw = new Database(path.join(world.dataDir, 'mall.db'));
  raw.pragma('journal_mode = WAL');
  raw.pragma('synchronous = NORMAL'); // as server/db/sqlite-adapter.ts runs it
  const readOrder = raw.prepare('SELECT * FROM "Order" WHERE "orderNo" = ? LIMIT 1');
  const setOrder = raw.prepare(`UPDATE "Order" SET "pendingRefundFen" = ?, "openRefundNo" = ?, "refundCount" = 1, "status" = 'REFUND_REQUESTED', "updatedAt" = ?
    WHERE "id" = ? AND "refundedFen" = 0 AND "pendingRefundFen" = 0 AND "openRefundNo" IS NULL AND "refundCount" = 0`);
  const addRefund = raw.prepare(`INSERT INTO "Refund" ("refundNo", "orderId", "status", "amountFen", "reason", "source", "type", "statusAt", "createdAt", "updatedAt")
    VALUES (?, ?, 'REQUESTED', ?, '不想要了', 'BUYER', 'REFUND_ONLY', ?, ?, ?) RETURNING *`);
  const addEvent = raw.prepare(`INSERT INTO "RefundEvent" ("refundId", "fromStatus", "toStatus", "action", "actor", "note", "at") VALUES (?, NULL, 'REQUESTED', 'request', 'buyer', '不想要了', ?)`);
  const direct = raw.transaction((o: SeededOrder) => {
    const order = readOrder.get(o.orderNo) as { id: number; totalFen: number };
    const now = new Date().toISOString();
    const refundNo = `RD${o.id}`;
    setOrder.run(order.totalFen, refundNo, now, order.id);
    const created = addRefund.get(refundNo, order.id, order.totalFen, now, now, now) as { id: number };
    addEvent.run(created.id, now);
  });
  const native = await cpuPerCall(inProcess[2], (o) => direct.immediate(o));
  raw.close();

  const rest = refund.ms - model; // HTTP, middleware, auth, validation, the answer, and GC under 64 connections
  const f = (ms: number) => ms.toFixed(2);
  const ratio = (ms: number) => `${(helloCost.ms / ms).toFixed(2)}×`;
  console.log(`
| what (SQLite, ${CONNECTIONS} connections over HTTP; data work in-process) | CPU ms per request | as a ratio to bare Express (CPU per request) |
|---|---|---|
| bare Express \`GET /hello\` | ${f(helloCost.ms)} (${Math.round(helloCost.rps)} req/s) | 1× |
| the mall's \`GET /healthz\`: its middleware and one \`SELECT 1\` through Prisma | ${f(healthz.ms)} (${Math.round(healthz.rps)} req/s) | ${ratio(healthz.ms)} |
| the mall's buyer refund request, as it runs | ${f(refund.ms)} (${Math.round(refund.rps)} req/s) | ${ratio(refund.ms)} |
| its data work: Prisma's model API (in-process) | ${f(model)} | — |
| the same statements through \`$queryRaw\`/\`$executeRaw\` (in-process) | ${f(viaRaw)} | — |
| the same statements on better-sqlite3, no Prisma (in-process) | ${f(native)} | — |
| the request without its data work (HTTP, middleware, auth, validation, answer, GC) | ${f(rest)} | ${ratio(rest)} |
| the request with its data work as raw SQL through Prisma | ${f(rest + viaRaw)} | ${ratio(rest + viaRaw)} |
| the request with its data work on better-sqlite3 directly | ${f(rest + native)} | ${ratio(rest + native)} |
`);
} finally {
  await world.remove();
}
