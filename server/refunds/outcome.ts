// The one door for what WeChat says about a refund (notification, query, or a refusal of our call):
// idempotent, amount-checked, applied through moves.ts in one transaction. A lost race is run again on fresh
// reads, so a duplicate that raced its twin is recognised as a duplicate, never answered as an error.
import type { Db, Tx } from '../db/client.ts';
import { transactRetryingRaces } from '../db/transact.ts';
import { DomainError, LostRace } from '../errors.ts';
import { findTransition, targetOf, type RefundStatus } from '../lifecycle/refunds.ts';
import type { ReportedRefundState } from '../gateway/gateway.ts';
import { crashPoint } from '../test-faults.ts';
import { createRefund, moveRefund } from './moves.ts';

/** A final state WeChat reported (gateway.ts's RefundReport), and how we heard it. */
export interface WechatRefundResult {
  outRefundNo: string;
  outTradeNo: string | null;
  refundId: string | null;
  state: Exclude<ReportedRefundState, 'PROCESSING'>;
  /** WeChat's own word for the state (v2 CHANGE/REFUNDCLOSE, v3 ABNORMAL/CLOSED): the failure code shown. */
  word: string;
  refundFee: number;
  totalFee: number | null;
  requestSource: string | null;
  via: 'notify' | 'query';
}

export type ApplyOutcome =
  | { kind: 'applied'; refundNo: string; status: RefundStatus }
  | { kind: 'duplicate'; refundNo: string }
  | { kind: 'external'; refundNo: string }
  | { kind: 'unknown' }
  /** rolledBack: refused by an error, nothing of the transaction was kept (nor what `record` wrote) */
  | { kind: 'rejected'; reason: string; rolledBack?: true };

/**
 * What the merchant reads on a failed refund. ABNORMAL: the buyer's card can no longer take the money; over
 * v3 it can be sent to the merchant's bank card from the admin web (apply-abnormal-refund), over v2 only on
 * the merchant platform.
 */
function failReason(r: WechatRefundResult): string {
  if (r.state === 'CLOSED') return '退款已关闭';
  return r.word === 'CHANGE'
    ? '退款异常（如银行卡冻结），请到微信支付商户平台处理'
    : '退款异常：买家的银行卡已注销或冻结，钱无法原路退回。可重试，或「退至商户银行卡」后由商家另行付给买家';
}

/**
 * `record`: written in the same transaction once the outcome is known (the notification that brought it), so
 * a settlement and its evidence commit together; not called when the report is refused with an error.
 */
export async function applyWechatResult(
  db: Db,
  r: WechatRefundResult,
  record?: (tx: Tx, outcome: ApplyOutcome) => Promise<void>,
): Promise<ApplyOutcome> {
  try {
    return await transactRetryingRaces(db, async (tx) => {
      const outcome = await applyInTx(tx, r);
      await record?.(tx, outcome);
      return outcome;
    });
  } catch (err) {
    // the report does not fit our record (e.g. more refunded than paid): answered FAIL, nothing changed
    if (err instanceof DomainError && !(err instanceof LostRace) && err.code === 'INVALID_STATE') return { kind: 'rejected', reason: err.message, rolledBack: true };
    throw err;
  }
}

/** WeChat refused our refund call for good: REFUNDING → FAILED, unless a notification settled it first. */
export async function settleRefusal(db: Db, refundId: number, code: string, message: string): Promise<void> {
  await transactRetryingRaces(db, async (tx) => {
    const fresh = await tx.refund.findUniqueOrThrow({ where: { id: refundId } });
    if (fresh.status !== 'REFUNDING') return; // a notification or a query got there first
    await moveRefund(tx, fresh, 'fail', { role: 'wechat', name: 'wechat:refund' }, {
      note: `${code}: ${message}`,
      data: { failCode: code, failReason: message, lastErrorCode: code, nextAttemptAt: null },
    });
  });
}

async function applyInTx(tx: Tx, r: WechatRefundResult): Promise<ApplyOutcome> {
  const actor = { role: 'wechat' as const, name: `wechat:${r.via}` };
  const refund = await tx.refund.findUnique({ where: { refundNo: r.outRefundNo }, include: { order: true } });
  if (!refund) return recordExternal(tx, r);
  const order = refund.order;
  if (r.outTradeNo !== null && r.outTradeNo !== order.orderNo) {
    return { kind: 'rejected', reason: `out_trade_no ${r.outTradeNo} is not the order of refund ${refund.refundNo}` };
  }
  if (r.refundFee !== refund.amountFen) {
    return { kind: 'rejected', reason: `refund_fee ${r.refundFee} differs from our ${refund.amountFen}` };
  }
  if (r.totalFee !== null && r.totalFee !== order.totalFen) {
    return { kind: 'rejected', reason: `total_fee ${r.totalFee} differs from the order's ${order.totalFen}` };
  }
  const status = refund.status as RefundStatus;
  const action = r.state === 'SUCCESS' ? 'succeed' : 'fail';
  if (!findTransition(status, action)) {
    // already where this report would put it, or refunded (WeChat's word that money left wins over a
    // late failure report): a duplicate. Anything else cannot have been with WeChat.
    if (status === targetOf(action) || status === 'REFUNDED') return { kind: 'duplicate', refundNo: refund.refundNo };
    return {
      kind: 'rejected',
      reason: action === 'succeed' ? `refund ${refund.refundNo} is ${status}; WeChat cannot have refunded it` : `refund ${refund.refundNo} is ${status}; it was not with WeChat`,
    };
  }
  if (r.state === 'SUCCESS') {
    const { status: to } = await moveRefund(tx, refund, 'succeed', actor, {
      note: r.refundId ? `WeChat refund ${r.refundId}` : null,
      data: { refundedAt: new Date(), wxRefundId: r.refundId ?? refund.wxRefundId, nextAttemptAt: null },
    });
    crashPoint(`in-${r.via}-apply`); // test-only: dies with the transaction open
    return { kind: 'applied', refundNo: refund.refundNo, status: to };
  }
  const { status: to } = await moveRefund(tx, refund, 'fail', actor, {
    note: r.word,
    data: { failCode: r.word, failReason: failReason(r), nextAttemptAt: null },
  });
  return { kind: 'applied', refundNo: refund.refundNo, status: to };
}

/**
 * A refund we did not start (made on the merchant platform) that WeChat reports as done on one of our
 * orders: recorded as REFUNDED so the order's refundedFen tells the truth. About nothing of ours: kept
 * as evidence only (the caller stores the notification).
 */
async function recordExternal(tx: Tx, r: WechatRefundResult): Promise<ApplyOutcome> {
  if (r.outTradeNo === null || r.state !== 'SUCCESS') return { kind: 'unknown' };
  const order = await tx.order.findUnique({ where: { orderNo: r.outTradeNo } });
  if (!order || !order.paidAt) return { kind: 'unknown' };
  if (r.totalFee !== null && r.totalFee !== order.totalFen) {
    return { kind: 'rejected', reason: `total_fee ${r.totalFee} differs from the order's ${order.totalFen}` };
  }
  if (r.refundFee < 1) return { kind: 'rejected', reason: 'refund_fee must be at least 1 fen' };
  if (order.refundedFen + r.refundFee > order.totalFen) {
    return { kind: 'rejected', reason: `refund_fee ${r.refundFee} is more than the ${order.totalFen - order.refundedFen} not yet refunded` };
  }
  const refund = await createRefund(
    tx,
    order,
    {
      refundNo: r.outRefundNo,
      amountFen: r.refundFee,
      reason: '商户平台发起的退款',
      source: r.requestSource === 'VENDOR_PLATFORM' ? 'VENDOR_PLATFORM' : 'EXTERNAL',
      wxRefundId: r.refundId,
    },
    'record_external',
    { role: 'wechat', name: `wechat:${r.via}` },
    { note: r.requestSource },
  );
  return { kind: 'external', refundNo: refund.refundNo };
}
