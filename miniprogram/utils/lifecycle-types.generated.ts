// generated from server/lifecycle/{refunds,orders,shipping}.ts by npm run gen:lifecycle; do not edit.
// The lifecycle's types without values, for miniprogram/api/types.ts (the tests' root tsconfig reads it and
// rejects value exports from CommonJS files); the values are in ./lifecycle.generated.ts.

export type RefundStatus = 'REQUESTED' | 'APPROVED' | 'REFUNDING' | 'REFUNDED' | 'REJECTED' | 'CANCELLED' | 'FAILED';

/** Every move: from × action → to, and who may take it; `from: null` is the birth of a refund. */
export type RefundTransition =
  | { from: null; action: 'request'; to: 'REQUESTED'; by: 'buyer' }
  | { from: null; action: 'record_external'; to: 'REFUNDED'; by: 'wechat' }
  | { from: 'REQUESTED'; action: 'approve'; to: 'APPROVED'; by: 'admin' }
  | { from: 'REQUESTED'; action: 'reject'; to: 'REJECTED'; by: 'admin' }
  | { from: 'REQUESTED'; action: 'cancel'; to: 'CANCELLED'; by: 'buyer' }
  | { from: 'APPROVED'; action: 'dispatch'; to: 'REFUNDING'; by: 'system' }
  | { from: 'REFUNDING'; action: 'succeed'; to: 'REFUNDED'; by: 'wechat' }
  | { from: 'REFUNDING'; action: 'fail'; to: 'FAILED'; by: 'wechat' }
  | { from: 'FAILED'; action: 'retry'; to: 'APPROVED'; by: 'admin' }
  | { from: 'FAILED'; action: 'succeed'; to: 'REFUNDED'; by: 'wechat' }
  | { from: 'APPROVED'; action: 'succeed'; to: 'REFUNDED'; by: 'wechat' };
export type RefundAction = RefundTransition['action'];
export type Role = RefundTransition['by'];

export type OrderStatus =
  | 'UNPAID'
  | 'CLOSED'
  | 'PAID'
  | 'REFUND_REQUESTED'
  | 'REFUND_APPROVED'
  | 'REFUNDING'
  | 'REFUND_FAILED'
  | 'PARTIALLY_REFUNDED'
  | 'REFUNDED';

export type ShippingStatus = 'UNSHIPPED' | 'SHIPPED' | 'RECEIVED';
export type ShippingAction = 'ship' | 'receive' | 'auto_receive';
