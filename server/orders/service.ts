// Orders: placing them (stock taken by compare-and-set), reading them, closing unpaid ones (stock given back).
import { readSnapshot, type Db } from '../db/client.ts';
import { DomainError, notFound } from '../errors.ts';
import { newOrderNo } from '../lib/ids.ts';
import { addressToColumn, type Address } from './address.ts';
import { BUYER_TAB_FILTERS, type BuyerTab } from './tabs.ts';
import { ORDER_FULL, orderView, type OrderView } from './views.ts';

export interface OrderLineInput {
  productId: number;
  quantity: number;
}

export async function createOrder(db: Db, buyerId: number, lines: OrderLineInput[], address?: Address): Promise<OrderView> {
  // the same product twice in one order is one line
  const merged = new Map<number, number>();
  for (const l of lines) merged.set(l.productId, (merged.get(l.productId) ?? 0) + l.quantity);
  const order = await db.$transaction(async (tx) => {
    const now = new Date();
    const items: Array<{ productId: number; name: string; priceFen: number; quantity: number }> = [];
    for (const [productId, quantity] of merged) {
      const product = await tx.product.findUnique({ where: { id: productId } });
      if (!product || !product.onSale) throw notFound(`Product ${productId}`);
      const { count } = await tx.product.updateMany({
        where: { id: productId, onSale: true, stock: { gte: quantity } },
        data: { stock: { decrement: quantity }, updatedAt: now },
      });
      if (count === 0) throw new DomainError('OUT_OF_STOCK', `Only ${product.stock} of “${product.name}” are left.`);
      items.push({ productId, name: product.name, priceFen: product.priceFen, quantity });
    }
    const totalFen = items.reduce((sum, i) => sum + i.priceFen * i.quantity, 0);
    if (!Number.isSafeInteger(totalFen) || totalFen > 10_000_000_00) {
      throw new DomainError('VALIDATION_FAILED', 'items: the order total is too large for one payment.');
    }
    return tx.order.create({
      data: {
        orderNo: newOrderNo(now),
        buyerId,
        status: 'UNPAID',
        totalFen,
        address: addressToColumn(address),
        createdAt: now,
        updatedAt: now,
        items: { create: items },
      },
      include: ORDER_FULL,
    });
  });
  return orderView(order, 'buyer');
}

/** The buyer's orders (newest first, one tab or all) and how many are in each tab. */
export async function listBuyerOrders(db: Db, buyerId: number, tab?: BuyerTab): Promise<{ items: OrderView[]; counts: Record<BuyerTab, number> }> {
  const tabs = Object.keys(BUYER_TAB_FILTERS) as BuyerTab[];
  const [rows, ...counts] = await readSnapshot(db, (tx) =>
    Promise.all([
      tx.order.findMany({ where: { buyerId, ...(tab ? BUYER_TAB_FILTERS[tab] : {}) }, include: ORDER_FULL, orderBy: { id: 'desc' }, take: 100 }),
      ...tabs.map((t) => tx.order.count({ where: { buyerId, ...BUYER_TAB_FILTERS[t] } })),
    ]),
  );
  return { items: rows.map((o) => orderView(o, 'buyer')), counts: Object.fromEntries(tabs.map((t, i) => [t, counts[i]])) as Record<BuyerTab, number> };
}

export async function getBuyerOrder(db: Db, buyerId: number, orderNo: string): Promise<OrderView> {
  const o = await readSnapshot(db, (tx) => tx.order.findUnique({ where: { orderNo }, include: ORDER_FULL }));
  // another buyer's order is "not found": its existence is not theirs to learn
  if (!o || o.buyerId !== buyerId) throw notFound(`Order ${orderNo}`);
  return orderView(o, 'buyer');
}

/** Closes an unpaid order and gives its stock back; false when it was paid or closed meanwhile. */
export async function closeUnpaidOrder(db: Db, orderId: number): Promise<boolean> {
  return db.$transaction(async (tx) => {
    const now = new Date();
    const { count } = await tx.order.updateMany({
      where: { id: orderId, status: 'UNPAID', paidAt: null },
      data: { status: 'CLOSED', closedAt: now, updatedAt: now },
    });
    if (count === 0) return false;
    const items = await tx.orderItem.findMany({ where: { orderId } });
    for (const i of items) {
      await tx.product.update({ where: { id: i.productId }, data: { stock: { increment: i.quantity }, updatedAt: now } });
    }
    return true;
  });
}
