// Clones written into a stopped server's database (and its sandbox's, for orders WeChat must know), in bulk,
// in the shape the server's own code leaves them: buyers with bearer tokens, paid orders of one item, one open
// refund per order with the order's money and status kept in step and the event rows of its history. Ids are
// given explicitly (the next free ones), so both databases get the same rows from the same code.
import { createHash, randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import type { BenchDb } from './database.ts';
import type { World } from './world.ts';

const ALPHABET = '0123456789ABCDEFGHJKLMNPQRSTUVWXYZ';

export function chinaStamp(ms: number): string {
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
  prepayId: string;
  transactionId: string;
}

/** The buyer refund request of each order in turn, whole amount, as the mini-program sends it; null when none are left. */
export function refundRequests(orders: SeededOrder[]): () => { method: string; path: string; headers: Record<string, string>; body: string } | null {
  let i = 0;
  return () => {
    const o = orders[i++];
    if (!o) return null;
    return {
      method: 'POST',
      path: `/api/mp/orders/${o.orderNo}/refunds`,
      headers: { authorization: `Bearer ${o.buyer.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ amountFen: o.totalFen, reason: '不想要了' }),
    };
  };
}

export interface SeededRefund {
  id: number;
  refundNo: string;
  order: SeededOrder;
  amountFen: number;
}

export type SeedRefundStatus = 'REQUESTED' | 'APPROVED' | 'REFUNDING';

const ORDER_STATUS: Record<SeedRefundStatus, string> = { REQUESTED: 'REFUND_REQUESTED', APPROVED: 'REFUND_APPROVED', REFUNDING: 'REFUNDING' };

export class Seeder {
  private seq = 0;
  private readonly ids = new Map<string, number>();

  private constructor(
    private readonly world: World,
    readonly db: BenchDb,
    private readonly product: { id: number; name: string; priceFen: number },
  ) {}

  static async open(world: World): Promise<Seeder> {
    const db = await world.open('seed');
    const [product] = await db.all<{ id: number; name: string; priceFen: number }>('SELECT id, name, "priceFen" FROM "Product" ORDER BY id LIMIT 1');
    const s = new Seeder(world, db, product);
    s.seq = (await db.number('SELECT COUNT(*) FROM "Order"')) + 1000;
    return s;
  }

  /** PostgreSQL's planner statistics are brought up to date, as autovacuum would have done on a live database. */
  async close(): Promise<void> {
    if (this.db.kind === 'postgres') await this.db.run('ANALYZE');
    await this.db.close();
  }

  /** The next `n` ids of a table. */
  private async nextIds(table: string, n: number): Promise<number> {
    const first = this.ids.get(table) ?? (await this.db.number(`SELECT COALESCE(MAX(id), 0) FROM "${table}"`)) + 1;
    this.ids.set(table, first + n);
    return first;
  }

  async buyers(n: number): Promise<SeededBuyer[]> {
    const now = this.db.ts(Date.now());
    const expires = this.db.ts(Date.now() + 30 * 24 * 3600_000);
    const first = await this.nextIds('Buyer', n);
    const out: SeededBuyer[] = [];
    const buyers: unknown[][] = [];
    const tokens: unknown[][] = [];
    for (let i = 0; i < n; i++) {
      const id = first + i;
      const token = randomBytes(32).toString('base64url');
      buyers.push([id, `obench${randomBytes(12).toString('base64url')}`, now]);
      tokens.push([createHash('sha256').update(token, 'utf8').digest('hex'), id, expires, now]);
      out.push({ id, token });
    }
    await this.db.insert('Buyer', ['id', 'openid', 'createdAt'], buyers);
    await this.db.insert('BuyerToken', ['tokenHash', 'buyerId', 'expiresAt', 'createdAt'], tokens);
    return out;
  }

  /** Paid orders of one item, round-robin over `buyers`; `inSandbox` also creates the paid trade WeChat knows. */
  async paidOrders(n: number, buyers: SeededBuyer[], opts: { inSandbox?: boolean } = {}): Promise<SeededOrder[]> {
    const nowMs = Date.now();
    const now = this.db.ts(nowMs);
    const p = this.product;
    const first = await this.nextIds('Order', n);
    const out: SeededOrder[] = [];
    const orders: unknown[][] = [];
    const items: unknown[][] = [];
    for (let i = 0; i < n; i++) {
      const seq = this.seq++;
      const o: SeededOrder = {
        id: first + i,
        orderNo: businessNo('M', nowMs, seq),
        buyer: buyers[i % buyers.length],
        totalFen: p.priceFen,
        prepayId: `wx${chinaStamp(nowMs)}${seq.toString(16).padStart(22, '0')}`,
        transactionId: `42000010982026${String(seq).padStart(14, '0')}`,
      };
      orders.push([o.id, o.orderNo, o.buyer.id, 'PAID', o.totalFen, 0, 0, 0, o.prepayId, now, o.transactionId, now, now, now]);
      items.push([o.id, p.id, p.name, p.priceFen, 1]);
      out.push(o);
    }
    await this.db.insert(
      'Order',
      ['id', 'orderNo', 'buyerId', 'status', 'totalFen', 'refundedFen', 'pendingRefundFen', 'refundCount', 'prepayId', 'prepayAt', 'transactionId', 'paidAt', 'createdAt', 'updatedAt'],
      orders,
    );
    await this.db.insert('OrderItem', ['orderId', 'productId', 'name', 'priceFen', 'quantity'], items);
    if (opts.inSandbox) this.sandboxTrades(out);
    return out;
  }

  /** The sandbox's paid trades for these orders, cloned from the template trade the API made (its own SQLite store). */
  private sandboxTrades(orders: SeededOrder[]): void {
    const sb = new Database(this.world.sandboxDbPath);
    try {
      const template = sb.prepare("SELECT * FROM trades WHERE state = 'SUCCESS' LIMIT 1").get() as Record<string, unknown>;
      const ins = sb.prepare(
        `INSERT INTO trades (out_trade_no, appid, mch_id, body, attach, device_info, total_fee, fee_type, trade_type, openid, notify_url, sign_type,
           time_expire_ms, prepay_id, state, transaction_id, time_end, created_at)
         VALUES (@out_trade_no, @appid, @mch_id, @body, @attach, @device_info, @total_fee, @fee_type, @trade_type, @openid, @notify_url, @sign_type,
           @time_expire_ms, @prepay_id, 'SUCCESS', @transaction_id, @time_end, @created_at)`,
      );
      sb.transaction(() => {
        for (const o of orders) ins.run({ ...template, out_trade_no: o.orderNo, total_fee: o.totalFen, prepay_id: o.prepayId, transaction_id: o.transactionId, created_at: Date.now() });
      })();
    } finally {
      sb.close();
    }
  }

  /**
   * One open refund per order in `status`, with the order's money and status kept in step exactly as the
   * server's transition() would leave them, and the event rows of its history. `nextAttemptAt`: when the
   * dispatcher (APPROVED) or the reconciler (REFUNDING) may look at it; null: never by itself.
   */
  async refunds(orders: SeededOrder[], status: SeedRefundStatus, opts: { nextAttemptAt?: Date | null; amountFen?: number } = {}): Promise<SeededRefund[]> {
    const nowMs = Date.now();
    const now = this.db.ts(nowMs);
    const nextAttemptAt = opts.nextAttemptAt ? this.db.ts(opts.nextAttemptAt.getTime()) : null;
    const refunding = status === 'REFUNDING';
    const first = await this.nextIds('Refund', orders.length);
    const out: SeededRefund[] = [];
    const refunds: unknown[][] = [];
    const events: unknown[][] = [];
    const orderUpdates: unknown[][] = [];
    orders.forEach((o, i) => {
      const id = first + i;
      const amountFen = opts.amountFen ?? o.totalFen;
      const refundNo = businessNo('R', nowMs, this.seq++);
      const wxRefundId = refunding ? `50300${String(this.seq).padStart(23, '0')}` : null;
      refunds.push([id, refundNo, o.id, status, amountFen, '不想要了', 'BUYER', wxRefundId, refunding ? 1 : 0, 0, refunding ? now : null, nextAttemptAt, now, now, now]);
      events.push([id, null, 'REQUESTED', 'request', 'buyer', '不想要了', now]);
      if (status !== 'REQUESTED') events.push([id, 'REQUESTED', 'APPROVED', 'approve', 'admin:merchant', null, now]);
      if (refunding) events.push([id, 'APPROVED', 'REFUNDING', 'dispatch', 'dispatcher', null, now]);
      // the order before its refund: PAID, nothing pending, no refund yet (paidOrders)
      orderUpdates.push([o.id, ORDER_STATUS[status], refundNo, amountFen, 1, refunding ? now : null, now]);
      out.push({ id, refundNo, order: o, amountFen });
    });
    await this.db.insert(
      'Refund',
      ['id', 'refundNo', 'orderId', 'status', 'amountFen', 'reason', 'source', 'wxRefundId', 'attempts', 'queries', 'acceptedAt', 'nextAttemptAt', 'statusAt', 'createdAt', 'updatedAt'],
      refunds,
    );
    await this.db.insert('RefundEvent', ['refundId', 'fromStatus', 'toStatus', 'action', 'actor', 'note', 'at'], events);
    await this.db.updateById('Order', ['id', 'status', 'openRefundNo', 'pendingRefundFen', 'refundCount', 'lastRefundCallAt', 'updatedAt'], orderUpdates);
    return out;
  }
}
