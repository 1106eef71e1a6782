// Taking one refund for one send, in one small transaction, before WeChat is called (persist intent, then
// call out). Several instances may read the same due refund: the compare-and-sets make exactly one of them
// win; the others' claims are lost, which is normal.
import type { Db } from '../../db/client.ts';
import { DomainError, LostRace } from '../../errors.ts';
import { moveRefund } from '../moves.ts';
import type { Candidate } from './due-refunds.ts';

/**
 * A claimed refund's call goes at most this long after its claim: claimed up to 100 ms before its slot
 * (dispatcher.ts), a slot past use or a full window exchanged for one within the second. The order's gap
 * between two refund calls is counted from then, so a call that went a little after its claim still keeps it.
 */
export const CALL_WITHIN_MS = 1100;

export interface ClaimConfig {
  refundOrderGapMs: number;
  wxpayTimeoutMs: number;
}

/**
 * Takes the refund for one send: APPROVED → REFUNDING through the one door (moves.ts), or a due resend of
 * a REFUNDING one, plus the order's gap, in one transaction. nextAttemptAt moves past the call's timeout, so
 * if this process dies mid-call the refund becomes due again and is resent with the same out_refund_no.
 * False when it is not this caller's to send (now).
 */
export async function claimRefund(db: Db, c: Candidate, cfg: ClaimConfig): Promise<boolean> {
  const now = new Date();
  const lease = new Date(now.getTime() + cfg.wxpayTimeoutMs + 5000);
  try {
    return await db.$transaction(async (tx) => {
      const gap = await tx.order.updateMany({
        where: {
          id: c.orderId,
          OR: [{ lastRefundCallAt: null }, { lastRefundCallAt: { lte: new Date(now.getTime() - cfg.refundOrderGapMs) } }],
        },
        data: { lastRefundCallAt: cfg.refundOrderGapMs > 0 ? new Date(now.getTime() + CALL_WITHIN_MS) : now },
      });
      if (gap.count === 0) return false;
      const data = { nextAttemptAt: lease, attempts: { increment: 1 } };
      if (c.status === 'APPROVED') {
        await moveRefund(tx, c, 'dispatch', { role: 'system', name: 'dispatcher' }, { data });
        return true;
      }
      const { count } = await tx.refund.updateMany({
        where: { id: c.id, status: 'REFUNDING', acceptedAt: null, nextAttemptAt: c.nextAttemptAt },
        data,
      });
      if (count === 0) throw new LostRace(`Refund ${c.refundNo} was claimed or settled by someone else meanwhile.`);
      return true;
    });
  } catch (err) {
    // LostRace: another instance (or a notification, a person) moved it first, and the order's gap rolled
    // back with it. Any other INVALID_STATE (the order refuses the move): left for a later turn, as before.
    if (err instanceof DomainError && err.code === 'INVALID_STATE') return false;
    throw err;
  }
}
