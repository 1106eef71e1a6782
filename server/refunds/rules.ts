// The rules a new refund request must pass (docs/lifecycle.md): checked here for a clear answer, and again by
// the order's compare-and-set in refunds/moves.ts and the database's constraints for concurrent requests.
import { DomainError } from '../errors.ts';
import { isPaidStatus } from '../lifecycle/orders.ts';

export const MAX_REFUNDS_PER_ORDER = 50; // WeChat Pay's own limit per order
export const REFUND_WINDOW_MS = 365 * 24 * 3600_000; // WeChat refuses refunds a year after payment

interface RefundableOrder {
  status: string;
  totalFen: number;
  refundedFen: number;
  pendingRefundFen: number;
  openRefundNo: string | null;
  refundCount: number;
  paidAt: Date | null;
}

/** The error a request for `amountFen` would get now, or null when it may go ahead. */
export function refundBlocker(o: RefundableOrder, amountFen: number, now = new Date()): DomainError | null {
  if (!o.paidAt || !isPaidStatus(o.status)) {
    return new DomainError('INVALID_STATE', 'Only a paid order can be refunded.');
  }
  if (o.openRefundNo) {
    return new DomainError('REFUND_IN_PROGRESS', `Refund ${o.openRefundNo} of this order is still open; wait for it to finish.`);
  }
  if (o.refundCount >= MAX_REFUNDS_PER_ORDER) {
    return new DomainError('REFUND_LIMIT_REACHED', `An order can have at most ${MAX_REFUNDS_PER_ORDER} refunds.`);
  }
  if (now.getTime() - o.paidAt.getTime() > REFUND_WINDOW_MS) {
    return new DomainError('REFUND_WINDOW_EXPIRED', 'Refunds can be requested up to 365 days after payment.');
  }
  const refundable = o.totalFen - o.refundedFen - o.pendingRefundFen;
  if (amountFen > refundable) {
    return new DomainError(
      'REFUND_AMOUNT_EXCEEDS',
      refundable > 0
        ? `amountFen may be at most ${refundable}: what is paid and not yet refunded.`
        : 'This order has nothing left to refund.',
    );
  }
  return null;
}
