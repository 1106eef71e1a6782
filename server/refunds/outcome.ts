// The one door for what WeChat says about a refund (notification or query): idempotent, amount-checked,
// one transaction for the refund, its event and the order's refundedFen.
import type { Db, Tx } from '../db/client.ts';
import { AppError } from '../http/errors.ts';
import { MAX_REFUNDS_PER_ORDER } from '../orders/refund-rules.ts';
import { paidOrderStatus } from '../orders/status.ts';
import { crashPoint } from '../test-faults.ts';
import { transition } from './repo.ts';
import type { RefundStatus } from './state.ts';

export interface WechatRefundResult {
  outRefundNo: string;
  outTradeNo: string | null;
  refundId: string | null;
  status: 'SUCCESS' | 'CHANGE' | 'REFUNDCLOSE';
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
  | { kind: 'rejected'; reason: string };

const FAIL_REASONS = {
  CHANGE: '退款异常（如银行卡冻结），请到微信支付商户平台处理',
  REFUNDCLOSE: '退款已关闭',
} as const;

export async function applyWechatResult(db: Db, r: WechatRefundResult): Promise<ApplyOutcome> {
  try {
    return await db.$transaction((tx) => applyInTx(tx, r));
  } catch (err) {
    // a lost race with another door (notification vs query): the state it reached is re-read next time
    if (err instanceof AppError && err.code === 'INVALID_STATE') return { kind: 'rejected', reason: err.message };
    throw err;
  }
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
  if (r.status === 'SUCCESS') {
    if (status === 'REFUNDED') return { kind: 'duplicate', refundNo: refund.refundNo };
    if (status !== 'REFUNDING' && status !== 'FAILED' && status !== 'APPROVED') {
      return { kind: 'rejected', reason: `refund ${refund.refundNo} is ${status}; WeChat cannot have refunded it` };
    }
    const to = await transition(tx, refund, 'succeed', actor, {
      note: r.refundId ? `WeChat refund ${r.refundId}` : null,
      data: { refundedAt: new Date(), wxRefundId: r.refundId ?? refund.wxRefundId, nextAttemptAt: null },
    });
    crashPoint(`in-${r.via}-apply`); // test-only: dies with the transaction open
    return { kind: 'applied', refundNo: refund.refundNo, status: to };
  }
  if (status === 'FAILED' || status === 'REFUNDED') return { kind: 'duplicate', refundNo: refund.refundNo };
  if (status !== 'REFUNDING') {
    return { kind: 'rejected', reason: `refund ${refund.refundNo} is ${status}; it was not with WeChat` };
  }
  const to = await transition(tx, refund, 'fail', actor, {
    note: r.status,
    data: { failCode: r.status, failReason: FAIL_REASONS[r.status], nextAttemptAt: null },
  });
  return { kind: 'applied', refundNo: refund.refundNo, status: to };
}

/**
 * A refund we did not start (made on the merchant platform) that WeChat reports as done on one of our
 * orders: recorded as REFUNDED so the order's refundedFen tells the truth. About nothing of ours: kept
 * as evidence only (the caller stores the notification).
 */
async function recordExternal(tx: Tx, r: WechatRefundResult): Promise<ApplyOutcome> {
  if (r.outTradeNo === null || r.status !== 'SUCCESS') return { kind: 'unknown' };
  const order = await tx.order.findUnique({ where: { orderNo: r.outTradeNo } });
  if (!order || !order.paidAt) return { kind: 'unknown' };
  if (r.totalFee !== null && r.totalFee !== order.totalFen) {
    return { kind: 'rejected', reason: `total_fee ${r.totalFee} differs from the order's ${order.totalFen}` };
  }
  if (r.refundFee < 1) return { kind: 'rejected', reason: 'refund_fee must be at least 1 fen' };
  if (order.refundedFen + r.refundFee > order.totalFen) {
    return { kind: 'rejected', reason: `refund_fee ${r.refundFee} is more than the ${order.totalFen - order.refundedFen} not yet refunded` };
  }
  const now = new Date();
  const refundedFen = order.refundedFen + r.refundFee;
  const { count } = await tx.order.updateMany({
    where: { id: order.id, refundedFen: order.refundedFen, refundCount: order.refundCount },
    data: {
      refundedFen,
      // WeChat enforces its own 50; our count must never stop us recording what WeChat did
      refundCount: Math.min(order.refundCount + 1, MAX_REFUNDS_PER_ORDER),
      // an open refund of ours keeps the order's status; otherwise it follows the money
      status: order.openRefundNo ? order.status : paidOrderStatus(order.totalFen, refundedFen, null),
      updatedAt: now,
    },
  });
  if (count === 0) throw new AppError('INVALID_STATE', `Order ${order.orderNo} was changed meanwhile; try again.`);
  const refund = await tx.refund.create({
    data: {
      refundNo: r.outRefundNo,
      orderId: order.id,
      status: 'REFUNDED',
      amountFen: r.refundFee,
      reason: '商户平台发起的退款',
      source: r.requestSource === 'VENDOR_PLATFORM' ? 'VENDOR_PLATFORM' : 'EXTERNAL',
      wxRefundId: r.refundId,
      refundedAt: now,
      createdAt: now,
      updatedAt: now,
    },
  });
  await tx.refundEvent.create({
    data: { refundId: refund.id, fromStatus: null, toStatus: 'REFUNDED', action: 'record_external', actor: `wechat:${r.via}`, note: r.requestSource, at: now },
  });
  return { kind: 'external', refundNo: refund.refundNo };
}
