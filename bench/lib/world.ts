// Preparation (not measured): a fresh data folder whose database and sandbox were created by the real server,
// one genuine paid order + refund made through the API as a template, then thousands (or a million) of
// clones written straight into the SQLite files with better-sqlite3 while the server is stopped.
// DateTimes are stored exactly as @prisma/adapter-better-sqlite3 writes them (read back from the template).
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { buyerLogin, placePaidOrder, requestRefund } from '../../test/helpers/api.ts';
import { serverEnv, startMall, startSandboxProcess, type Child } from './server.ts';

export interface Credentials {
  appid: string;
  mchId: string;
  apiKey: string;
}

export interface World {
  name: string;
  dataDir: string;
  mallDbPath: string;
  sandboxDbPath: string;
  credentials: Credentials;
  /** How the adapter stores a DateTime: checked against the template rows. */
  iso(d: Date | number): string;
  /** Starts the sandbox process, then the server on this data folder; `stop()` stops both. */
  start(opts?: { env?: Record<string, string>; sandboxEnv?: Record<string, string>; nodeArgs?: string[] }): Promise<Running>;
  remove(): void;
}

export interface Running {
  server: Child;
  sandbox: Child;
  sandboxUrl: string;
  stop(): Promise<void>;
}

async function startBoth(dataDir: string, opts: { env?: Record<string, string>; sandboxEnv?: Record<string, string>; nodeArgs?: string[] } = {}): Promise<Running> {
  const sandbox = await startSandboxProcess(dataDir, opts.sandboxEnv);
  try {
    const server = await startMall(serverEnv(dataDir, { SANDBOX_URL: sandbox.url, SANDBOX_DATA_DIR: dataDir, ...opts.env }), opts.nodeArgs);
    return {
      server,
      sandbox,
      sandboxUrl: sandbox.url,
      stop: async () => {
        await server.stop();
        await sandbox.stop();
      },
    };
  } catch (err) {
    await sandbox.stop();
    throw err;
  }
}

const ISO_AS_STORED = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+00:00$/;

export async function prepareWorld(name: string): Promise<World> {
  const dataDir = mkdtempSync(path.join(tmpdir(), `wxmall-bench-${name}-`));
  const running = await startBoth(dataDir);
  try {
    const url = running.server.url;
    const token = await buyerLogin(url, 'bench-template');
    const order = await placePaidOrder(url, token);
    await requestRefund(url, token, order.orderNo, 1);
  } finally {
    await running.stop();
  }
  const mallDbPath = path.join(dataDir, 'mall.db');
  const db = new Database(mallDbPath);
  const row = db.prepare('SELECT paidAt, createdAt FROM "Order" ORDER BY id DESC LIMIT 1').get() as { paidAt: string; createdAt: string };
  db.close();
  // '2026-11-22T20:21:13.911+00:00': the adapter's iso8601 format (its default timestampFormat)
  if (!ISO_AS_STORED.test(row.paidAt) || !ISO_AS_STORED.test(row.createdAt)) {
    throw new Error(`unexpected DateTime storage format ${JSON.stringify(row)}: bench/lib/world.ts must follow it`);
  }
  const credentials = JSON.parse(readFileSync(path.join(dataDir, 'sandbox', 'credentials.json'), 'utf8')) as Credentials;
  return {
    name,
    dataDir,
    mallDbPath,
    sandboxDbPath: path.join(dataDir, 'sandbox', 'sandbox.db'),
    credentials,
    iso: (d) => new Date(d).toISOString().replace('Z', '+00:00'),
    start: (opts) => startBoth(dataDir, opts),
    remove: () => {
      if (!process.env.BENCH_KEEP) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

const ALPHABET = '0123456789ABCDEFGHJKLMNPQRSTUVWXYZ';

function chinaStamp(ms: number): string {
  return new Date(ms + 8 * 3600_000).toISOString().slice(0, 19).replace(/[-T:]/g, '');
}

/** A number as the server makes them (prefix + China time + 10 characters), unique through `seq`. */
export function businessNo(prefix: 'M' | 'R', ms: number, seq: number): string {
  let tail = '';
  let n = seq;
  for (let i = 0; i < 10; i++) {
    tail = ALPHABET[n % ALPHABET.length] + tail;
    n = Math.floor(n / ALPHABET.length);
  }
  return `${prefix}${chinaStamp(ms)}${tail}`;
}

export interface SeededBuyer {
  id: number;
  token: string;
}

export interface SeededOrder {
  id: number;
  orderNo: string;
  buyer: SeededBuyer;
  totalFen: number;
}

export interface SeededRefund {
  id: number;
  refundNo: string;
  order: SeededOrder;
  amountFen: number;
}

export type SeedRefundStatus = 'REQUESTED' | 'APPROVED' | 'REFUNDING';

const ORDER_STATUS: Record<SeedRefundStatus, string> = { REQUESTED: 'REFUND_REQUESTED', APPROVED: 'REFUND_APPROVED', REFUNDING: 'REFUNDING' };

/** Writes clones into a stopped server's database (and its sandbox's, for orders WeChat must know). */
export class Seeder {
  readonly db: Database.Database;
  private sandbox: Database.Database | null = null;
  private seq = 0;
  private readonly product: { id: number; name: string; priceFen: number };

  constructor(private readonly world: World) {
    this.db = new Database(world.mallDbPath);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = OFF'); // preparation only; the server opens the file with its own settings
    this.product = this.db.prepare('SELECT id, name, priceFen FROM "Product" ORDER BY id LIMIT 1').get() as { id: number; name: string; priceFen: number };
    this.seq = (this.db.prepare('SELECT COUNT(*) AS n FROM "Order"').get() as { n: number }).n + 1000;
  }

  close(): void {
    this.db.close();
    this.sandbox?.close();
  }

  buyers(n: number): SeededBuyer[] {
    const now = this.world.iso(Date.now());
    const expires = this.world.iso(Date.now() + 30 * 24 * 3600_000);
    const insBuyer = this.db.prepare('INSERT INTO "Buyer" (openid, createdAt) VALUES (?, ?)');
    const insToken = this.db.prepare('INSERT INTO "BuyerToken" (tokenHash, buyerId, expiresAt, createdAt) VALUES (?, ?, ?, ?)');
    return this.db.transaction(() => {
      const out: SeededBuyer[] = [];
      for (let i = 0; i < n; i++) {
        const openid = `obench${randomBytes(12).toString('base64url')}`;
        const id = Number(insBuyer.run(openid, now).lastInsertRowid);
        const token = randomBytes(32).toString('base64url');
        insToken.run(createHash('sha256').update(token, 'utf8').digest('hex'), id, expires, now);
        out.push({ id, token });
      }
      return out;
    })();
  }

  /** Paid orders of one item, round-robin over `buyers`; `inSandbox` also creates the paid trade WeChat knows. */
  paidOrders(n: number, buyers: SeededBuyer[], opts: { inSandbox?: boolean } = {}): SeededOrder[] {
    const nowMs = Date.now();
    const now = this.world.iso(nowMs);
    const p = this.product;
    const insOrder = this.db.prepare(
      `INSERT INTO "Order" (orderNo, buyerId, status, totalFen, refundedFen, pendingRefundFen, refundCount, prepayId, prepayAt, transactionId, paidAt, createdAt, updatedAt)
       VALUES (?, ?, 'PAID', ?, 0, 0, 0, ?, ?, ?, ?, ?, ?)`,
    );
    const insItem = this.db.prepare('INSERT INTO "OrderItem" (orderId, productId, name, priceFen, quantity) VALUES (?, ?, ?, ?, 1)');
    const orders = this.db.transaction(() => {
      const out: SeededOrder[] = [];
      for (let i = 0; i < n; i++) {
        const seq = this.seq++;
        const orderNo = businessNo('M', nowMs, seq);
        const buyer = buyers[i % buyers.length];
        const prepayId = `wx${chinaStamp(nowMs)}${seq.toString(16).padStart(22, '0')}`;
        const transactionId = `42000010982026${String(seq).padStart(14, '0')}`;
        const id = Number(insOrder.run(orderNo, buyer.id, p.priceFen, prepayId, now, transactionId, now, now, now).lastInsertRowid);
        insItem.run(id, p.id, p.name, p.priceFen);
        out.push({ id, orderNo, buyer, totalFen: p.priceFen });
      }
      return out;
    })();
    if (opts.inSandbox) this.sandboxTrades(orders);
    return orders;
  }

  /** The sandbox's paid trades for these orders, cloned from the template trade the API made. */
  private sandboxTrades(orders: SeededOrder[]): void {
    this.sandbox ??= new Database(this.world.sandboxDbPath);
    const sb = this.sandbox;
    const template = sb.prepare("SELECT * FROM trades WHERE state = 'SUCCESS' LIMIT 1").get() as Record<string, unknown>;
    const ins = sb.prepare(
      `INSERT INTO trades (out_trade_no, appid, mch_id, body, attach, device_info, total_fee, fee_type, trade_type, openid, notify_url, sign_type,
         time_expire_ms, prepay_id, state, transaction_id, time_end, created_at)
       VALUES (@out_trade_no, @appid, @mch_id, @body, @attach, @device_info, @total_fee, @fee_type, @trade_type, @openid, @notify_url, @sign_type,
         @time_expire_ms, @prepay_id, 'SUCCESS', @transaction_id, @time_end, @created_at)`,
    );
    const byId = this.db.prepare('SELECT prepayId, transactionId FROM "Order" WHERE id = ?');
    sb.transaction(() => {
      for (const o of orders) {
        const r = byId.get(o.id) as { prepayId: string; transactionId: string };
        ins.run({ ...template, out_trade_no: o.orderNo, total_fee: o.totalFen, prepay_id: r.prepayId, transaction_id: r.transactionId, created_at: Date.now() });
      }
    })();
  }

  /**
   * One open refund per order in `status`, with the order's money and status kept in step exactly as the
   * server's transition() would leave them, and the event rows of its history.
   */
  refunds(orders: SeededOrder[], status: SeedRefundStatus, opts: { nextAttemptAt?: Date | null; amountFen?: number } = {}): SeededRefund[] {
    const nowMs = Date.now();
    const now = this.world.iso(nowMs);
    const nextAttemptAt = opts.nextAttemptAt === undefined ? null : opts.nextAttemptAt && this.world.iso(opts.nextAttemptAt);
    const insRefund = this.db.prepare(
      `INSERT INTO "Refund" (refundNo, orderId, status, amountFen, reason, source, wxRefundId, attempts, queries, acceptedAt, nextAttemptAt, createdAt, updatedAt)
       VALUES (?, ?, ?, ?, '不想要了', 'BUYER', ?, ?, 0, ?, ?, ?, ?)`,
    );
    const insEvent = this.db.prepare('INSERT INTO "RefundEvent" (refundId, fromStatus, toStatus, action, actor, note, at) VALUES (?, ?, ?, ?, ?, ?, ?)');
    const updOrder = this.db.prepare(
      'UPDATE "Order" SET status = ?, openRefundNo = ?, pendingRefundFen = pendingRefundFen + ?, refundCount = refundCount + 1, lastRefundCallAt = ?, updatedAt = ? WHERE id = ?',
    );
    return this.db.transaction(() => {
      const out: SeededRefund[] = [];
      for (const o of orders) {
        const amountFen = opts.amountFen ?? o.totalFen;
        const refundNo = businessNo('R', nowMs, this.seq++);
        const refunding = status === 'REFUNDING';
        const wxRefundId = refunding ? `50300${String(this.seq).padStart(23, '0')}` : null;
        const id = Number(
          insRefund.run(refundNo, o.id, status, amountFen, wxRefundId, refunding ? 1 : 0, refunding ? now : null, nextAttemptAt, now, now).lastInsertRowid,
        );
        insEvent.run(id, null, 'REQUESTED', 'request', 'buyer', '不想要了', now);
        if (status !== 'REQUESTED') insEvent.run(id, 'REQUESTED', 'APPROVED', 'approve', 'admin:merchant', null, now);
        if (refunding) insEvent.run(id, 'APPROVED', 'REFUNDING', 'dispatch', 'dispatcher', null, now);
        updOrder.run(ORDER_STATUS[status], refundNo, amountFen, refunding ? now : null, now, o.id);
        out.push({ id, refundNo, order: o, amountFen });
      }
      return out;
    })();
  }
}

export interface QueueShape {
  refunds: number;
  /** status → share of the refunds */
  mix: Record<string, number>;
  days: number;
}

export interface QueueSample {
  refundNo: string;
  orderNo: string;
  status: string;
  createdAt: number;
}

const ORDER_OF: Record<string, { order: string; open: boolean; refunded: boolean }> = {
  REQUESTED: { order: 'REFUND_REQUESTED', open: true, refunded: false },
  APPROVED: { order: 'REFUND_APPROVED', open: true, refunded: false },
  REFUNDING: { order: 'REFUNDING', open: true, refunded: false },
  FAILED: { order: 'REFUND_FAILED', open: true, refunded: false },
  REFUNDED: { order: 'REFUNDED', open: false, refunded: true },
  REJECTED: { order: 'PAID', open: false, refunded: false },
  CANCELLED: { order: 'PAID', open: false, refunded: false },
};

/**
 * A merchant's history for the queue benchmark: `refunds` refunds, one per order, created evenly over the
 * last `days` days (oldest first, as time would have written them), statuses in the given mix. Orders and
 * refunds only: no event rows or order lines, which the queue does not read. Returns a sample per 1,000.
 */
export function seedQueue(world: World, shape: QueueShape, onProgress?: (done: number) => void): QueueSample[] {
  const db = new Database(world.mallDbPath);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = OFF');
  db.pragma('cache_size = -200000');
  const buyerId = (db.prepare('SELECT id FROM "Buyer" LIMIT 1').get() as { id: number }).id;
  const insOrder = db.prepare(
    `INSERT INTO "Order" (orderNo, buyerId, status, totalFen, refundedFen, pendingRefundFen, openRefundNo, refundCount, transactionId, paidAt, createdAt, updatedAt)
     VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?)`,
  );
  const insRefund = db.prepare(
    `INSERT INTO "Refund" (refundNo, orderId, status, amountFen, reason, source, attempts, queries, acceptedAt, refundedAt, createdAt, updatedAt)
     VALUES (?, ?, ?, ?, '不想要了', 'BUYER', 0, 0, ?, ?, ?, ?)`,
  );
  // a deterministic shuffle of statuses: the same data every run
  const statuses: string[] = [];
  for (const [s, share] of Object.entries(shape.mix)) for (let i = 0; i < Math.round(share * 1000); i++) statuses.push(s);
  let seed = 42;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  const end = Date.now() - 60_000;
  const start = end - shape.days * 24 * 3600_000;
  const step = (end - start) / shape.refunds;
  const samples: QueueSample[] = [];
  const CHUNK = 50_000;
  for (let from = 0; from < shape.refunds; from += CHUNK) {
    db.transaction(() => {
      for (let i = from; i < Math.min(shape.refunds, from + CHUNK); i++) {
        const created = Math.floor(start + i * step);
        const paid = created - Math.floor(rand() * 3 * 24 * 3600_000);
        const status = statuses[Math.floor(rand() * statuses.length)];
        const o = ORDER_OF[status];
        const total = 100 + Math.floor(rand() * 50_000);
        const orderNo = businessNo('M', paid - 60_000, 1_000_000_000 + i);
        const refundNo = businessNo('R', created, 1_000_000_000 + i);
        const iso = world.iso(created);
        const orderId = Number(
          insOrder.run(orderNo, buyerId, o.order, total, o.refunded ? total : 0, o.open ? total : 0, o.open ? refundNo : null, `4200${String(i).padStart(24, '0')}`, world.iso(paid), world.iso(paid - 60_000), iso).lastInsertRowid,
        );
        insRefund.run(refundNo, orderId, status, total, status === 'REFUNDING' || status === 'REFUNDED' ? iso : null, o.refunded ? iso : null, iso, iso);
        if (i % 1000 === 0) samples.push({ refundNo, orderNo, status, createdAt: created });
      }
    })();
    onProgress?.(Math.min(shape.refunds, from + CHUNK));
  }
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  return samples;
}
