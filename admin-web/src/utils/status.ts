// How refund and order statuses look (label keys, tag colours), and which ones are still moving. The statuses
// themselves come from the server's table: a status added there fails this file's type check until it has a label.
import type { OrderStatus, RefundStatus, RefundType, ShippingAction, ShippingStatus, WechatShippingStatus } from '../api/types';
import { OPEN_STATUSES, REFUND_STATUSES, TRANSITIONS } from '../generated/lifecycle';
import type { MessageKey } from '../i18n/messages';

export type TagType = 'primary' | 'success' | 'info' | 'warning' | 'danger';

export const REFUND_STATUS_VIEW: Record<RefundStatus, { label: MessageKey; tag: TagType }> = {
  REQUESTED: { label: 'refundStatus.REQUESTED', tag: 'warning' },
  AWAITING_RETURN: { label: 'refundStatus.AWAITING_RETURN', tag: 'warning' },
  RETURN_SHIPPED: { label: 'refundStatus.RETURN_SHIPPED', tag: 'warning' },
  APPROVED: { label: 'refundStatus.APPROVED', tag: 'primary' },
  REFUNDING: { label: 'refundStatus.REFUNDING', tag: 'primary' },
  REFUNDED: { label: 'refundStatus.REFUNDED', tag: 'success' },
  REJECTED: { label: 'refundStatus.REJECTED', tag: 'info' },
  CANCELLED: { label: 'refundStatus.CANCELLED', tag: 'info' },
  FAILED: { label: 'refundStatus.FAILED', tag: 'danger' },
};

export const REFUND_TYPE_LABEL: Record<RefundType, MessageKey> = {
  REFUND_ONLY: 'refundType.REFUND_ONLY',
  RETURN_AND_REFUND: 'refundType.RETURN_AND_REFUND',
};

/** Statuses in which the refund waits on the merchant, i.e. a move out of them is theirs (the queue's orange counts). */
export const WAITS_ON_MERCHANT: ReadonlySet<RefundStatus> = new Set(
  REFUND_STATUSES.filter((status) => TRANSITIONS.some((t) => t.from === status && t.by === 'admin')),
);

export const ORDER_STATUS_VIEW: Record<OrderStatus, { label: MessageKey; tag: TagType }> = {
  UNPAID: { label: 'orderStatus.UNPAID', tag: 'info' },
  CLOSED: { label: 'orderStatus.CLOSED', tag: 'info' },
  PAID: { label: 'orderStatus.PAID', tag: 'success' },
  REFUND_REQUESTED: { label: 'orderStatus.REFUND_REQUESTED', tag: 'warning' },
  REFUND_AWAITING_RETURN: { label: 'orderStatus.REFUND_AWAITING_RETURN', tag: 'warning' },
  REFUND_RETURN_SHIPPED: { label: 'orderStatus.REFUND_RETURN_SHIPPED', tag: 'warning' },
  REFUND_APPROVED: { label: 'orderStatus.REFUND_APPROVED', tag: 'primary' },
  REFUNDING: { label: 'orderStatus.REFUNDING', tag: 'primary' },
  REFUND_FAILED: { label: 'orderStatus.REFUND_FAILED', tag: 'danger' },
  PARTIALLY_REFUNDED: { label: 'orderStatus.PARTIALLY_REFUNDED', tag: 'success' },
  REFUNDED: { label: 'orderStatus.REFUNDED', tag: 'success' },
};

/**
 * Refunds the system is still carrying to WeChat: every move out of them is the dispatcher's or WeChat's, none
 * a person's. The page polls while one of these is shown.
 */
export const IN_FLIGHT: ReadonlySet<RefundStatus> = new Set(
  REFUND_STATUSES.filter((status) => {
    const moves = TRANSITIONS.filter((t) => t.from === status);
    return moves.length > 0 && moves.every((t) => t.by === 'system' || t.by === 'wechat');
  }),
);

export function isInFlight(status: RefundStatus): boolean {
  return IN_FLIGHT.has(status);
}

/**
 * The queue's tabs, in the order a merchant works through them: the open statuses (someone still has to act),
 * then the terminal ones, each in the table's order; '' is "all".
 */
export const QUEUE_TABS: ReadonlyArray<RefundStatus | ''> = [
  ...REFUND_STATUSES.filter((status) => OPEN_STATUSES.includes(status)),
  ...REFUND_STATUSES.filter((status) => !OPEN_STATUSES.includes(status)),
  '',
];

export const SHIPPING_STATUS_VIEW: Record<ShippingStatus, { label: MessageKey; tag: TagType }> = {
  UNSHIPPED: { label: 'shippingStatus.UNSHIPPED', tag: 'warning' },
  SHIPPED: { label: 'shippingStatus.SHIPPED', tag: 'primary' },
  RECEIVED: { label: 'shippingStatus.RECEIVED', tag: 'info' }, // done: calm, unlike the green of 已发货
};

export const SHIPPING_ACTION_LABEL: Record<ShippingAction, MessageKey> = {
  ship: 'shippingAction.ship',
  receive: 'shippingAction.receive',
  auto_receive: 'shippingAction.auto_receive',
};

export const WECHAT_SHIPPING_VIEW: Record<WechatShippingStatus, { label: MessageKey; tag: TagType }> = {
  PENDING: { label: 'wechatShipping.PENDING', tag: 'warning' },
  UPLOADED: { label: 'wechatShipping.UPLOADED', tag: 'success' },
  FAILED: { label: 'wechatShipping.FAILED', tag: 'danger' },
};
