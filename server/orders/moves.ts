// THE door through which an order's shipping status changes: checked against the shipping table
// (lifecycle/shipping.ts), applied as a compare-and-set on the current status (plus the caller's guards),
// written with its event row, all in the caller's transaction (docs/architecture.md "One door").
import type { Tx } from '../db/client.ts';
import { DomainError, LostRace } from '../errors.ts';
import { mayTake } from '../lifecycle/refunds.ts';
import { findShippingMove, type ShippingAction, type ShippingStatus } from '../lifecycle/shipping.ts';
import type { Actor } from '../refunds/moves.ts';

export interface OrderRow {
  id: number;
  orderNo: string;
  shippingStatus: string;
}

interface MoveOptions {
  note?: string | null;
  /** Other columns the move sets (carrier, tracking number, times). */
  data?: Record<string, unknown>;
  /** Conditions the order must still meet when it is written (e.g. no open refund), besides its status. */
  guard?: Record<string, unknown>;
  /** What a failed guard means to the person acting. */
  guardError?: () => DomainError;
}

export async function moveShipping(
  tx: Tx,
  order: OrderRow,
  action: ShippingAction,
  actor: Actor,
  opts: MoveOptions = {},
): Promise<{ shippingStatus: ShippingStatus; updatedAt: Date }> {
  const from = order.shippingStatus as ShippingStatus;
  const m = findShippingMove(from, action);
  if (!m) throw new DomainError('INVALID_STATE', `Order ${order.orderNo} is ${from}: it cannot be ${action === 'ship' ? 'shipped' : 'received'}.`);
  if (!mayTake(m, actor.role, actor.staffRole)) {
    throw new DomainError('FORBIDDEN', `Only ${m.staff ? m.staff.join(', ') : m.by} may ${action.replace('_', ' ')} an order.`);
  }
  const now = new Date();
  const { count } = await tx.order.updateMany({
    where: { ...opts.guard, id: order.id, shippingStatus: from },
    data: { ...opts.data, shippingStatus: m.to, updatedAt: now },
  });
  if (count === 0) {
    if (opts.guardError) {
      const fresh = await tx.order.findUnique({ where: { id: order.id }, select: { shippingStatus: true } });
      if (fresh?.shippingStatus === from) throw opts.guardError();
    }
    throw new LostRace(`Order ${order.orderNo} was changed by someone else meanwhile; reload it.`);
  }
  await tx.orderEvent.create({
    data: { orderId: order.id, fromStatus: from, toStatus: m.to, action, actor: actor.name, role: actor.staffRole ?? null, note: opts.note ?? null, at: now },
  });
  return { shippingStatus: m.to, updatedAt: now };
}
