// A merchant's history for the admin-queue benchmark: `refunds` refunds, one per order, created evenly over the
// last `days` days (oldest first, as time would have written them), statuses in the given mix, the same data
// every run. Orders and refunds only: no event rows or order lines, which the queue does not read.
import type { BenchDb } from './database.ts';
import { businessNo } from './seeder.ts';

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

const CHUNK = 50_000;

/** Writes the history into a stopped server's database; returns a sample per 1,000 refunds. */
export async function seedQueue(db: BenchDb, shape: QueueShape, onProgress?: (done: number) => void): Promise<QueueSample[]> {
  const buyerId = await db.number('SELECT MIN(id) FROM "Buyer"');
  const firstOrderId = (await db.number('SELECT COALESCE(MAX(id), 0) FROM "Order"')) + 1;
  const firstRefundId = (await db.number('SELECT COALESCE(MAX(id), 0) FROM "Refund"')) + 1;
  // a deterministic shuffle of statuses: the same data every run
  const statuses: string[] = [];
  for (const [s, share] of Object.entries(shape.mix)) for (let i = 0; i < Math.round(share * 1000); i++) statuses.push(s);
  let seed = 42;
  const rand = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const end = Date.now() - 60_000;
  const start = end - shape.days * 24 * 3600_000;
  const step = (end - start) / shape.refunds;
  const samples: QueueSample[] = [];
  for (let from = 0; from < shape.refunds; from += CHUNK) {
    const orders: unknown[][] = [];
    const refunds: unknown[][] = [];
    for (let i = from; i < Math.min(shape.refunds, from + CHUNK); i++) {
      const created = Math.floor(start + i * step);
      const paid = created - Math.floor(rand() * 3 * 24 * 3600_000);
      const status = statuses[Math.floor(rand() * statuses.length)];
      const o = ORDER_OF[status];
      const total = 100 + Math.floor(rand() * 50_000);
      const orderNo = businessNo('M', paid - 60_000, 1_000_000_000 + i);
      const refundNo = businessNo('R', created, 1_000_000_000 + i);
      const ts = db.ts(created);
      orders.push([firstOrderId + i, orderNo, buyerId, o.order, total, o.refunded ? total : 0, o.open ? total : 0, o.open ? refundNo : null, 1, `4200${String(i).padStart(24, '0')}`, db.ts(paid), db.ts(paid - 60_000), ts]);
      refunds.push([firstRefundId + i, refundNo, firstOrderId + i, status, total, '不想要了', 'BUYER', 0, 0, status === 'REFUNDING' || status === 'REFUNDED' ? ts : null, o.refunded ? ts : null, ts, ts, ts]);
      if (i % 1000 === 0) samples.push({ refundNo, orderNo, status, createdAt: created });
    }
    await db.insert('Order', ['id', 'orderNo', 'buyerId', 'status', 'totalFen', 'refundedFen', 'pendingRefundFen', 'openRefundNo', 'refundCount', 'transactionId', 'paidAt', 'createdAt', 'updatedAt'], orders);
    await db.insert('Refund', ['id', 'refundNo', 'orderId', 'status', 'amountFen', 'reason', 'source', 'attempts', 'queries', 'acceptedAt', 'refundedAt', 'statusAt', 'createdAt', 'updatedAt'], refunds);
    onProgress?.(Math.min(shape.refunds, from + CHUNK));
  }
  return samples;
}
