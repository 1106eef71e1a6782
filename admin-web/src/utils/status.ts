// Refund and order statuses declared once: their label keys, tag colours and which ones are still moving.
import type { OrderStatus, RefundStatus } from '../api/types';
import type { MessageKey } from '../i18n/messages';

type TagType = 'primary' | 'success' | 'info' | 'warning' | 'danger';

export const REFUND_STATUS_VIEW: Record<RefundStatus, { label: MessageKey; tag: TagType }> = {
  REQUESTED: { label: 'refundStatus.REQUESTED', tag: 'warning' },
  APPROVED: { label: 'refundStatus.APPROVED', tag: 'primary' },
  REFUNDING: { label: 'refundStatus.REFUNDING', tag: 'primary' },
  REFUNDED: { label: 'refundStatus.REFUNDED', tag: 'success' },
  REJECTED: { label: 'refundStatus.REJECTED', tag: 'info' },
  CANCELLED: { label: 'refundStatus.CANCELLED', tag: 'info' },
  FAILED: { label: 'refundStatus.FAILED', tag: 'danger' },
};

export const ORDER_STATUS_VIEW: Record<OrderStatus, { label: MessageKey; tag: TagType }> = {
  UNPAID: { label: 'orderStatus.UNPAID', tag: 'info' },
  CLOSED: { label: 'orderStatus.CLOSED', tag: 'info' },
  PAID: { label: 'orderStatus.PAID', tag: 'success' },
  REFUND_REQUESTED: { label: 'orderStatus.REFUND_REQUESTED', tag: 'warning' },
  REFUND_APPROVED: { label: 'orderStatus.REFUND_APPROVED', tag: 'primary' },
  REFUNDING: { label: 'orderStatus.REFUNDING', tag: 'primary' },
  REFUND_FAILED: { label: 'orderStatus.REFUND_FAILED', tag: 'danger' },
  PARTIALLY_REFUNDED: { label: 'orderStatus.PARTIALLY_REFUNDED', tag: 'success' },
  REFUNDED: { label: 'orderStatus.REFUNDED', tag: 'success' },
};

/** Refunds the system is still carrying to WeChat: the page polls while one of these is shown. */
export const IN_FLIGHT: ReadonlySet<RefundStatus> = new Set<RefundStatus>(['APPROVED', 'REFUNDING']);

export function isInFlight(status: RefundStatus): boolean {
  return IN_FLIGHT.has(status);
}

/** The queue's tabs, in the order a merchant works through them; '' is "all". */
export const QUEUE_TABS: ReadonlyArray<RefundStatus | ''> = [
  'REQUESTED',
  'APPROVED',
  'REFUNDING',
  'FAILED',
  'REFUNDED',
  'REJECTED',
  'CANCELLED',
  '',
];
