// Durability of what was answered (issue 15): SQLite runs its WAL with synchronous=NORMAL, so a commit no longer
// waits for the disk, and only a power cut or an OS crash can lose the last commits (docs/architecture.md
// "SQLite tuning"). A process that dies (SIGKILL, an out-of-memory kill, a crash of Node) loses nothing it
// answered: its commits are in the WAL file, in the OS's hands. This kills the server while buyers' refund
// requests are still streaming in and reads the database afterwards.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { asBuyer, buyerLogin, placePaidOrder } from '../helpers/api.ts';
import { onPostgres, withDb } from '../helpers/database.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { createDb, migrate } from '../../server/db/client.ts';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

describe('a killed server keeps every write it answered', () => {
  it('SIGKILL in the middle of a stream of refund requests: each one answered 201 is there, whole, after the kill', async () => {
    server = await startServer();
    const token = await buyerLogin(server.baseUrl);
    const orders: Array<{ orderNo: string; totalFen: number }> = [];
    for (let i = 0; i < 40; i++) orders.push(await placePaidOrder(server.baseUrl, token));
    const buyer = asBuyer(server.baseUrl, token);

    const answered: Array<{ orderNo: string; refundNo: string }> = [];
    let killing: Promise<void> | undefined;
    // eight at a time, as a busy mini-program would; the kill comes with the 25th answer, the rest are cut off
    const requests = orders.map(async (o, i) => {
      await new Promise((r) => setTimeout(r, Math.floor(i / 8) * 20));
      const res = await buyer('POST', `/api/mp/orders/${o.orderNo}/refunds`, { amountFen: o.totalFen, reason: '不想要了' }).catch(() => null);
      if (res?.status !== 201) return;
      answered.push({ orderNo: o.orderNo, refundNo: res.body.refundNo });
      if (answered.length === 25) killing = server!.kill();
    });
    await Promise.all(requests);
    await killing;
    expect(answered.length).toBeGreaterThanOrEqual(25);

    const databaseUrl = server.env.DATABASE_URL;
    server = undefined; // dead: nothing to stop
    await withDb(databaseUrl, async (db) => {
      for (const a of answered) {
        const refund = await db.refund.findUnique({ where: { refundNo: a.refundNo }, include: { order: true, events: true } });
        expect(refund, a.refundNo).not.toBeNull();
        expect(refund!.status).toBe('REQUESTED');
        expect(refund!.events.map((e) => e.action)).toEqual(['request']);
        expect(refund!.order.openRefundNo).toBe(a.refundNo);
        expect(refund!.order.pendingRefundFen).toBe(refund!.amountFen);
      }
      // whatever was cut off is there whole or not at all: an open refund always has its order's money
      const open = await db.order.findMany({ where: { orderNo: { in: orders.map((o) => o.orderNo) }, openRefundNo: { not: null } } });
      const refunds = await db.refund.count({ where: { order: { orderNo: { in: orders.map((o) => o.orderNo) } } } });
      expect(open.length).toBe(refunds);
    });
  });

  it.skipIf(onPostgres)('the server’s SQLite connection runs WAL with synchronous=NORMAL', async () => {
    const url = `file:${path.join(mkdtempSync(path.join(tmpdir(), 'wxmall-sync-')), 'mall.db')}`;
    await migrate(url);
    const db = await createDb(url);
    try {
      expect(await db.$queryRawUnsafe('PRAGMA journal_mode')).toEqual([{ journal_mode: 'wal' }]);
      expect(await db.$queryRawUnsafe('PRAGMA synchronous')).toEqual([{ synchronous: 1n }]); // 1 = NORMAL (2 = FULL)
    } finally {
      await db.$disconnect();
    }
  });
});
