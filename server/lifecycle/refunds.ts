// THE refund lifecycle as data: status × action → next status, and who may take the action.
// Imports nothing: scripts/gen-lifecycle.ts ships it to the admin web and the mini-program (docs/lifecycle.md).

export const REFUND_STATUSES = ['REQUESTED', 'APPROVED', 'REFUNDING', 'REFUNDED', 'REJECTED', 'CANCELLED', 'FAILED'] as const;
export type RefundStatus = (typeof REFUND_STATUSES)[number];

/** A refund in one of these blocks another request on its order: one open refund at a time. */
export const OPEN_STATUSES: readonly RefundStatus[] = ['REQUESTED', 'APPROVED', 'REFUNDING', 'FAILED'];
export const TERMINAL_STATUSES: readonly RefundStatus[] = ['REFUNDED', 'REJECTED', 'CANCELLED'];

export type Role = 'buyer' | 'admin' | 'system' | 'wechat';
export type RefundAction = 'request' | 'record_external' | 'approve' | 'reject' | 'cancel' | 'dispatch' | 'succeed' | 'fail' | 'retry';

export interface Transition {
  from: RefundStatus | null; // null: the refund is born
  action: RefundAction;
  to: RefundStatus;
  by: Role;
}

export const TRANSITIONS: readonly Transition[] = [
  { from: null, action: 'request', to: 'REQUESTED', by: 'buyer' },
  // a refund the merchant made on WeChat's platform, learned from WeChat's notification
  { from: null, action: 'record_external', to: 'REFUNDED', by: 'wechat' },
  { from: 'REQUESTED', action: 'approve', to: 'APPROVED', by: 'admin' },
  { from: 'REQUESTED', action: 'reject', to: 'REJECTED', by: 'admin' },
  { from: 'REQUESTED', action: 'cancel', to: 'CANCELLED', by: 'buyer' },
  // the dispatcher fixes REFUNDING before it calls WeChat (persist intent, then call out)
  { from: 'APPROVED', action: 'dispatch', to: 'REFUNDING', by: 'system' },
  { from: 'REFUNDING', action: 'succeed', to: 'REFUNDED', by: 'wechat' },
  { from: 'REFUNDING', action: 'fail', to: 'FAILED', by: 'wechat' },
  { from: 'FAILED', action: 'retry', to: 'APPROVED', by: 'admin' },
  // WeChat's word that money left wins over our own record of a failure or of a retry not yet sent
  { from: 'FAILED', action: 'succeed', to: 'REFUNDED', by: 'wechat' },
  { from: 'APPROVED', action: 'succeed', to: 'REFUNDED', by: 'wechat' },
];

export function findTransition(from: RefundStatus | null, action: RefundAction): Transition | undefined {
  return TRANSITIONS.find((t) => t.from === from && t.action === action);
}

/** Where an action always leads (every row of the table with it has the same `to`). */
export function targetOf(action: RefundAction): RefundStatus {
  const targets = new Set(TRANSITIONS.filter((t) => t.action === action).map((t) => t.to));
  if (targets.size !== 1) throw new Error(`action ${action} leads to ${targets.size} statuses`);
  return [...targets][0];
}

/** The actions a role may take on a refund in this status: what the UIs render as buttons. */
export function actionsFor(status: RefundStatus, role: Role): RefundAction[] {
  return TRANSITIONS.filter((t) => t.from === status && t.by === role).map((t) => t.action);
}

export function isOpen(status: RefundStatus): boolean {
  return OPEN_STATUSES.includes(status);
}

/** What an order shows while one of its refunds is open. */
export const ORDER_STATUS_FOR_OPEN_REFUND: Record<string, string> = {
  REQUESTED: 'REFUND_REQUESTED',
  APPROVED: 'REFUND_APPROVED',
  REFUNDING: 'REFUNDING',
  FAILED: 'REFUND_FAILED',
};
