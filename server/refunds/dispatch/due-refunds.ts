// Which refunds the dispatcher sends next: APPROVED ones, and REFUNDING ones WeChat has not accepted whose
// lease or back-off is over (the last send failed in a retryable way, or its answer never came back).
import type { Db } from '../../db/client.ts';
import type { Order } from '../../db/generated/sqlite/client.ts';

/** A refund due for a send, as read at the start of a turn (its status and nextAttemptAt are compared again when claimed). */
export interface Candidate {
  id: number;
  refundNo: string;
  status: string;
  amountFen: number;
  type: string;
  reason: string;
  orderId: number;
  attempts: number;
  nextAttemptAt: Date | null;
  /** Read with the refund: the dispatch move uses it as is, its compare-and-set on the money rejects a stale copy. */
  order: Order;
}

/** Up to `take` refunds due at `now`, the longest-waiting first. */
export function findDueRefunds(db: Db, now: Date, take: number): Promise<Candidate[]> {
  return db.refund.findMany({
    where: {
      nextAttemptAt: { lte: now },
      OR: [{ status: 'APPROVED' }, { status: 'REFUNDING', acceptedAt: null }],
    },
    orderBy: { nextAttemptAt: 'asc' },
    take,
    select: {
      id: true,
      refundNo: true,
      status: true,
      amountFen: true,
      type: true,
      reason: true,
      orderId: true,
      attempts: true,
      nextAttemptAt: true,
      order: true,
    },
  });
}

/**
 * Moves the refund's next attempt to `until` (the end of its order's gap between two refund calls), unless
 * it changed since it was read.
 */
export async function postpone(db: Db, c: Candidate, until: Date): Promise<void> {
  await db.$transaction((tx) =>
    tx.refund.updateMany({ where: { id: c.id, status: c.status, nextAttemptAt: c.nextAttemptAt }, data: { nextAttemptAt: until } }),
  );
}
