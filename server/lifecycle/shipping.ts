// THE order's shipping lifecycle as data: shipping status × action → next status, and who may take it. The
// same shape as the refund table (refunds.ts); an order's money and refund status stay in `status`.
import { viewerMayTake, type Role, type Viewer } from './refunds.ts';
import { HANDLES_GOODS, type StaffRole } from './staff.ts';

export const SHIPPING_STATUSES = ['UNSHIPPED', 'SHIPPED', 'RECEIVED'] as const;
export type ShippingStatus = (typeof SHIPPING_STATUSES)[number];

export type ShippingAction = 'ship' | 'receive' | 'auto_receive';

export interface ShippingMove {
  from: ShippingStatus;
  action: ShippingAction;
  to: ShippingStatus;
  by: Role;
  /** For the merchant's moves: which of their people's roles may take it. */
  staff?: readonly StaffRole[];
}

export const SHIPPING_MOVES: readonly ShippingMove[] = [
  { from: 'UNSHIPPED', action: 'ship', to: 'SHIPPED', by: 'admin', staff: HANDLES_GOODS },
  { from: 'SHIPPED', action: 'receive', to: 'RECEIVED', by: 'buyer' },
  // ORDER_AUTO_RECEIVE_S after shipping, as WeChat's own shipping service does for the buyer who forgets
  { from: 'SHIPPED', action: 'auto_receive', to: 'RECEIVED', by: 'system' },
];

export function findShippingMove(from: ShippingStatus, action: ShippingAction): ShippingMove | undefined {
  return SHIPPING_MOVES.find((m) => m.from === from && m.action === action);
}

/** The shipping moves a viewer may take on an order in this status (before the order's own rules). */
export function shippingActionsFor(status: ShippingStatus, viewer: Viewer): ShippingAction[] {
  return SHIPPING_MOVES.filter((m) => m.from === status && viewerMayTake(m, viewer)).map((m) => m.action);
}
