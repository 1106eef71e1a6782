// The refund as the API shows it (docs/api-shapes.md), with the actions the viewer may take now.
import { actionsFor, type RefundAction, type RefundStatus, type RefundType, type Viewer } from '../lifecycle/refunds.ts';
import { overApprovalLimit } from '../lifecycle/staff.ts';
import { carrierName } from '../wechat/carriers.ts';
import { merchantReturnAddress } from './after-sales-config.ts';

export interface RefundRecord {
  refundNo: string;
  status: string;
  type: string;
  amountFen: number;
  reason: string;
  rejectReason: string | null;
  failCode: string | null;
  failReason: string | null;
  source: string;
  images: string | null;
  returnCarrier: string | null;
  returnTrackingNo: string | null;
  returnShippedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
  order: { orderNo: string };
}

export const REFUND_WITH_ORDER_NO = { order: { select: { orderNo: true } } } as const;

/** Statuses in which a return was approved and the buyer needs (or needed) the address to send goods to. */
const RETURN_APPROVED: ReadonlySet<string> = new Set(['AWAITING_RETURN', 'RETURN_SHIPPED', 'APPROVED', 'REFUNDING', 'REFUNDED', 'FAILED']);

/** WeChat's words for "the buyer's card cannot take the money" (v3 ABNORMAL, v2 CHANGE). */
export const ABNORMAL_WORDS: ReadonlySet<string> = new Set(['ABNORMAL', 'CHANGE']);

// whether the protocol in use can send an abnormal refund to the merchant's bank card (APIv3 only); set at start
let abnormalSettleAvailable = false;
export function configureAbnormalSettle(available: boolean): void {
  abnormalSettleAvailable = available;
}

/** May this failed refund be sent to the merchant's bank card (the settle_abnormal move)? */
export function settlesAbnormally(r: { failCode: string | null }): boolean {
  return abnormalSettleAvailable && r.failCode !== null && ABNORMAL_WORDS.has(r.failCode);
}

/**
 * The moves this viewer may take now: the table's, less decisions above a SERVICE person's approval limit,
 * and settle_abnormal only for a refund WeChat reported abnormal when the protocol has the call.
 */
export function refundActions(r: { status: string; type: string; amountFen: number; failCode: string | null }, viewer: Viewer): RefundAction[] {
  let acts = actionsFor(r.status as RefundStatus, viewer, r.type as RefundType);
  if (!settlesAbnormally(r)) acts = acts.filter((a) => a !== 'settle_abnormal');
  if (typeof viewer === 'string' || viewer.approvalLimitFen === undefined) return acts;
  if (!overApprovalLimit(viewer.staffRole, r.amountFen, viewer.approvalLimitFen)) return acts;
  return acts.filter((a) => a !== 'approve' && a !== 'reject');
}

export function refundView(r: RefundRecord, viewer: Viewer) {
  const isReturn = r.type === 'RETURN_AND_REFUND';
  return {
    refundNo: r.refundNo,
    orderNo: r.order.orderNo,
    status: r.status,
    type: r.type,
    amountFen: r.amountFen,
    reason: r.reason,
    rejectReason: r.rejectReason,
    failReason: r.failReason,
    failCode: r.failCode,
    source: r.source,
    images: r.images ? (JSON.parse(r.images) as string[]) : [],
    returnShipment:
      r.returnCarrier && r.returnTrackingNo && r.returnShippedAt
        ? { carrier: r.returnCarrier, carrierName: carrierName(r.returnCarrier) ?? r.returnCarrier, trackingNo: r.returnTrackingNo, shippedAt: r.returnShippedAt.toISOString() }
        : null,
    ...(isReturn && RETURN_APPROVED.has(r.status) ? { returnAddress: merchantReturnAddress() } : {}),
    actions: refundActions(r, viewer),
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
  };
}
export type RefundView = ReturnType<typeof refundView>;
