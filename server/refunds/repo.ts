// Refund persistence. transition() is the only way a refund changes status: a compare-and-set on the
// current status, its event row and the order's money, all in the caller's transaction.
import type { Tx } from '../db/client.ts';
import { AppError } from '../http/errors.ts';
import { paidOrderStatus } from '../orders/status.ts';
import { findTransition, isOpen, type RefundAction, type RefundStatus, type Role } from './state.ts';

export interface Actor {
  role: Role;
  /** What the event row says: `buyer`, `admin:<name>`, `dispatcher`, `wechat:notify`, … */
  name: string;
}

export interface RefundRow {
  id: number;
  refundNo: string;
  orderId: number;
  status: string;
  amountFen: number;
}

/**
 * Moves a refund along the table. Illegal for the status or the actor: 409 INVALID_STATE / 403.
 * Lost race (someone moved it first): 409 INVALID_STATE, and nothing of this transaction stays.
 */
export async function transition<T extends RefundRow>(
  tx: Tx,
  refund: T,
  action: RefundAction,
  actor: Actor,
  opts: { note?: string | null; data?: Record<string, unknown> } = {},
): Promise<RefundStatus> {
  const from = refund.status as RefundStatus;
  const t = findTransition(from, action);
  if (!t) throw new AppError('INVALID_STATE', `A refund that is ${from} cannot be ${pastTense(action)}.`);
  if (t.by !== actor.role) throw new AppError('FORBIDDEN', `Only the ${t.by} may ${action} a refund.`);
  const now = new Date();
  const { count } = await tx.refund.updateMany({
    where: { id: refund.id, status: from },
    data: { ...opts.data, status: t.to, updatedAt: now },
  });
  if (count === 0) {
    throw new AppError('INVALID_STATE', `Refund ${refund.refundNo} was changed by someone else meanwhile; reload it.`);
  }
  await tx.refundEvent.create({
    data: { refundId: refund.id, fromStatus: from, toStatus: t.to, action, actor: actor.name, note: opts.note ?? null, at: now },
  });
  await applyToOrder(tx, refund, t.to, now);
  return t.to;
}

/** Keeps the order's money and status in step with one of its refunds that just moved to `to`. */
async function applyToOrder(tx: Tx, refund: RefundRow, to: RefundStatus, now: Date): Promise<void> {
  const o = await tx.order.findUniqueOrThrow({ where: { id: refund.orderId } });
  let { refundedFen, pendingRefundFen, openRefundNo, refundCount } = o;
  const ours = openRefundNo === refund.refundNo;
  if (ours && !isOpen(to)) {
    pendingRefundFen -= refund.amountFen;
    openRefundNo = null;
  }
  if (to === 'REFUNDED') refundedFen += refund.amountFen;
  // WeChat's 50 counts refunds it received: a request withdrawn before that gives its place back
  if (to === 'REJECTED' || to === 'CANCELLED') refundCount -= 1;
  const status = ours
    ? paidOrderStatus(o.totalFen, refundedFen, isOpen(to) ? to : null)
    : openRefundNo
      ? o.status // another refund is open: the order keeps showing that one
      : paidOrderStatus(o.totalFen, refundedFen, null);
  const { count } = await tx.order.updateMany({
    where: { id: o.id, refundedFen: o.refundedFen, pendingRefundFen: o.pendingRefundFen, openRefundNo: o.openRefundNo, refundCount: o.refundCount },
    data: { refundedFen, pendingRefundFen, openRefundNo, refundCount, status, updatedAt: now },
  });
  if (count === 0) throw new AppError('INVALID_STATE', `Order ${o.orderNo} was changed meanwhile; try again.`);
}

function pastTense(action: RefundAction): string {
  const words: Record<RefundAction, string> = {
    request: 'requested',
    record_external: 'recorded',
    approve: 'approved',
    reject: 'rejected',
    cancel: 'cancelled',
    dispatch: 'sent to WeChat Pay',
    succeed: 'marked refunded',
    fail: 'marked failed',
    retry: 'retried',
  };
  return words[action];
}
