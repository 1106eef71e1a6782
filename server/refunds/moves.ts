// THE door through which a refund changes: every move of the lifecycle table (lifecycle/refunds.ts), births
// included, is checked against the table, applied as a compare-and-set on the refund's status, written as an
// event row (who, when, from, to, why) and carried to its order's money, all in the caller's transaction.
// Nothing else writes a refund's status or an order's refund money (docs/architecture.md "One door").
import type { Tx } from '../db/client.ts';
import type { Order } from '../db/generated/sqlite/client.ts';
import { DomainError, LostRace } from '../errors.ts';
import { findTransition, mayTake, type RefundAction, type RefundStatus, type RefundType, type Role } from '../lifecycle/refunds.ts';
import type { StaffRole } from '../lifecycle/staff.ts';
import { queueBuyerMessage } from './buyer-messages.ts';
import { orderAfterMove, type OrderMoney } from './order-effect.ts';
import { restockOnce, restocks } from './restock.ts';

export interface Actor {
  role: Role;
  /** What the event row says: `buyer`, the merchant's person's username, `dispatcher`, `wechat:notify`, … */
  name: string;
  /** For the merchant's people: their role, written on the event and checked against the table. */
  staffRole?: StaffRole;
}

export interface RefundRow {
  id: number;
  refundNo: string;
  orderId: number;
  status: string;
  amountFen: number;
  type: string;
  /**
   * Its whole order, when the caller has it: then it is not read again. The order's compare-and-set on its
   * money rejects a copy that is out of date, but not its other columns: read in this transaction unless the
   * move neither restocks nor tells the buyer (the dispatcher's `dispatch`).
   */
  order?: Order;
}

interface MoveOptions {
  note?: string | null;
  /** Other columns the move sets on the refund (reject reason, fail code, next attempt, …). */
  data?: Record<string, unknown>;
}

/** The refund columns a birth sets besides its number, order, amount and status. */
export interface NewRefund {
  refundNo: string;
  amountFen: number;
  reason: string;
  type?: RefundType;
  /** JSON list of the buyer's own upload URLs. */
  images?: string | null;
  source?: string;
  wxRefundId?: string | null;
}

type BirthAction = 'request' | 'record_external';

/** The table's move for (from, action), or the error a person acting on a stale page should see. */
function legalMove(from: RefundStatus | null, action: RefundAction, actor: Actor, refundNo: string, type: RefundType) {
  const t = findTransition(from, action, type);
  if (!t) throw new DomainError('INVALID_STATE', `A refund that is ${from ?? 'new'} cannot be ${pastTense(action)}.`);
  if (!mayTake(t, actor.role, actor.staffRole)) {
    const who = t.staff ? t.staff.join(', ') : t.by;
    throw new DomainError('FORBIDDEN', `Only ${who} may ${action.replace('_', ' ')} a refund${actor.staffRole ? `; your role is ${actor.staffRole}` : ''}.`);
  }
  return t;
}

/**
 * Moves an existing refund along the table. An illegal move: INVALID_STATE / FORBIDDEN. A lost race
 * (someone moved it first): LostRace, and the caller's transaction must roll back.
 */
export async function moveRefund(
  tx: Tx,
  refund: RefundRow,
  action: RefundAction,
  actor: Actor,
  opts: MoveOptions = {},
): Promise<{ status: RefundStatus; updatedAt: Date }> {
  const from = refund.status as RefundStatus;
  const t = legalMove(from, action, actor, refund.refundNo, refund.type as RefundType);
  const now = new Date();
  const { count } = await tx.refund.updateMany({
    where: { id: refund.id, status: from },
    data: { ...opts.data, status: t.to, statusAt: now, updatedAt: now },
  });
  if (count === 0) throw new LostRace(`Refund ${refund.refundNo} was changed by someone else meanwhile; reload it.`);
  await tx.refundEvent.create({
    data: { refundId: refund.id, fromStatus: from, toStatus: t.to, action, actor: actor.name, role: actor.staffRole ?? null, note: opts.note ?? null, at: now },
  });
  const order = refund.order ?? (await tx.order.findUniqueOrThrow({ where: { id: refund.orderId } }));
  const after = await carryToOrder(tx, order, { refundNo: refund.refundNo, amountFen: refund.amountFen, from, to: t.to }, now);
  if (restocks({ action, to: t.to, amountFen: refund.amountFen }, order, after)) await restockOnce(tx, order.id, now);
  await queueBuyerMessage(tx, { ...refund, status: t.to }, order, actor, now);
  return { status: t.to, updatedAt: now };
}

/**
 * A refund is born on `order` (read in this transaction): a buyer's request, or one WeChat reports that
 * the merchant made on its platform. The order's compare-and-set is on the very values the caller's rules
 * were checked against, so two births at once can never both pass.
 */
export async function createRefund(
  tx: Tx,
  order: OrderMoney & { id: number },
  fresh: NewRefund,
  action: BirthAction,
  actor: Actor,
  opts: MoveOptions = {},
) {
  const t = legalMove(null, action, actor, fresh.refundNo, fresh.type ?? 'REFUND_ONLY');
  const now = new Date();
  await carryToOrder(tx, order, { refundNo: fresh.refundNo, amountFen: fresh.amountFen, from: null, to: t.to }, now);
  const refund = await tx.refund.create({
    data: {
      ...fresh,
      ...opts.data,
      orderId: order.id,
      status: t.to,
      ...(t.to === 'REFUNDED' ? { refundedAt: now } : {}),
      statusAt: now,
      createdAt: now,
      updatedAt: now,
    },
  });
  await tx.refundEvent.create({
    data: { refundId: refund.id, fromStatus: null, toStatus: t.to, action, actor: actor.name, role: actor.staffRole ?? null, note: opts.note ?? null, at: now },
  });
  return refund;
}

async function carryToOrder(tx: Tx, o: OrderMoney & { id: number }, move: Parameters<typeof orderAfterMove>[1], now: Date): Promise<OrderMoney> {
  const next = orderAfterMove(o, move);
  if ('refused' in next) throw new DomainError('INVALID_STATE', `Refund ${move.refundNo} cannot be applied to its order: ${next.refused}.`);
  const { count } = await tx.order.updateMany({
    where: { id: o.id, refundedFen: o.refundedFen, pendingRefundFen: o.pendingRefundFen, openRefundNo: o.openRefundNo, refundCount: o.refundCount },
    data: {
      refundedFen: next.refundedFen,
      pendingRefundFen: next.pendingRefundFen,
      openRefundNo: next.openRefundNo,
      refundCount: next.refundCount,
      status: next.status,
      updatedAt: now,
    },
  });
  if (count === 0) throw new LostRace(`The order of refund ${move.refundNo} was changed meanwhile; try again.`);
  return next;
}

function pastTense(action: RefundAction): string {
  const words: Record<RefundAction, string> = {
    request: 'requested',
    record_external: 'recorded',
    approve: 'approved',
    auto_approve: 'approved by the system',
    reject: 'rejected',
    cancel: 'cancelled',
    return: 'marked as sent back',
    return_timeout: 'closed for a return never sent',
    receive: 'marked as received back',
    refuse: 'refused',
    auto_receive: 'received by the system',
    dispatch: 'sent to WeChat Pay',
    succeed: 'marked refunded',
    fail: 'marked failed',
    retry: 'retried',
    settle_abnormal: 'sent to the merchant’s bank card',
  };
  return words[action];
}
