// An order's status, derived from its payment and its refunds (docs/lifecycle.md "Orders").
import { ORDER_STATUS_FOR_OPEN_REFUND, type RefundStatus } from './refunds.ts';

export const ORDER_STATUSES = [
  'UNPAID',
  'CLOSED',
  'PAID',
  'REFUND_REQUESTED',
  'REFUND_AWAITING_RETURN',
  'REFUND_RETURN_SHIPPED',
  'REFUND_APPROVED',
  'REFUNDING',
  'REFUND_FAILED',
  'PARTIALLY_REFUNDED',
  'REFUNDED',
] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

/** The status of a paid order: the open refund's while there is one, else by how much was refunded. */
export function paidOrderStatus(totalFen: number, refundedFen: number, openRefund: RefundStatus | null): OrderStatus {
  if (openRefund) return ORDER_STATUS_FOR_OPEN_REFUND[openRefund] as OrderStatus;
  if (refundedFen === 0) return 'PAID';
  return refundedFen >= totalFen ? 'REFUNDED' : 'PARTIALLY_REFUNDED';
}

export function isPaidStatus(status: string): boolean {
  return status !== 'UNPAID' && status !== 'CLOSED';
}
