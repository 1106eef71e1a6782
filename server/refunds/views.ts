// The refund as the API shows it (docs/api-shapes.md), with the actions the viewer may take now.
import { actionsFor, type RefundStatus, type Role } from '../lifecycle/refunds.ts';

export interface RefundRecord {
  refundNo: string;
  status: string;
  amountFen: number;
  reason: string;
  rejectReason: string | null;
  failCode: string | null;
  failReason: string | null;
  source: string;
  createdAt: Date;
  updatedAt: Date;
  order: { orderNo: string };
}

export const REFUND_WITH_ORDER_NO = { order: { select: { orderNo: true } } } as const;

export function refundView(r: RefundRecord, viewer: Role) {
  return {
    refundNo: r.refundNo,
    orderNo: r.order.orderNo,
    status: r.status,
    amountFen: r.amountFen,
    reason: r.reason,
    rejectReason: r.rejectReason,
    failReason: r.failReason,
    failCode: r.failCode,
    source: r.source,
    actions: actionsFor(r.status as RefundStatus, viewer),
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
  };
}
export type RefundView = ReturnType<typeof refundView>;
