// What a refund's move does to its order's money: a pure function, so every rule about refundedFen,
// pendingRefundFen, the one open refund and WeChat's 50-refund count lives in one place (docs/lifecycle.md).
import { isOpen, type RefundStatus } from '../lifecycle/refunds.ts';
import { paidOrderStatus } from '../lifecycle/orders.ts';
import { MAX_REFUNDS_PER_ORDER } from './rules.ts';

/** The order columns a refund's move may change (and the compare-and-set checks). */
export interface OrderMoney {
  status: string;
  totalFen: number;
  refundedFen: number;
  pendingRefundFen: number;
  openRefundNo: string | null;
  refundCount: number;
}

export interface RefundMove {
  refundNo: string;
  amountFen: number;
  /** null: the refund is born by this move */
  from: RefundStatus | null;
  to: RefundStatus;
}

/** The order after the move, or an explanation of why the move cannot be applied to this order. */
export function orderAfterMove(o: OrderMoney, m: RefundMove): OrderMoney | { refused: string } {
  let { refundedFen, pendingRefundFen, openRefundNo, refundCount } = o;
  const wasOpen = m.from !== null && isOpen(m.from);
  const nowOpen = isOpen(m.to);
  if (m.from === null) {
    // WeChat counts every refund it received; our count must never stop us recording one WeChat made
    refundCount = nowOpen ? refundCount + 1 : Math.min(refundCount + 1, MAX_REFUNDS_PER_ORDER);
  }
  if (nowOpen && !wasOpen) {
    if (openRefundNo !== null) return { refused: `refund ${openRefundNo} of this order is still open` };
    openRefundNo = m.refundNo;
    pendingRefundFen += m.amountFen;
  }
  const ours = openRefundNo === m.refundNo;
  if (ours && !nowOpen) {
    pendingRefundFen -= m.amountFen;
    openRefundNo = null;
  }
  if (m.to === 'REFUNDED') refundedFen += m.amountFen;
  // a request withdrawn before WeChat saw it gives its place among the 50 back
  if (m.from !== null && (m.to === 'REJECTED' || m.to === 'CANCELLED')) refundCount -= 1;
  if (refundedFen > o.totalFen) return { refused: `${refundedFen} fen refunded would be more than the ${o.totalFen} paid` };
  // a new request may not ask for more than is left; a refund made on the merchant platform may still
  // leave less than an open request asks for (WeChat then refuses that request)
  if (nowOpen && !wasOpen && refundedFen + pendingRefundFen > o.totalFen) {
    return { refused: `${o.totalFen - o.refundedFen - o.pendingRefundFen} fen are left to refund` };
  }
  const status = ours
    ? paidOrderStatus(o.totalFen, refundedFen, nowOpen ? m.to : null)
    : openRefundNo
      ? o.status // another refund is open: the order keeps showing that one
      : paidOrderStatus(o.totalFen, refundedFen, null);
  return { status, totalFen: o.totalFen, refundedFen, pendingRefundFen, openRefundNo, refundCount };
}
