// Stock comes back when the goods do: a refund only (仅退款) that completes the refund of a never-shipped
// order, or a return the merchant received that covers the whole order. Exactly once per order: the
// order's stockReturnedAt is a compare-and-set (docs/lifecycle.md).
import type { Tx } from '../db/client.ts';
import type { RefundAction, RefundStatus } from '../lifecycle/refunds.ts';
import type { OrderMoney } from './order-effect.ts';

interface OrderBefore extends OrderMoney {
  shippingStatus: string;
}

/** Does this move put the order's items back in stock? (`after`: the order's money after the move) */
export function restocks(move: { action: RefundAction; to: RefundStatus; amountFen: number }, before: OrderBefore, after: OrderMoney): boolean {
  const wholeOrderRefunded = move.to === 'REFUNDED' && after.refundedFen >= after.totalFen;
  if (wholeOrderRefunded && before.shippingStatus === 'UNSHIPPED') return true;
  // the merchant confirmed the goods are back, and this refund covers everything not refunded yet
  return move.action === 'receive' && move.amountFen >= before.totalFen - before.refundedFen;
}

export async function restockOnce(tx: Tx, orderId: number, now: Date): Promise<boolean> {
  const { count } = await tx.order.updateMany({ where: { id: orderId, stockReturnedAt: null }, data: { stockReturnedAt: now } });
  if (count === 0) return false;
  const items = await tx.orderItem.findMany({ where: { orderId } });
  for (const i of items) {
    await tx.product.update({ where: { id: i.productId }, data: { stock: { increment: i.quantity }, updatedAt: now } });
  }
  return true;
}
