// The merchant's order list and one order, with its refunds, buyer, shipment and its upload to WeChat.
import { readSnapshot, type Db } from '../db/client.ts';
import { notFound } from '../errors.ts';
import { shippingCause } from '../orders/shipping-upload.ts';
import { ORDER_FULL, orderView } from '../orders/views.ts';
import { outboxStates } from '../outbox/outbox.ts';
import type { StaffViewer } from '../lifecycle/refunds.ts';
import { eventView } from './event-view.ts';

/**
 * A number typed into the search box: its prefix, or exactly it when it holds `_`, which LIKE (behind
 * Prisma's startsWith) would take as a wildcard. Our own numbers never contain `_`; WeChat's may.
 */
function numberMatch(q: string): { startsWith: string } | { equals: string } {
  return q.includes('_') ? { equals: q } : { startsWith: q };
}

export async function listOrders(db: Db, f: { status?: string; shippingStatus?: string; q?: string; page: number; pageSize: number }, viewer: StaffViewer) {
  const where = {
    ...(f.status ? { status: f.status } : {}),
    ...(f.shippingStatus ? { shippingStatus: f.shippingStatus } : {}),
    ...(f.q ? { orderNo: numberMatch(f.q) } : {}),
  };
  const { rows, total, uploads } = await readSnapshot(db, async (tx) => {
    const [rows, total] = await Promise.all([
      tx.order.findMany({ where, orderBy: { id: 'desc' }, skip: (f.page - 1) * f.pageSize, take: f.pageSize, include: { ...ORDER_FULL, buyer: true } }),
      tx.order.count({ where }),
    ]);
    const shipped = rows.filter((o) => o.shippedAt !== null).map((o) => shippingCause(o.orderNo));
    return { rows, total, uploads: await outboxStates(tx, shipped) };
  });
  return {
    items: rows.map((o) => orderView(o, viewer, { upload: uploads.get(shippingCause(o.orderNo)) ?? null })),
    total,
    page: f.page,
    pageSize: f.pageSize,
  };
}

/** One order for the merchant, with its shipping history. */
export async function orderDetail(db: Db, orderNo: string, viewer: StaffViewer) {
  const found = await readSnapshot(db, async (tx) => {
    const o = await tx.order.findUnique({ where: { orderNo }, include: { ...ORDER_FULL, buyer: true, events: { orderBy: { id: 'asc' } } } });
    return o ? { o, uploads: await outboxStates(tx, [shippingCause(orderNo)]) } : null;
  });
  if (!found) throw notFound(`Order ${orderNo}`);
  const { o, uploads } = found;
  return { ...orderView(o, viewer, { upload: uploads.get(shippingCause(orderNo)) ?? null }), events: o.events.map(eventView) };
}
