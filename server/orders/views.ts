// The order as the API shows it (docs/api-shapes.md): lines, money, its refunds and whether a refund may be asked.
import { refundView, type RefundRecord } from '../refunds/views.ts';
import type { Role } from '../lifecycle/refunds.ts';
import { refundBlocker } from '../refunds/rules.ts';

export interface OrderRecord {
  orderNo: string;
  status: string;
  totalFen: number;
  refundedFen: number;
  pendingRefundFen: number;
  openRefundNo: string | null;
  refundCount: number;
  paidAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
  items: Array<{ productId: number; name: string; priceFen: number; quantity: number }>;
  refunds: Array<Omit<RefundRecord, 'order'>>;
  buyer?: { openid: string };
}

export const ORDER_FULL = {
  items: { orderBy: { id: 'asc' } },
  refunds: { orderBy: { id: 'desc' } },
} as const;

export function orderView(o: OrderRecord, viewer: Role, now = new Date()) {
  return {
    orderNo: o.orderNo,
    status: o.status,
    totalFen: o.totalFen,
    refundedFen: o.refundedFen,
    // a refund made on the merchant platform may leave less than an open request asks for
    refundableFen: o.paidAt ? Math.max(0, o.totalFen - o.refundedFen - o.pendingRefundFen) : 0,
    canRequestRefund: refundBlocker(o, 1, now) === null,
    items: o.items.map((i) => ({
      productId: i.productId,
      name: i.name,
      priceFen: i.priceFen,
      quantity: i.quantity,
      subtotalFen: i.priceFen * i.quantity,
    })),
    refunds: o.refunds.map((r) => refundView({ ...r, order: { orderNo: o.orderNo } }, viewer)),
    createdAt: o.createdAt.toISOString(),
    paidAt: o.paidAt ? o.paidAt.toISOString() : null,
    updatedAt: o.updatedAt.toISOString(),
    ...(viewer === 'admin' && o.buyer ? { buyer: { openid: o.buyer.openid } } : {}),
  };
}
export type OrderView = ReturnType<typeof orderView>;
