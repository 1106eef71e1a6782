// The refund use cases of people: request, approve, reject, cancel, retry, and for returns the buyer's
// return shipment and the merchant's receipt or refusal. Each is one move through moves.ts; what WeChat
// reports goes through outcome.ts; the timed moves are in timers.ts.
import { createHash } from 'node:crypto';
import type { Db } from '../db/client.ts';
import { DomainError, LostRace, notFound } from '../errors.ts';
import { newRefundNo } from '../lib/ids.ts';
import { refundBlocker } from './rules.ts';
import { isUniqueViolation } from '../db/errors.ts';
import type { Tx } from '../db/client.ts';
import type { RefundType, StaffViewer, Viewer } from '../lifecycle/refunds.ts';
import { overApprovalLimit, type StaffRole } from '../lifecycle/staff.ts';
import { fenToYuan } from '../lib/money.ts';
import { getSettings } from '../settings/service.ts';
import { uploadIdOf } from '../uploads/urls.ts';
import { carrierName } from '../wechat/carriers.ts';
import { merchantReturnAddress } from './after-sales-config.ts';
import { createRefund, moveRefund, type Actor } from './moves.ts';
import { REFUND_WITH_ORDER_NO, refundView, type RefundView } from './views.ts';

export interface RefundRequest {
  amountFen: number;
  reason: string;
  type?: RefundType;
  /** URLs of the buyer's own uploads (evidence photos). */
  images?: string[];
}

const BUYER: Actor = { role: 'buyer', name: 'buyer' };

function requestHash(orderNo: string, req: RefundRequest): string {
  return createHash('sha256')
    .update(JSON.stringify([orderNo, req.amountFen, req.reason, req.type ?? 'REFUND_ONLY', req.images ?? []]))
    .digest('hex');
}

/** The images as stored: every URL one of this buyer's own uploads, else 400 naming the one that is not. */
async function ownImages(tx: Tx, buyerId: number, images: string[] | undefined): Promise<string | null> {
  if (!images || images.length === 0) return null;
  const ids = images.map((url, i) => {
    const id = uploadIdOf(url);
    if (!id) throw new DomainError('VALIDATION_FAILED', `images.${i}: is not an upload of this mini-program (POST /api/mp/uploads).`);
    return id;
  });
  const mine = await tx.upload.findMany({ where: { id: { in: ids }, buyerId }, select: { id: true } });
  const found = new Set(mine.map((u) => u.id));
  const missing = ids.findIndex((id) => !found.has(id));
  if (missing >= 0) throw new DomainError('VALIDATION_FAILED', `images.${missing}: is not one of your uploads.`);
  return JSON.stringify(images);
}

/** What an Idempotency-Key already stands for: the refund it created, or an error if the request differs. */
async function replayIdempotent(db: Db, buyerId: number, key: string, hash: string): Promise<RefundView | null> {
  const hit = await db.idempotencyKey.findUnique({
    where: { buyerId_key: { buyerId, key } },
    include: { refund: { include: REFUND_WITH_ORDER_NO } },
  });
  if (!hit) return null;
  if (hit.requestHash !== hash) {
    throw new DomainError('VALIDATION_FAILED', 'Idempotency-Key: this key was already used for a different refund request.');
  }
  return refundView(hit.refund, 'buyer');
}

/**
 * A buyer asks for a refund. The order row is updated with a compare-and-set on the very values the rules
 * were checked against, so two requests at once can never both pass; the database's CHECKs and the
 * one-open-refund index hold even if this code were wrong. Returns `created: false` for a replayed key.
 */
export async function requestRefund(
  db: Db,
  buyerId: number,
  orderNo: string,
  req: RefundRequest,
  idempotencyKey?: string,
): Promise<{ refund: RefundView; created: boolean }> {
  const hash = requestHash(orderNo, req);
  if (idempotencyKey) {
    const replay = await replayIdempotent(db, buyerId, idempotencyKey, hash);
    if (replay) return { refund: replay, created: false };
  }
  try {
    const refund = await db.$transaction(async (tx) => {
      const order = await tx.order.findUnique({ where: { orderNo } });
      if (!order || order.buyerId !== buyerId) throw notFound(`Order ${orderNo}`);
      const now = new Date();
      const blocker = refundBlocker(order, req.amountFen, now);
      if (blocker) throw blocker;
      const type = req.type ?? 'REFUND_ONLY';
      if (type === 'RETURN_AND_REFUND' && order.shippingStatus === 'UNSHIPPED') {
        throw new DomainError('NOT_SHIPPED', 'A return needs goods to send back: this order has not been shipped; ask for a refund only (REFUND_ONLY).');
      }
      const images = await ownImages(tx, buyerId, req.images);
      const fresh = { refundNo: newRefundNo(now), amountFen: req.amountFen, reason: req.reason, type, images };
      const created = await createRefund(tx, order, fresh, 'request', BUYER, { note: req.reason });
      if (idempotencyKey) {
        await tx.idempotencyKey.create({ data: { buyerId, key: idempotencyKey, requestHash: hash, refundId: created.id, createdAt: created.createdAt } });
      }
      return { ...created, order: { orderNo: order.orderNo } };
    });
    return { refund: refundView(refund, 'buyer'), created: true };
  } catch (err) {
    // another request on this order won the race (the order's compare-and-set or the one-open-refund index)
    const raced = err instanceof LostRace || isUniqueViolation(err);
    // the same key raced with itself: the winner's refund is the answer (the loser may also have read the
    // winner's committed refund and been told a refund is open)
    const inProgress = raced || (err instanceof DomainError && err.code === 'REFUND_IN_PROGRESS');
    if (idempotencyKey && inProgress) {
      const replay = await replayIdempotent(db, buyerId, idempotencyKey, hash);
      if (replay) return { refund: replay, created: false };
    }
    if (raced) throw new DomainError('REFUND_IN_PROGRESS', 'Another refund of this order was just requested.');
    throw err;
  }
}

/** Runs one table move in its own transaction and returns the refund as the actor sees it. */
export async function act(
  db: Db,
  refundNo: string,
  action: 'approve' | 'reject' | 'cancel' | 'retry' | 'return' | 'receive' | 'refuse' | 'settle_abnormal',
  actor: Actor,
  opts: {
    note?: string;
    data?: Record<string, unknown>;
    buyerId?: number;
    check?: (refund: { type: string; status: string; failCode: string | null; wxRefundId: string | null }) => void;
    /** Who the answer is for (its `actions`): the buyer, or the staff member with their limit. */
    viewer?: Viewer;
  } = {},
): Promise<RefundView> {
  const moved = await db.$transaction(async (tx) => {
    // the whole order: the move needs it, and reads it no second time
    const refund = await tx.refund.findUnique({ where: { refundNo }, include: { order: true } });
    if (!refund || (opts.buyerId !== undefined && refund.order.buyerId !== opts.buyerId)) throw notFound(`Refund ${refundNo}`);
    opts.check?.(refund);
    const after = await moveRefund(tx, refund, action, actor, { note: opts.note, data: opts.data });
    // the row as written: what was read, the move's columns, its status and time (no second read)
    return { ...refund, ...opts.data, ...after };
  });
  return refundView(moved, opts.viewer ?? 'buyer');
}

/** One of the merchant's people acting: the event names them and their role, and the table checks the role. */
export interface Staff {
  username: string;
  role: StaffRole;
}

export const staffActor = (s: Staff): Actor => ({ role: 'admin', name: s.username, staffRole: s.role });
export const staffViewer = (s: Staff, approvalLimitFen?: number): StaffViewer => ({ role: 'admin', staffRole: s.role, approvalLimitFen });

/** A SERVICE person decides refunds alone only up to the approval limit (the owner's setting). */
async function checkApprovalLimit(db: Db, staff: Staff, refundNo: string): Promise<number | undefined> {
  if (staff.role !== 'SERVICE') return undefined;
  const { approvalLimitFen } = await getSettings(db);
  const refund = await db.refund.findUnique({ where: { refundNo }, select: { amountFen: true } });
  if (refund && overApprovalLimit(staff.role, refund.amountFen, approvalLimitFen)) {
    throw new DomainError(
      'APPROVAL_LIMIT',
      `This refund is over your approval limit of ¥${fenToYuan(approvalLimitFen)}: finance or the owner must decide it.`,
    );
  }
  return approvalLimitFen;
}

export async function approveRefund(db: Db, refundNo: string, staff: Staff): Promise<RefundView> {
  const limit = await checkApprovalLimit(db, staff, refundNo);
  // due now: the dispatcher picks it up on its next turn (a return waits for the goods first)
  return act(db, refundNo, 'approve', staffActor(staff), {
    viewer: staffViewer(staff, limit),
    data: { nextAttemptAt: new Date() },
    check: (r) => {
      if (r.type === 'RETURN_AND_REFUND' && r.status === 'REQUESTED' && !merchantReturnAddress()) {
        throw new DomainError('INVALID_STATE', 'Set MERCHANT_RETURN_ADDRESS first: the buyer needs to know where to send the goods.');
      }
    },
  });
}

/** The buyer sent the goods back: the return's carrier and tracking number. */
export function returnShipped(db: Db, refundNo: string, buyerId: number, shipment: { carrier: string; trackingNo: string }): Promise<RefundView> {
  if (!carrierName(shipment.carrier)) throw new DomainError('VALIDATION_FAILED', `carrier: ${shipment.carrier} is not a carrier WeChat knows.`);
  return act(db, refundNo, 'return', BUYER, {
    buyerId,
    note: `${shipment.carrier} ${shipment.trackingNo}`,
    data: { returnCarrier: shipment.carrier, returnTrackingNo: shipment.trackingNo, returnShippedAt: new Date() },
  });
}

/** The goods are back: the refund goes to WeChat (and the stock is returned when it covers the whole order). */
export function receiveReturn(db: Db, refundNo: string, staff: Staff): Promise<RefundView> {
  return act(db, refundNo, 'receive', staffActor(staff), { viewer: staffViewer(staff), data: { nextAttemptAt: new Date() } });
}

export function refuseReturn(db: Db, refundNo: string, staff: Staff, reason: string): Promise<RefundView> {
  return act(db, refundNo, 'refuse', staffActor(staff), { viewer: staffViewer(staff), note: reason, data: { rejectReason: reason } });
}

export async function rejectRefund(db: Db, refundNo: string, staff: Staff, reason: string): Promise<RefundView> {
  const limit = await checkApprovalLimit(db, staff, refundNo);
  return act(db, refundNo, 'reject', staffActor(staff), { viewer: staffViewer(staff, limit), note: reason, data: { rejectReason: reason } });
}

export function retryRefund(db: Db, refundNo: string, staff: Staff): Promise<RefundView> {
  // same refundNo, same amount: WeChat sees the same refund again, never a second one
  return act(db, refundNo, 'retry', staffActor(staff), {
    viewer: staffViewer(staff),
    data: { nextAttemptAt: new Date(), failCode: null, failReason: null },
  });
}

export function cancelRefund(db: Db, refundNo: string, buyerId: number): Promise<RefundView> {
  return act(db, refundNo, 'cancel', BUYER, { buyerId });
}

/** Who moved a refund, as the buyer may know it: buyer, merchant, system or wechat (no staff names). */
function publicActor(e: { actor: string; role: string | null }): string {
  if (e.role !== null) return 'merchant'; // the merchant's people are the events that carry a staff role
  const kind = e.actor.split(':')[0];
  return kind === 'buyer' || kind === 'wechat' ? kind : 'system';
}

/** One of the buyer's refunds, with its timeline (who moved it, without the merchant's staff names). */
export async function getBuyerRefund(db: Db, refundNo: string, buyerId: number) {
  const refund = await db.refund.findUnique({
    where: { refundNo },
    include: { order: { select: { orderNo: true, buyerId: true } }, events: { orderBy: { id: 'asc' } } },
  });
  if (!refund || refund.order.buyerId !== buyerId) throw notFound(`Refund ${refundNo}`);
  return {
    ...refundView(refund, 'buyer'),
    events: refund.events.map((e) => ({ at: e.at.toISOString(), from: e.fromStatus, to: e.toStatus, action: e.action, by: publicActor(e) })),
  };
}
