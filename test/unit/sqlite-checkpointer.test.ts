// SQLite's WAL checkpoints run off the event loop (server/db/sqlite-checkpointer.ts): on a real SQLite file, the
// server's own connection no longer checkpoints at SQLite's default 1,000 pages, yet the WAL does not grow,
// because the worker thread copies it back and SQLite starts it over.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createDb, migrate, type Db } from '../../server/db/client.ts';
import { FALLBACK_AUTOCHECKPOINT_PAGES } from '../../server/db/sqlite-checkpointer.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'wxmall-ckpt-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function openDb(): Promise<{ db: Db; file: string }> {
  const file = path.join(dir, `${Math.random().toString(36).slice(2)}.db`);
  await migrate(`file:${file}`);
  return { db: await createDb(`file:${file}`), file };
}

describe('WAL checkpoints in a worker thread', () => {
  it('the server’s connection checkpoints only past the far bound', async () => {
    const { db } = await openDb();
    try {
      expect(await db.$queryRawUnsafe('PRAGMA wal_autocheckpoint')).toEqual([{ wal_autocheckpoint: BigInt(FALLBACK_AUTOCHECKPOINT_PAGES) }]);
    } finally {
      await db.$disconnect();
    }
  });

  it('≈ 16 MB written in small transactions leave a WAL far smaller: the worker checkpointed it meanwhile', async () => {
    const { db, file } = await openDb();
    try {
      const note = 'x'.repeat(4000); // about a page per row
      for (let round = 0; round < 40; round++) {
        await db.$transaction(async (tx) => {
          for (let i = 0; i < 100; i++) {
            await tx.notification.create({ data: { kind: 'refund', body: note, outcome: 'applied', reason: `${round}-${i}`, receivedAt: new Date() } });
          }
        });
        // the worker's turns come between the writes; a checkpoint that met a write meanwhile is partial, so
        // every tenth round leaves it a quiet moment (a few turns long, for a loaded machine) to finish one
        await new Promise((r) => setTimeout(r, round % 10 === 9 ? 800 : 30));
      }
      const wal = statSync(`${file}-wal`).size;
      // 4,000 pages went through the WAL; without checkpoints (the own bound is 10,000 pages) it would hold them all
      expect(wal).toBeLessThan(8 * 1024 * 1024);
      expect(await db.notification.count()).toBe(4000);
    } finally {
      await db.$disconnect();
    }
  });
});
