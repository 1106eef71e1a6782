// generated from server/lifecycle/{refunds,orders,shipping}.ts by npm run gen:lifecycle; do not edit.
// The lifecycle's types without values, for miniprogram/api/types.ts (the tests' root tsconfig reads it and
// rejects value exports from CommonJS files); the values are in ./lifecycle.generated.ts.

export type RefundStatus = 'REQUESTED' | 'AWAITING_RETURN' | 'RETURN_SHIPPED' | 'APPROVED' | 'REFUNDING' | 'REFUNDED' | 'REJECTED' | 'CANCELLED' | 'FAILED';

/** Every move: from × action → to, and who may take it; `from: null` is the birth of a refund. */
export type RefundTransition =
  | { from: null; action: 'request'; to: 'REQUESTED'; by: 'buyer' }
  | { from: null; action: 'record_external'; to: 'REFUNDED'; by: 'wechat' }
  | { from: 'REQUESTED'; action: 'approve'; to: 'APPROVED'; by: 'admin'; type: 'REFUND_ONLY' }
  | { from: 'REQUESTED'; action: 'approve'; to: 'AWAITING_RETURN'; by: 'admin'; type: 'RETURN_AND_REFUND' }
  | { from: 'REQUESTED'; action: 'auto_approve'; to: 'APPROVED'; by: 'system'; type: 'REFUND_ONLY' }
  | { from: 'REQUESTED'; action: 'reject'; to: 'REJECTED'; by: 'admin' }
  | { from: 'REQUESTED'; action: 'cancel'; to: 'CANCELLED'; by: 'buyer' }
  | { from: 'AWAITING_RETURN'; action: 'return'; to: 'RETURN_SHIPPED'; by: 'buyer'; type: 'RETURN_AND_REFUND' }
  | { from: 'AWAITING_RETURN'; action: 'cancel'; to: 'CANCELLED'; by: 'buyer'; type: 'RETURN_AND_REFUND' }
  | { from: 'AWAITING_RETURN'; action: 'return_timeout'; to: 'CANCELLED'; by: 'system'; type: 'RETURN_AND_REFUND' }
  | { from: 'RETURN_SHIPPED'; action: 'receive'; to: 'APPROVED'; by: 'admin'; type: 'RETURN_AND_REFUND' }
  | { from: 'RETURN_SHIPPED'; action: 'refuse'; to: 'REJECTED'; by: 'admin'; type: 'RETURN_AND_REFUND' }
  | { from: 'RETURN_SHIPPED'; action: 'auto_receive'; to: 'APPROVED'; by: 'system'; type: 'RETURN_AND_REFUND' }
  | { from: 'APPROVED'; action: 'dispatch'; to: 'REFUNDING'; by: 'system' }
  | { from: 'REFUNDING'; action: 'succeed'; to: 'REFUNDED'; by: 'wechat' }
  | { from: 'REFUNDING'; action: 'fail'; to: 'FAILED'; by: 'wechat' }
  | { from: 'FAILED'; action: 'retry'; to: 'APPROVED'; by: 'admin' }
  | { from: 'FAILED'; action: 'settle_abnormal'; to: 'REFUNDING'; by: 'admin' }
  | { from: 'FAILED'; action: 'succeed'; to: 'REFUNDED'; by: 'wechat' }
  | { from: 'APPROVED'; action: 'succeed'; to: 'REFUNDED'; by: 'wechat' };
export type RefundAction = RefundTransition['action'];
export type Role = RefundTransition['by'];
export type RefundType = 'REFUND_ONLY' | 'RETURN_AND_REFUND';

export type OrderStatus =
  | 'UNPAID'
  | 'CLOSED'
  | 'PAID'
  | 'REFUND_REQUESTED'
  | 'REFUND_AWAITING_RETURN'
  | 'REFUND_RETURN_SHIPPED'
  | 'REFUND_APPROVED'
  | 'REFUNDING'
  | 'REFUND_FAILED'
  | 'PARTIALLY_REFUNDED'
  | 'REFUNDED';

export type ShippingStatus = 'UNSHIPPED' | 'SHIPPED' | 'RECEIVED';
export type ShippingAction = 'ship' | 'receive' | 'auto_receive';
