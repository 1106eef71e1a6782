// When an order may be shipped (beyond its shipping status, which the table checks): paid, not wholly
// refunded, with an address, and no refund open. Checked here for a clear answer, and again inside the
// ship's compare-and-set (shipGuard) so a refund requested at the same moment cannot slip past.
import { DomainError } from '../errors.ts';
import { isPaidStatus } from '../lifecycle/orders.ts';

interface ShippableOrder {
  status: string;
  paidAt: Date | null;
  address: string | null;
  openRefundNo: string | null;
}

export function shipBlocker(o: ShippableOrder): DomainError | null {
  if (!o.paidAt || !isPaidStatus(o.status)) return new DomainError('INVALID_STATE', 'Only a paid order can be shipped.');
  if (o.status === 'REFUNDED') return new DomainError('INVALID_STATE', 'This order was refunded in full; there is nothing to ship.');
  if (o.address === null) return new DomainError('INVALID_STATE', 'This order has no delivery address, so it cannot be shipped.');
  if (o.openRefundNo) {
    return new DomainError('REFUND_IN_PROGRESS', `Refund ${o.openRefundNo} of this order is open: approve or reject it before shipping.`);
  }
  return null;
}

/** The same rules as a database condition, for the ship's compare-and-set. */
export const SHIP_GUARD = {
  paidAt: { not: null },
  status: { notIn: ['UNPAID', 'CLOSED', 'REFUNDED'] },
  address: { not: null },
  openRefundNo: null,
};
