// Every status label and tag colour the buyer sees, declared once; pages never spell a status in Chinese.
// The statuses come from the server's table: one added there fails the type check until it has a label here.
import type { OrderStatus, OrderTab, RefundStatus, RefundType, ShippingStatus } from '../api/types';

/** Tag colours, matched by `.tag--<tone>` in app.wxss. */
export type Tone = 'warning' | 'primary' | 'success' | 'danger' | 'muted';

export interface StatusLabel {
  text: string;
  tone: Tone;
}

export const ORDER_STATUS: Record<OrderStatus, StatusLabel> = {
  UNPAID: { text: '待付款', tone: 'warning' },
  CLOSED: { text: '已关闭', tone: 'muted' },
  PAID: { text: '已付款', tone: 'success' },
  REFUND_REQUESTED: { text: '退款申请中', tone: 'warning' },
  REFUND_AWAITING_RETURN: { text: '待寄回商品', tone: 'warning' },
  REFUND_RETURN_SHIPPED: { text: '退货寄回中', tone: 'primary' },
  REFUND_APPROVED: { text: '退款已同意', tone: 'primary' },
  REFUNDING: { text: '退款中', tone: 'primary' },
  REFUND_FAILED: { text: '退款失败', tone: 'danger' },
  PARTIALLY_REFUNDED: { text: '部分退款', tone: 'success' },
  REFUNDED: { text: '已退款', tone: 'muted' },
};

export const REFUND_STATUS: Record<RefundStatus, StatusLabel> = {
  REQUESTED: { text: '已申请', tone: 'warning' },
  AWAITING_RETURN: { text: '待寄回', tone: 'warning' },
  RETURN_SHIPPED: { text: '已寄回', tone: 'primary' },
  APPROVED: { text: '已同意', tone: 'primary' },
  REFUNDING: { text: '退款中', tone: 'primary' },
  REFUNDED: { text: '已退款', tone: 'success' },
  REJECTED: { text: '已拒绝', tone: 'danger' },
  CANCELLED: { text: '已取消', tone: 'muted' },
  FAILED: { text: '退款失败', tone: 'danger' },
};

export const REFUND_TYPE: Record<RefundType, string> = {
  REFUND_ONLY: '仅退款',
  RETURN_AND_REFUND: '退货退款',
};

export const SHIPPING_STATUS: Record<ShippingStatus, StatusLabel> = {
  UNSHIPPED: { text: '待发货', tone: 'warning' },
  SHIPPED: { text: '已发货', tone: 'primary' },
  RECEIVED: { text: '已收货', tone: 'success' },
};

export interface OrderTabLabel {
  /** '' is 全部 (no filter). */
  key: OrderTab | '';
  text: string;
}

/** The order list's tabs, in the order every mall shows them. */
export const ORDER_TABS: readonly OrderTabLabel[] = [
  { key: '', text: '全部' },
  { key: 'UNPAID', text: '待付款' },
  { key: 'TO_SHIP', text: '待发货' },
  { key: 'TO_RECEIVE', text: '待收货' },
  { key: 'DONE', text: '已完成' },
  { key: 'AFTER_SALES', text: '售后' },
];

// A status this build does not know yet (the server grew one) still gets a readable tag.
const UNKNOWN: StatusLabel = { text: '处理中', tone: 'muted' };

/** table[key] for the table's own keys only: a status string from the network never reaches Object.prototype. */
export function lookup<T>(table: Record<string, T>, key: string): T | undefined {
  return Object.prototype.hasOwnProperty.call(table, key) ? table[key] : undefined;
}

export function orderStatusLabel(status: string): StatusLabel {
  return lookup<StatusLabel>(ORDER_STATUS, status) ?? UNKNOWN;
}

export function refundStatusLabel(status: string): StatusLabel {
  return lookup<StatusLabel>(REFUND_STATUS, status) ?? UNKNOWN;
}

export function shippingStatusLabel(status: string): StatusLabel {
  return lookup<StatusLabel>(SHIPPING_STATUS, status) ?? UNKNOWN;
}

export function refundTypeLabel(type: string): string {
  return lookup(REFUND_TYPE, type) ?? '退款';
}
