// generated from server/lifecycle/{refunds,orders,shipping}.ts by npm run gen:lifecycle; do not edit.
// The refund and order lifecycles as the server runs them. Labels and colours stay in the UI (presentation);
// which buttons a refund shows comes from its `actions` in the API answer, not from this table.

export const REFUND_STATUSES = ['REQUESTED', 'AWAITING_RETURN', 'RETURN_SHIPPED', 'APPROVED', 'REFUNDING', 'REFUNDED', 'REJECTED', 'CANCELLED', 'FAILED'] as const;
export type RefundStatus = (typeof REFUND_STATUSES)[number];

/** A refund in one of these blocks another request on its order. */
export const OPEN_STATUSES: readonly RefundStatus[] = ['REQUESTED', 'AWAITING_RETURN', 'RETURN_SHIPPED', 'APPROVED', 'REFUNDING', 'FAILED'];
/** A refund never leaves these. */
export const TERMINAL_STATUSES: readonly RefundStatus[] = ['REFUNDED', 'REJECTED', 'CANCELLED'];

/** Every move: from × action → to, and who may take it; `from: null` is the birth of a refund. */
export const TRANSITIONS = [
  { from: null, action: 'request', to: 'REQUESTED', by: 'buyer' },
  { from: null, action: 'record_external', to: 'REFUNDED', by: 'wechat' },
  { from: 'REQUESTED', action: 'approve', to: 'APPROVED', by: 'admin', type: 'REFUND_ONLY' },
  { from: 'REQUESTED', action: 'approve', to: 'AWAITING_RETURN', by: 'admin', type: 'RETURN_AND_REFUND' },
  { from: 'REQUESTED', action: 'auto_approve', to: 'APPROVED', by: 'system', type: 'REFUND_ONLY' },
  { from: 'REQUESTED', action: 'reject', to: 'REJECTED', by: 'admin' },
  { from: 'REQUESTED', action: 'cancel', to: 'CANCELLED', by: 'buyer' },
  { from: 'AWAITING_RETURN', action: 'return', to: 'RETURN_SHIPPED', by: 'buyer', type: 'RETURN_AND_REFUND' },
  { from: 'AWAITING_RETURN', action: 'cancel', to: 'CANCELLED', by: 'buyer', type: 'RETURN_AND_REFUND' },
  { from: 'AWAITING_RETURN', action: 'return_timeout', to: 'CANCELLED', by: 'system', type: 'RETURN_AND_REFUND' },
  { from: 'RETURN_SHIPPED', action: 'receive', to: 'APPROVED', by: 'admin', type: 'RETURN_AND_REFUND' },
  { from: 'RETURN_SHIPPED', action: 'refuse', to: 'REJECTED', by: 'admin', type: 'RETURN_AND_REFUND' },
  { from: 'RETURN_SHIPPED', action: 'auto_receive', to: 'APPROVED', by: 'system', type: 'RETURN_AND_REFUND' },
  { from: 'APPROVED', action: 'dispatch', to: 'REFUNDING', by: 'system' },
  { from: 'REFUNDING', action: 'succeed', to: 'REFUNDED', by: 'wechat' },
  { from: 'REFUNDING', action: 'fail', to: 'FAILED', by: 'wechat' },
  { from: 'FAILED', action: 'retry', to: 'APPROVED', by: 'admin' },
  { from: 'FAILED', action: 'settle_abnormal', to: 'REFUNDING', by: 'admin' },
  { from: 'FAILED', action: 'succeed', to: 'REFUNDED', by: 'wechat' },
  { from: 'APPROVED', action: 'succeed', to: 'REFUNDED', by: 'wechat' },
] as const;
export const REFUND_TYPES = ['REFUND_ONLY', 'RETURN_AND_REFUND'] as const;
export type RefundType = (typeof REFUND_TYPES)[number];

export type RefundTransition = (typeof TRANSITIONS)[number];
export type RefundAction = RefundTransition['action'];
export type Role = RefundTransition['by'];

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

export const SHIPPING_STATUSES = ['UNSHIPPED', 'SHIPPED', 'RECEIVED'] as const;
export type ShippingStatus = (typeof SHIPPING_STATUSES)[number];

/** An order's shipping moves: from × action → to, and who may take them. */
export const SHIPPING_MOVES = [
  { from: 'UNSHIPPED', action: 'ship', to: 'SHIPPED', by: 'admin' },
  { from: 'SHIPPED', action: 'receive', to: 'RECEIVED', by: 'buyer' },
  { from: 'SHIPPED', action: 'auto_receive', to: 'RECEIVED', by: 'system' },
] as const;
export type ShippingAction = (typeof SHIPPING_MOVES)[number]['action'];
