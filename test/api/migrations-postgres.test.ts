// PostgreSQL migrations: the schema files differ only in provider and output, the migrated database matches
// schema.prisma, several instances starting at once migrate exactly once, and Prisma's bookkeeping is kept.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { createDb, POSTGRES_MIGRATIONS } from '../../server/db/client.ts';
import { migratePostgres } from '../../server/db/migrate-postgres.ts';
import { freshDatabaseUrl, onPostgres } from '../helpers/database.ts';
import { readSchema } from '../helpers/prisma-schema.ts';
import { newDataDir, ROOT } from '../helpers/server.ts';

const SQLITE_SCHEMA = path.join(ROOT, 'prisma', 'schema.prisma');
const PG_SCHEMA = path.join(ROOT, 'prisma', 'postgresql', 'schema.prisma');

describe('the two schema.prisma files', () => {
  it('differ only in provider, output and the comment that says so', () => {
    const a = readFileSync(SQLITE_SCHEMA, 'utf8').split('\n');
    const b = readFileSync(PG_SCHEMA, 'utf8').split('\n');
    expect(b).toHaveLength(a.length);
    const differing = a.flatMap((line, i) => (line === b[i] ? [] : [`${line.trim()} | ${b[i].trim()}`]));
    expect(differing).toHaveLength(3);
    expect(differing[0]).toMatch(/^\/\/ wx-mall data model \(SQLite\).*\| \/\/ wx-mall data model \(PostgreSQL\)/);
    expect(differing[1]).toMatch(/^output\s+= "..\/server\/db\/generated\/sqlite" \| output\s+= "..\/..\/server\/db\/generated\/postgresql"$/);
    expect(differing[2]).toBe('provider = "sqlite" | provider = "postgresql"');
  });
});

describe.skipIf(!onPostgres)('PostgreSQL migrations', () => {
  it('three instances migrating at once apply each migration exactly once, as Prisma records it', async () => {
    const url = await freshDatabaseUrl(newDataDir());
    const results = await Promise.all([0, 1, 2].map(() => migratePostgres(url, POSTGRES_MIGRATIONS)));
    const folders = readdirSync(POSTGRES_MIGRATIONS, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();
    expect(folders.length).toBeGreaterThanOrEqual(2);
    expect(results.flat().sort()).toEqual(folders);
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    try {
      const { rows } = await c.query('SELECT migration_name, checksum, finished_at, applied_steps_count FROM "_prisma_migrations" ORDER BY migration_name');
      expect(rows.map((r) => r.migration_name)).toEqual(folders);
      for (const row of rows) {
        const sql = readFileSync(path.join(POSTGRES_MIGRATIONS, row.migration_name, 'migration.sql'));
        expect(row.checksum).toBe(createHash('sha256').update(sql).digest('hex'));
        expect(row.finished_at).not.toBeNull();
        expect(row.applied_steps_count).toBe(1);
      }
      expect(await migratePostgres(url, POSTGRES_MIGRATIONS)).toEqual([]); // idempotent

      // the migrated database has every model, column (with its nullability) and index of schema.prisma
      const cols = await c.query<{ table_name: string; column_name: string; is_nullable: string }>(
        `SELECT table_name, column_name, is_nullable FROM information_schema.columns WHERE table_schema = 'public'`,
      );
      const idx = await c.query<{ tablename: string; indexdef: string }>(`SELECT tablename, indexdef FROM pg_indexes WHERE schemaname = 'public'`);
      for (const model of readSchema(PG_SCHEMA)) {
        for (const f of model.fields) {
          const col = cols.rows.find((r) => r.table_name === model.name && r.column_name === f.name);
          expect(col, `${model.name}.${f.name}`).toBeDefined();
          expect(col!.is_nullable === 'YES', `${model.name}.${f.name} nullability`).toBe(f.optional);
        }
        for (const i of model.indexes) {
          // PostgreSQL quotes only mixed-case names in indexdef: compare without quotes
          const want = `(${i.columns.join(', ')})`;
          const found = idx.rows.some(
            (r) => r.tablename === model.name && r.indexdef.replaceAll('"', '').endsWith(want) && r.indexdef.includes('UNIQUE') === i.unique,
          );
          expect(found, `${model.name} index ${want}`).toBe(true);
        }
      }
    } finally {
      await c.end();
    }

    // and the generated PostgreSQL client serves it: one row through every model
    const db = await createDb(url);
    try {
      const now = new Date();
      await db.$transaction(async (tx) => {
        const product = await tx.product.create({ data: { name: 'p', priceFen: 1, stock: 1, updatedAt: now } });
        const buyer = await tx.buyer.create({ data: { openid: 'o1' } });
        await tx.buyerToken.create({ data: { tokenHash: 'h', buyerId: buyer.id, expiresAt: now } });
        const order = await tx.order.create({
          data: { orderNo: 'M1', buyerId: buyer.id, status: 'PAID', totalFen: 5, paidAt: now, updatedAt: now, items: { create: [{ productId: product.id, name: 'p', priceFen: 5, quantity: 1 }] } },
        });
        const refund = await tx.refund.create({ data: { refundNo: 'R1', orderId: order.id, status: 'REQUESTED', amountFen: 1, reason: 'r', updatedAt: now } });
        await tx.refundEvent.create({ data: { refundId: refund.id, toStatus: 'REQUESTED', action: 'request', actor: 'buyer' } });
        await tx.wechatCall.create({ data: { refundId: refund.id, endpoint: '/x', request: '{}', durationMs: 1 } });
        await tx.notification.create({ data: { kind: 'refund', body: '<xml/>', outcome: 'unknown' } });
        const admin = await tx.adminUser.create({ data: { username: 'a', passwordHash: 'x' } });
        await tx.adminSession.create({ data: { tokenHash: 't', adminId: admin.id, csrfToken: 'c', expiresAt: now } });
        await tx.loginFailure.create({ data: { username: 'a', ip: '127.0.0.1' } });
        await tx.idempotencyKey.create({ data: { buyerId: buyer.id, key: 'k', requestHash: 'h', refundId: refund.id } });
        await tx.rateSlot.create({ data: { name: 's', nextAt: 1.5 } });
      });
      expect((await db.rateSlot.findUniqueOrThrow({ where: { name: 's' } })).nextAt).toBe(1.5);
      // the database refuses what would break the money rules, whatever the code does
      await expect(db.$transaction((tx) => tx.order.update({ where: { orderNo: 'M1' }, data: { refundedFen: 6 } }))).rejects.toThrow();
      const order = await db.order.findUniqueOrThrow({ where: { orderNo: 'M1' } });
      await expect(
        db.$transaction((tx) => tx.refund.create({ data: { refundNo: 'R2', orderId: order.id, status: 'APPROVED', amountFen: 1, reason: 'r', updatedAt: new Date() } })),
      ).rejects.toThrow(); // a second open refund on one order
    } finally {
      await db.$disconnect();
    }
  });
});
