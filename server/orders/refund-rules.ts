// The rules a new refund request must pass (api-contract.md): checked here for a clear answer, and again by
// the compare-and-set in refunds/service.ts and the database's constraints for concurrent requests.
import { AppError } from '../http/errors.ts';
import { isPaidStatus } from './status.ts';

export const MAX_REFUNDS_PER_ORDER = 50; // WeChat Pay's own limit per order
export const REFUND_WINDOW_MS = 365 * 24 * 3600_000; // WeChat refuses refunds a year after payment

interface OrderMoney {
  status: string;
  totalFen: number;
  refundedFen: number;
  pendingRefundFen: number;
  openRefundNo: string | null;
  refundCount: number;
  paidAt: Date | null;
}

/** The error a request for `amountFen` would get now, or null when it may go ahead. */
export function refundBlocker(o: OrderMoney, amountFen: number, now = new Date()): AppError | null {
  if (!o.paidAt || !isPaidStatus(o.status)) {
    return new AppError('INVALID_STATE', 'Only a paid order can be refunded.');
  }
  if (o.openRefundNo) {
    return new AppError('REFUND_IN_PROGRESS', `Refund ${o.openRefundNo} of this order is still open; wait for it to finish.`);
  }
  if (o.refundCount >= MAX_REFUNDS_PER_ORDER) {
    return new AppError('REFUND_LIMIT_REACHED', `An order can have at most ${MAX_REFUNDS_PER_ORDER} refunds.`);
  }
  if (now.getTime() - o.paidAt.getTime() > REFUND_WINDOW_MS) {
    return new AppError('REFUND_WINDOW_EXPIRED', 'Refunds can be requested up to 365 days after payment.');
  }
  const refundable = o.totalFen - o.refundedFen - o.pendingRefundFen;
  if (amountFen > refundable) {
    return new AppError(
      'REFUND_AMOUNT_EXCEEDS',
      refundable > 0
        ? `amountFen may be at most ${refundable}: what is paid and not yet refunded.`
        : 'This order has nothing left to refund.',
    );
  }
  return null;
}
