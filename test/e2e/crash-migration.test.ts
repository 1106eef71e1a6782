// Crash safety (issue 6): SIGKILL during the migration that runs on start (inside its transaction), and
// just before it. The next start migrates cleanly: /healthz answers, `_prisma_migrations` holds each
// migration once and finished, and the whole buyer → refund flow works on the result.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createDb } from '../../server/db/client.ts';
import { adminSession, buyerLogin, http, placePaidOrder, requestRefund, waitForRefundStatus } from '../helpers/api.ts';
import { startArmed } from '../helpers/crash.ts';
import { onPostgres } from '../helpers/database.ts';
import { ROOT, newDataDir, startServer, type TestServer } from '../helpers/server.ts';

const MIGRATIONS_DIR = onPostgres ? path.join(ROOT, 'prisma', 'postgresql', 'migrations') : path.join(ROOT, 'prisma', 'migrations');
const MIGRATIONS = readdirSync(MIGRATIONS_DIR, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();

let server: TestServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

interface MigrationRow {
  migration_name: string;
  finished_at: unknown;
  rolled_back_at: unknown;
}

async function migrationRows(databaseUrl: string): Promise<MigrationRow[] | 'no table'> {
  const db = await createDb(databaseUrl);
  try {
    return await db.$queryRawUnsafe<MigrationRow[]>('SELECT migration_name, finished_at, rolled_back_at FROM "_prisma_migrations" ORDER BY migration_name');
  } catch (err) {
    if (/_prisma_migrations|does not exist|no such table/i.test(String(err))) return 'no table';
    throw err;
  } finally {
    await db.$disconnect();
  }
}

async function tableCount(databaseUrl: string): Promise<number> {
  const db = await createDb(databaseUrl);
  try {
    const sql = onPostgres
      ? `SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = 'public' AND table_name IN ('Refund', 'Order')`
      : `SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name IN ('Refund', 'Order')`;
    const rows = await db.$queryRawUnsafe<Array<{ n: number | bigint }>>(sql);
    return Number(rows[0].n);
  } finally {
    await db.$disconnect();
  }
}

describe('killed while migrating on start', () => {
  for (const point of ['during-migration', 'before-migrate']) {
    it(`${point}: the process dies; the next start migrates cleanly and works`, async () => {
      const dataDir = newDataDir();
      const crashed = await startArmed(point, { dataDir });
      if (!crashed.died) await crashed.server.stop();
      expect(crashed.died, 'the server should have died before listening').toBe(true);
      expect(crashed.output).toMatch(/exited with null before listening/); // null code: killed by a signal
      const url = readFileSync(path.join(dataDir, 'database-url.txt'), 'utf8').trim();

      // what the crash left: no finished migration (the migration's transaction never committed)
      const left = await migrationRows(url);
      if (left !== 'no table') expect(left.filter((r) => r.finished_at !== null)).toEqual([]);
      if (point === 'during-migration') expect(await tableCount(url)).toBe(0);

      server = await startServer({ dataDir });
      const health = await http('GET', `${server.baseUrl}/healthz`);
      expect(health.status).toBe(200);
      expect(health.body).toEqual({ status: 'ok' });
      const rows = await migrationRows(url);
      expect(rows).not.toBe('no table');
      const finished = (rows as MigrationRow[]).filter((r) => r.finished_at !== null && r.rolled_back_at === null);
      expect(finished.map((r) => r.migration_name)).toEqual(MIGRATIONS);
      expect((rows as MigrationRow[]).map((r) => r.migration_name)).toEqual(MIGRATIONS); // one row each, no leftovers

      // the schema is whole: a refund goes all the way through
      const token = await buyerLogin(server.baseUrl);
      const order = await placePaidOrder(server.baseUrl, token);
      const refund = await requestRefund(server.baseUrl, token, order.orderNo, order.totalFen);
      const admin = await adminSession(server.baseUrl);
      expect((await admin.call('POST', `/api/admin/refunds/${refund.refundNo}/approve`)).status).toBe(200);
      await waitForRefundStatus(admin, refund.refundNo, 'REFUNDED');
    });
  }
});
