// The merchant's order list and one order, with its refunds and buyer.
import { readSnapshot, type Db } from '../db/client.ts';
import { notFound } from '../errors.ts';
import { ORDER_FULL, orderView } from '../orders/views.ts';

/**
 * A number typed into the search box: its prefix, or exactly it when it holds `_`, which LIKE (behind
 * Prisma's startsWith) would take as a wildcard. Our own numbers never contain `_`; WeChat's may.
 */
function numberMatch(q: string): { startsWith: string } | { equals: string } {
  return q.includes('_') ? { equals: q } : { startsWith: q };
}

export async function listOrders(db: Db, f: { status?: string; q?: string; page: number; pageSize: number }) {
  const where = {
    ...(f.status ? { status: f.status } : {}),
    ...(f.q ? { orderNo: numberMatch(f.q) } : {}),
  };
  const [rows, total] = await readSnapshot(db, (tx) =>
    Promise.all([
      tx.order.findMany({ where, orderBy: { id: 'desc' }, skip: (f.page - 1) * f.pageSize, take: f.pageSize, include: { ...ORDER_FULL, buyer: true } }),
      tx.order.count({ where }),
    ]),
  );
  return { items: rows.map((o) => orderView(o, 'admin')), total, page: f.page, pageSize: f.pageSize };
}

export async function orderDetail(db: Db, orderNo: string) {
  const o = await readSnapshot(db, (tx) => tx.order.findUnique({ where: { orderNo }, include: { ...ORDER_FULL, buyer: true } }));
  if (!o) throw notFound(`Order ${orderNo}`);
  return orderView(o, 'admin');
}
