// The offline migration runner (server/db/migrate.ts) against real SQLite files: it records migrations exactly
// as `prisma migrate deploy` would, is idempotent and safe with several processes, refuses an edited
// migration, rolls back a failed one, and the database it builds IS prisma/schema.prisma: every model a
// table, every scalar field a column (type, nullability, default), every @unique/@@unique/@@index an index,
// every relation a foreign key, and the generated client reads and writes every model and field.
import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, appendFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, SQLITE_MIGRATIONS } from '../../server/db/client.ts';
import { migrateSqlite, MigrationError } from '../../server/db/migrate.ts';
import { ROOT } from '../helpers/server.ts';

const work = mkdtempSync(path.join(tmpdir(), 'wxmall-migrations-'));
let n = 0;
const freshFile = () => path.join(work, `db-${++n}.sqlite`);

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

function migrationFolders(dir = SQLITE_MIGRATIONS): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
}

function rows(file: string) {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare('SELECT * FROM "_prisma_migrations" ORDER BY migration_name').all() as Array<Record<string, unknown>>;
  } finally {
    db.close();
  }
}

function tables(file: string): string[] {
  const db = new Database(file, { readonly: true });
  try {
    return (db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`).all() as Array<{ name: string }>).map((r) => r.name);
  } finally {
    db.close();
  }
}

describe('the migration runner', () => {
  it('applies every migration folder once and records it as Prisma does', () => {
    const file = freshFile();
    const folders = migrationFolders();
    expect(folders.length).toBeGreaterThan(0);
    const applied = migrateSqlite(file, SQLITE_MIGRATIONS);
    expect(applied).toEqual(folders);
    const recorded = rows(file);
    expect(recorded.map((r) => r.migration_name)).toEqual(folders);
    for (const r of recorded) {
      const sql = readFileSync(path.join(SQLITE_MIGRATIONS, String(r.migration_name), 'migration.sql'));
      expect(r.checksum).toBe(createHash('sha256').update(sql).digest('hex'));
      expect(r.checksum).toMatch(/^[0-9a-f]{64}$/);
      expect(r.finished_at).not.toBeNull();
      expect(Number.isNaN(Date.parse(String(r.finished_at)))).toBe(false);
      expect(Number.isNaN(Date.parse(String(r.started_at)))).toBe(false);
      expect(r.rolled_back_at).toBeNull();
      expect(r.logs).toBeNull();
      expect(r.applied_steps_count).toBe(1);
      expect(String(r.id)).toMatch(/^[0-9a-f-]{36}$/);
    }
  });

  it('the _prisma_migrations table has Prisma’s own columns', () => {
    const file = freshFile();
    migrateSqlite(file, SQLITE_MIGRATIONS);
    const db = new Database(file, { readonly: true });
    try {
      const cols = db.prepare(`PRAGMA table_info("_prisma_migrations")`).all() as Array<{ name: string; notnull: number; pk: number }>;
      expect(cols.map((c) => c.name)).toEqual(['id', 'checksum', 'finished_at', 'migration_name', 'logs', 'rolled_back_at', 'started_at', 'applied_steps_count']);
      expect(cols.find((c) => c.name === 'id')?.pk).toBe(1);
    } finally {
      db.close();
    }
  });

  it('running again applies nothing and changes no record', () => {
    const file = freshFile();
    migrateSqlite(file, SQLITE_MIGRATIONS);
    const before = rows(file);
    expect(migrateSqlite(file, SQLITE_MIGRATIONS)).toEqual([]);
    expect(migrateSqlite(file, SQLITE_MIGRATIONS)).toEqual([]);
    expect(rows(file)).toEqual(before);
  });

  it('a migration added later is applied alone', () => {
    const dir = path.join(work, `migrations-${++n}`);
    cpSync(SQLITE_MIGRATIONS, dir, { recursive: true });
    const file = freshFile();
    migrateSqlite(file, dir);
    mkdirSync(path.join(dir, '29991231000000_later'));
    writeFileSync(path.join(dir, '29991231000000_later', 'migration.sql'), 'CREATE TABLE "Later" ("id" INTEGER NOT NULL PRIMARY KEY);\n');
    expect(migrateSqlite(file, dir)).toEqual(['29991231000000_later']);
    expect(tables(file)).toContain('Later');
    expect(rows(file)).toHaveLength(migrationFolders().length + 1);
  });

  it('an applied migration whose file was changed afterwards is refused, and nothing is applied', () => {
    const dir = path.join(work, `migrations-${++n}`);
    cpSync(SQLITE_MIGRATIONS, dir, { recursive: true });
    const file = freshFile();
    migrateSqlite(file, dir);
    const first = migrationFolders(dir)[0];
    appendFileSync(path.join(dir, first, 'migration.sql'), '\n-- edited after it was applied\n');
    mkdirSync(path.join(dir, '29991231000000_after_edit'));
    writeFileSync(path.join(dir, '29991231000000_after_edit', 'migration.sql'), 'CREATE TABLE "AfterEdit" ("id" INTEGER NOT NULL PRIMARY KEY);\n');
    const before = rows(file);
    expect(() => migrateSqlite(file, dir)).toThrow(MigrationError);
    expect(() => migrateSqlite(file, dir)).toThrow(first);
    expect(rows(file)).toEqual(before);
    expect(tables(file)).not.toContain('AfterEdit');
  });

  it('a migration that fails half-way leaves the database as it was, and applies cleanly afterwards', () => {
    const file = freshFile();
    expect(() =>
      migrateSqlite(file, SQLITE_MIGRATIONS, {
        afterSql: () => {
          throw new Error('power cut');
        },
      }),
    ).toThrow('power cut');
    expect(tables(file)).toEqual(['_prisma_migrations']);
    expect(rows(file)).toEqual([]);
    expect(migrateSqlite(file, SQLITE_MIGRATIONS)).toEqual(migrationFolders());
  });

  it('three processes migrating one fresh file at once: all succeed, each migration applied exactly once', async () => {
    const file = freshFile();
    const script = path.join(work, 'migrate-once.mts');
    writeFileSync(
      script,
      `import { migrateSqlite } from ${JSON.stringify(path.join(ROOT, 'server', 'db', 'migrate.ts'))};\n` +
        `process.stdout.write(JSON.stringify(migrateSqlite(process.argv[2], process.argv[3])));\n`,
    );
    const run = () =>
      new Promise<{ code: number | null; out: string }>((resolve) => {
        const child = spawn(process.execPath, ['--import', 'tsx', script, file, SQLITE_MIGRATIONS], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        child.stdout.on('data', (c: Buffer) => (out += c.toString()));
        child.stderr.on('data', (c: Buffer) => (out += c.toString()));
        child.on('exit', (code) => resolve({ code, out }));
      });
    const results = await Promise.all([run(), run(), run()]);
    for (const r of results) expect(r.code, r.out).toBe(0);
    const applied = results.map((r) => JSON.parse(r.out) as string[]);
    expect(applied.flat().sort()).toEqual(migrationFolders());
    expect(rows(file).map((r) => r.migration_name)).toEqual(migrationFolders());
  }, 30_000);
});

// ---- prisma/schema.prisma, read by a small parser ---------------------------------------------------------

interface Field {
  name: string;
  type: string;
  optional: boolean;
  list: boolean;
  attrs: string;
}
interface Model {
  name: string;
  fields: Field[];
  blockAttrs: string[];
}

function parseSchema(text: string): Model[] {
  const models: Model[] = [];
  const re = /^model\s+(\w+)\s*\{([\s\S]*?)^\}/gm;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const model: Model = { name: m[1], fields: [], blockAttrs: [] };
    for (const rawLine of m[2].split('\n')) {
      const line = rawLine.replace(/\/\/.*$/, '').trim();
      if (!line) continue;
      if (line.startsWith('@@')) {
        model.blockAttrs.push(line);
        continue;
      }
      const f = /^(\w+)\s+(\w+)(\[\])?(\?)?\s*(.*)$/.exec(line);
      if (!f) throw new Error(`cannot parse line in model ${model.name}: ${line}`);
      model.fields.push({ name: f[1], type: f[2], list: Boolean(f[3]), optional: Boolean(f[4]), attrs: f[5] });
    }
    models.push(model);
  }
  return models;
}

const SQLITE_TYPE: Record<string, string> = {
  Int: 'INTEGER',
  String: 'TEXT',
  Boolean: 'BOOLEAN',
  DateTime: 'DATETIME',
  Float: 'REAL',
  BigInt: 'BIGINT',
  Decimal: 'DECIMAL',
  Bytes: 'BLOB',
  Json: 'JSONB',
};

const schema = parseSchema(readFileSync(path.join(ROOT, 'prisma', 'schema.prisma'), 'utf8'));
const modelNames = new Set(schema.map((m) => m.name));
const scalars = (m: Model) => m.fields.filter((f) => !modelNames.has(f.type));
const listOf = (s: string) => s.split(',').map((x) => x.trim().replace(/\(.*$/, '')).filter(Boolean);

/** The indexes schema.prisma declares for a model: @unique fields, @@unique, @@index. */
function declaredIndexes(m: Model): Array<{ name: string; columns: string[]; unique: boolean }> {
  const out: Array<{ name: string; columns: string[]; unique: boolean }> = [];
  for (const f of scalars(m)) if (/@unique\b/.test(f.attrs)) out.push({ name: `${m.name}_${f.name}_key`, columns: [f.name], unique: true });
  for (const a of m.blockAttrs) {
    const x = /^@@(unique|index)\(\s*\[([^\]]*)\]/.exec(a);
    if (!x) continue;
    const columns = listOf(x[2]);
    const unique = x[1] === 'unique';
    out.push({ name: `${m.name}_${columns.join('_')}_${unique ? 'key' : 'idx'}`, columns, unique });
  }
  return out;
}

describe('the migrated database is prisma/schema.prisma', () => {
  let file: string;
  let db: Database.Database;

  beforeAll(() => {
    file = freshFile();
    migrateSqlite(file, SQLITE_MIGRATIONS);
    db = new Database(file, { readonly: true });
  });
  afterAll(() => db?.close());

  it('the parser found the models the data model needs', () => {
    expect([...modelNames].sort()).toEqual(
      expect.arrayContaining(['AdminSession', 'AdminUser', 'Buyer', 'IdempotencyKey', 'Notification', 'Order', 'OrderItem', 'Product', 'Refund', 'RefundEvent', 'WechatCall', 'OrderEvent', 'OutboxMessage', 'PlatformToken']),
    );
    for (const m of schema) expect(scalars(m).length, m.name).toBeGreaterThan(0);
  });

  it('every model is a table and nothing else is (besides _prisma_migrations)', () => {
    expect(tables(file)).toEqual([...modelNames, '_prisma_migrations'].sort());
  });

  for (const m of schema) {
    it(`${m.name}: every scalar field is a column with its type, nullability and default; no column is unknown`, () => {
      const cols = db.prepare(`PRAGMA table_info("${m.name}")`).all() as Array<{ name: string; type: string; notnull: number; dflt_value: string | null; pk: number }>;
      const fields = scalars(m);
      expect(cols.map((c) => c.name).sort()).toEqual(fields.map((f) => f.name).sort());
      for (const f of fields) {
        const c = cols.find((x) => x.name === f.name)!;
        const where = `${m.name}.${f.name}`;
        expect(c.type, where).toBe(SQLITE_TYPE[f.type]);
        const isId = /@id\b/.test(f.attrs);
        expect(c.pk > 0, `${where} primary key`).toBe(isId);
        expect(c.notnull === 1 || (isId && c.pk > 0), `${where} NOT NULL`).toBe(!f.optional);
        const d = /@default\((.*)\)\s*(@|$)/.exec(f.attrs)?.[1];
        if (d === undefined || d === 'autoincrement()') {
          if (!isId) expect(c.dflt_value, `${where} has no default`).toBeNull();
        } else if (d === 'now()') expect(c.dflt_value, where).toBe('CURRENT_TIMESTAMP');
        else if (d.startsWith('"')) expect(c.dflt_value, where).toBe(`'${JSON.parse(d)}'`);
        else expect(c.dflt_value, where).toBe(d);
      }
    });

    it(`${m.name}: every @unique, @@unique and @@index is an index of the same columns, named as Prisma names it`, () => {
      const list = db.prepare(`PRAGMA index_list("${m.name}")`).all() as Array<{ name: string; unique: number; origin: string; partial: number }>;
      const actual = list
        .filter((i) => i.origin !== 'pk')
        .map((i) => ({
          name: i.name,
          unique: i.unique === 1,
          partial: i.partial === 1,
          columns: (db.prepare(`PRAGMA index_info("${i.name}")`).all() as Array<{ seqno: number; name: string }>).sort((a, b) => a.seqno - b.seqno).map((c) => c.name),
        }));
      const declared = declaredIndexes(m);
      for (const d of declared) {
        expect(actual, `${m.name}: ${d.name}`).toContainEqual({ name: d.name, unique: d.unique, partial: false, columns: d.columns });
      }
      // beyond the schema, only partial indexes (guards Prisma's language cannot express) are allowed
      const extra = actual.filter((a) => !declared.some((d) => d.name === a.name));
      for (const e of extra) expect(e.partial, `${m.name}: undeclared index ${e.name}`).toBe(true);
    });

    it(`${m.name}: every relation is a foreign key (Restrict for required, SetNull for optional)`, () => {
      const fks = db.prepare(`PRAGMA foreign_key_list("${m.name}")`).all() as Array<{ table: string; from: string; to: string; on_delete: string; on_update: string }>;
      const relations = m.fields.filter((f) => modelNames.has(f.type) && /@relation\(/.test(f.attrs) && /fields:/.test(f.attrs));
      expect(fks).toHaveLength(relations.length);
      for (const r of relations) {
        const from = listOf(/fields:\s*\[([^\]]*)\]/.exec(r.attrs)![1]);
        const to = listOf(/references:\s*\[([^\]]*)\]/.exec(r.attrs)![1]);
        expect(fks, `${m.name}.${r.name}`).toContainEqual(
          expect.objectContaining({ table: r.type, from: from[0], to: to[0], on_delete: r.optional ? 'SET NULL' : 'RESTRICT', on_update: 'CASCADE' }),
        );
      }
    });
  }
});

function sample(model: string, f: Field, k: number): unknown {
  switch (f.type) {
    case 'Int':
      return 7 + k;
    case 'Float':
      return 1.5 + k;
    case 'Boolean':
      return false;
    case 'DateTime':
      return new Date(Date.UTC(2026, 0, 1, 0, 0, k));
    case 'String':
      return `${model}.${f.name}.${k}`;
    case 'Bytes':
      return new Uint8Array([0, 7 + k, 255]);
    default:
      throw new Error(`no sample value for ${model}.${f.name}: ${f.type}`);
  }
}

describe('the generated Prisma client serves every model and field of the migrated database', () => {
  it('creates one row of every model with every scalar field set, and reads each back unchanged', async () => {
    const file = freshFile();
    migrateSqlite(file, SQLITE_MIGRATIONS);
    const db = await createDb(`file:${file}`);
    try {
      const ids: Record<string, Record<string, unknown>> = {};
      // values that satisfy the migrations' CHECKs; foreign keys point at the rows made before
      const special: Record<string, Record<string, unknown>> = {
        Order: { status: 'PAID', totalFen: 1000, refundedFen: 100, pendingRefundFen: 50, refundCount: 2, shippingStatus: 'SHIPPED' },
        Refund: { status: 'REFUNDED', amountFen: 100, type: 'RETURN_AND_REFUND' },
        AdminUser: { role: 'FINANCE' },
        Upload: { contentType: 'image/webp', sizeBytes: 3 },
        OutboxMessage: { status: 'DONE', attempts: 1 },
        Product: { priceFen: 100, stock: 3 },
        OrderItem: { priceFen: 100, quantity: 2 },
      };
      // create in an order where every model's relations already exist
      const pending = [...schema];
      const order: Model[] = [];
      while (pending.length) {
        const i = pending.findIndex((m) =>
          m.fields.filter((f) => modelNames.has(f.type) && /fields:/.test(f.attrs)).every((f) => f.type === m.name || order.some((o) => o.name === f.type)),
        );
        expect(i, `no creation order for ${pending.map((p) => p.name).join(', ')}`).toBeGreaterThanOrEqual(0);
        order.push(...pending.splice(i, 1));
      }
      let k = 0;
      for (const m of order) {
        const fkFields = new Map<string, string>(); // scalar FK field → related model
        for (const r of m.fields.filter((f) => modelNames.has(f.type) && /fields:/.test(f.attrs))) {
          fkFields.set(listOf(/fields:\s*\[([^\]]*)\]/.exec(r.attrs)![1])[0], r.type);
        }
        const data: Record<string, unknown> = {};
        for (const f of scalars(m)) {
          k += 1;
          if (/@default\(autoincrement\(\)\)/.test(f.attrs)) continue;
          if (fkFields.has(f.name)) {
            data[f.name] = ids[fkFields.get(f.name)!].id;
            continue;
          }
          if (special[m.name]?.[f.name] !== undefined) {
            data[f.name] = special[m.name][f.name];
            continue;
          }
          data[f.name] = sample(m.name, f, k);
        }
        const delegate = (db as unknown as Record<string, { create: (a: unknown) => Promise<Record<string, unknown>>; findUniqueOrThrow: (a: unknown) => Promise<Record<string, unknown>> }>)[
          m.name[0].toLowerCase() + m.name.slice(1)
        ];
        expect(delegate, `client has no delegate for ${m.name}`).toBeDefined();
        const created = await delegate.create({ data });
        const idField = scalars(m).find((f) => /@id\b/.test(f.attrs))!;
        const read = await delegate.findUniqueOrThrow({ where: { [idField.name]: created[idField.name] } });
        for (const f of scalars(m)) {
          expect(read, `${m.name}.${f.name} is not served by the client`).toHaveProperty(f.name);
          if (f.name in data && !/@updatedAt/.test(f.attrs)) expect(read[f.name], `${m.name}.${f.name}`).toEqual(data[f.name]);
        }
        ids[m.name] = created;
      }
      expect(Object.keys(ids).sort()).toEqual([...modelNames].sort());
    } finally {
      await db.$disconnect();
    }
  });
});
