// THE refund lifecycle as data: status × action → next status, and who may take the action.
// Imports only its sibling staff.ts: scripts/gen-lifecycle.ts ships it to the admin web and the mini-program (docs/lifecycle.md).

export const REFUND_STATUSES = [
  'REQUESTED',
  'AWAITING_RETURN',
  'RETURN_SHIPPED',
  'APPROVED',
  'REFUNDING',
  'REFUNDED',
  'REJECTED',
  'CANCELLED',
  'FAILED',
] as const;
export type RefundStatus = (typeof REFUND_STATUSES)[number];

/** 仅退款: money only. 退货退款: the goods come back first (only once the order was shipped). */
export const REFUND_TYPES = ['REFUND_ONLY', 'RETURN_AND_REFUND'] as const;
export type RefundType = (typeof REFUND_TYPES)[number];

/** A refund in one of these blocks another request on its order: one open refund at a time. */
export const OPEN_STATUSES: readonly RefundStatus[] = ['REQUESTED', 'AWAITING_RETURN', 'RETURN_SHIPPED', 'APPROVED', 'REFUNDING', 'FAILED'];
export const TERMINAL_STATUSES: readonly RefundStatus[] = ['REFUNDED', 'REJECTED', 'CANCELLED'];

import { DECIDES_REFUNDS, HANDLES_GOODS, HANDLES_MONEY, type StaffRole } from './staff.ts';

/** Who acts: the buyer, the merchant's people (`admin`, with their staff role), the server, WeChat Pay. */
export type Role = 'buyer' | 'admin' | 'system' | 'wechat';

/** Who is looking, for `actions`: a role, or one of the merchant's people with their staff role. */
export type Viewer = Exclude<Role, 'admin'> | StaffViewer;

/** One of the merchant's people; for SERVICE, the approval limit hides decisions above it from `actions`. */
export interface StaffViewer {
  role: 'admin';
  staffRole: StaffRole;
  approvalLimitFen?: number;
}
export type RefundAction =
  | 'request'
  | 'record_external'
  | 'approve'
  | 'auto_approve'
  | 'reject'
  | 'cancel'
  | 'return'
  | 'return_timeout'
  | 'receive'
  | 'refuse'
  | 'auto_receive'
  | 'dispatch'
  | 'succeed'
  | 'fail'
  | 'retry'
  | 'settle_abnormal';

export interface Transition {
  from: RefundStatus | null; // null: the refund is born
  action: RefundAction;
  to: RefundStatus;
  by: Role;
  /** For the merchant's moves: which of their people's roles may take it. */
  staff?: readonly StaffRole[];
  /** Only for refunds of this type; absent: for both. */
  type?: RefundType;
}

export const TRANSITIONS: readonly Transition[] = [
  { from: null, action: 'request', to: 'REQUESTED', by: 'buyer' },
  // a refund the merchant made on WeChat's platform, learned from WeChat's notification
  { from: null, action: 'record_external', to: 'REFUNDED', by: 'wechat' },
  { from: 'REQUESTED', action: 'approve', to: 'APPROVED', by: 'admin', staff: DECIDES_REFUNDS, type: 'REFUND_ONLY' },
  // a return is approved first; the money follows once the goods are back
  { from: 'REQUESTED', action: 'approve', to: 'AWAITING_RETURN', by: 'admin', staff: DECIDES_REFUNDS, type: 'RETURN_AND_REFUND' },
  // REFUND_AUTO_APPROVE_S after the request, on an order not yet shipped (the job checks that)
  { from: 'REQUESTED', action: 'auto_approve', to: 'APPROVED', by: 'system', type: 'REFUND_ONLY' },
  { from: 'REQUESTED', action: 'reject', to: 'REJECTED', by: 'admin', staff: DECIDES_REFUNDS },
  { from: 'REQUESTED', action: 'cancel', to: 'CANCELLED', by: 'buyer' },
  { from: 'AWAITING_RETURN', action: 'return', to: 'RETURN_SHIPPED', by: 'buyer', type: 'RETURN_AND_REFUND' },
  { from: 'AWAITING_RETURN', action: 'cancel', to: 'CANCELLED', by: 'buyer', type: 'RETURN_AND_REFUND' },
  // RETURN_SHIP_WITHIN_S after approval with no tracking number from the buyer
  { from: 'AWAITING_RETURN', action: 'return_timeout', to: 'CANCELLED', by: 'system', type: 'RETURN_AND_REFUND' },
  { from: 'RETURN_SHIPPED', action: 'receive', to: 'APPROVED', by: 'admin', staff: HANDLES_GOODS, type: 'RETURN_AND_REFUND' },
  { from: 'RETURN_SHIPPED', action: 'refuse', to: 'REJECTED', by: 'admin', staff: HANDLES_GOODS, type: 'RETURN_AND_REFUND' },
  // RETURN_RECEIVE_WITHIN_S after the buyer shipped, neither received nor refused: the refund goes ahead
  { from: 'RETURN_SHIPPED', action: 'auto_receive', to: 'APPROVED', by: 'system', type: 'RETURN_AND_REFUND' },
  // the dispatcher fixes REFUNDING before it calls WeChat (persist intent, then call out)
  { from: 'APPROVED', action: 'dispatch', to: 'REFUNDING', by: 'system' },
  { from: 'REFUNDING', action: 'succeed', to: 'REFUNDED', by: 'wechat' },
  { from: 'REFUNDING', action: 'fail', to: 'FAILED', by: 'wechat' },
  { from: 'FAILED', action: 'retry', to: 'APPROVED', by: 'admin', staff: HANDLES_MONEY },
  // an ABNORMAL refund (the buyer's card cannot take it) sent to the merchant's bank card instead (APIv3
  // apply-abnormal-refund); WeChat's answer then settles it like any other (the refund views offer it only then)
  { from: 'FAILED', action: 'settle_abnormal', to: 'REFUNDING', by: 'admin', staff: HANDLES_MONEY },
  // WeChat's word that money left wins over our own record of a failure or of a retry not yet sent
  { from: 'FAILED', action: 'succeed', to: 'REFUNDED', by: 'wechat' },
  { from: 'APPROVED', action: 'succeed', to: 'REFUNDED', by: 'wechat' },
];

const fits = (t: Transition, type: RefundType | undefined) => t.type === undefined || type === undefined || t.type === type;

export function findTransition(from: RefundStatus | null, action: RefundAction, type?: RefundType): Transition | undefined {
  return TRANSITIONS.find((t) => t.from === from && t.action === action && fits(t, type));
}

/** Where an action always leads (every row of the table with it has the same `to`). */
export function targetOf(action: RefundAction): RefundStatus {
  const targets = new Set(TRANSITIONS.filter((t) => t.action === action).map((t) => t.to));
  if (targets.size !== 1) throw new Error(`action ${action} leads to ${targets.size} statuses`);
  return [...targets][0];
}

/** May this actor take this row? The role must match, and for the merchant's moves the staff role too. */
export function mayTake(t: Pick<Transition, 'by' | 'staff'>, role: Role, staffRole?: StaffRole): boolean {
  if (t.by !== role) return false;
  return t.staff === undefined || (staffRole !== undefined && t.staff.includes(staffRole));
}

/** May this viewer take this row (of the refund table or the shipping table)? */
export function viewerMayTake(t: Pick<Transition, 'by' | 'staff'>, viewer: Viewer): boolean {
  return typeof viewer === 'string' ? mayTake(t, viewer) : mayTake(t, viewer.role, viewer.staffRole);
}

/** The actions a viewer may take on a refund of this type in this status: what the UIs render as buttons. */
export function actionsFor(status: RefundStatus, viewer: Viewer, type?: RefundType): RefundAction[] {
  return [...new Set(TRANSITIONS.filter((t) => t.from === status && fits(t, type) && viewerMayTake(t, viewer)).map((t) => t.action))];
}

export function isOpen(status: RefundStatus): boolean {
  return OPEN_STATUSES.includes(status);
}

/** What an order shows while one of its refunds is open. */
export const ORDER_STATUS_FOR_OPEN_REFUND: Record<string, string> = {
  REQUESTED: 'REFUND_REQUESTED',
  AWAITING_RETURN: 'REFUND_AWAITING_RETURN',
  RETURN_SHIPPED: 'REFUND_RETURN_SHIPPED',
  APPROVED: 'REFUND_APPROVED',
  REFUNDING: 'REFUNDING',
  FAILED: 'REFUND_FAILED',
};
