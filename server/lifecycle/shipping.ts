// THE order's shipping lifecycle as data: shipping status × action → next status, and who may take it. The
// same shape as the refund table (refunds.ts); an order's money and refund status stay in `status`.
import type { Role } from './refunds.ts';

export const SHIPPING_STATUSES = ['UNSHIPPED', 'SHIPPED', 'RECEIVED'] as const;
export type ShippingStatus = (typeof SHIPPING_STATUSES)[number];

export type ShippingAction = 'ship' | 'receive' | 'auto_receive';

export interface ShippingMove {
  from: ShippingStatus;
  action: ShippingAction;
  to: ShippingStatus;
  by: Role;
}

export const SHIPPING_MOVES: readonly ShippingMove[] = [
  { from: 'UNSHIPPED', action: 'ship', to: 'SHIPPED', by: 'admin' },
  { from: 'SHIPPED', action: 'receive', to: 'RECEIVED', by: 'buyer' },
  // ORDER_AUTO_RECEIVE_S after shipping, as WeChat's own shipping service does for the buyer who forgets
  { from: 'SHIPPED', action: 'auto_receive', to: 'RECEIVED', by: 'system' },
];

export function findShippingMove(from: ShippingStatus, action: ShippingAction): ShippingMove | undefined {
  return SHIPPING_MOVES.find((m) => m.from === from && m.action === action);
}

/** The shipping moves a role may take on an order in this status (before the order's own rules). */
export function shippingActionsFor(status: ShippingStatus, role: Role): ShippingAction[] {
  return SHIPPING_MOVES.filter((m) => m.from === status && m.by === role).map((m) => m.action);
}
