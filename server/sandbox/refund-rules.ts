// WeChat's refund rules, whatever the protocol: rate limit, forced faults, amounts vs the trade, idempotency per
// out_refund_no, resubmission after REFUNDCLOSE (docs/wechat-pay.md § The sandbox). v2 and v3 only parse and answer.
import type { Ctx } from './context.ts';
import { newRefundId } from './ids.ts';
import { readTrade } from './payments.ts';
import type { RefundRow, TradeRow, Via } from './store.ts';

export const MAX_REFUNDS_PER_TRADE = 50;
export const MAX_REFUND_CALLS_PER_SECOND = 150;

/** What the messages call the amounts: v2's field names or v3's. */
export interface AmountNames {
  total: string;
  refund: string;
}
export const V2_NAMES: AmountNames = { total: 'total_fee', refund: 'refund_fee' };

/** One refund request, parsed and checked for shape by its protocol. */
export interface RefundAsk {
  transactionId?: string;
  outTradeNo?: string;
  outRefundNo: string;
  totalFee: number;
  refundFee: number;
  refundAccount: string;
  notifyUrl: string | null;
  via: Via;
  names: AmountNames;
}

/** Accepted (a new, replayed or resubmitted refund), or refused with a code in v2's vocabulary (or a fault's, as armed). */
export type RefundDecision =
  | { accepted: true; trade: TradeRow; refund: RefundRow }
  | { accepted: false; code: string; des?: string };

/** Sum of refunds that took (or are taking) money out: a closed refund gave it back. */
export function refundedSoFar(refunds: RefundRow[], except?: string): number {
  return refunds.filter((r) => r.status !== 'REFUNDCLOSE' && r.out_refund_no !== except).reduce((sum, r) => sum + r.refund_fee, 0);
}

/** WeChat's business limits on one more refund of `fee` on a trade; an [err_code, des] pair when refused. */
export function refundLimitProblem(
  trade: TradeRow,
  refunds: RefundRow[],
  fee: number,
  except?: string,
  names: AmountNames = V2_NAMES,
): [string, string] | null {
  const refunded = refundedSoFar(refunds, except);
  if (refunded >= trade.total_fee) return ['ERROR', '订单已全额退款'];
  if (except === undefined && refunds.length >= MAX_REFUNDS_PER_TRADE) return ['ERROR', '退款次数超过限制'];
  if (refunded + fee > trade.total_fee) return ['INVALID_REQUEST', `${names.refund}大于可退金额`];
  return null;
}

/**
 * "More than 150 in any 1-second window", counted over every refund call of either protocol that got past TLS,
 * this one included (it is recorded before it is decided).
 */
export function overRateLimit(ctx: Ctx, at: number): boolean {
  return ctx.store.callsSince(at - 1000) > MAX_REFUND_CALLS_PER_SECOND;
}

/** The decision after the protocol's own checks: an armed fault first (nothing done), then the rules in one transaction. */
export function decideRefund(ctx: Ctx, ask: RefundAsk): RefundDecision {
  const forced = ctx.faults.takeRefundError(ask.outRefundNo);
  if (forced) return { accepted: false, code: forced };

  return ctx.store.tx((): RefundDecision => {
    const fail = (code: string, des?: string): RefundDecision => ({ accepted: false, code, des });
    const trade = ask.transactionId
      ? (() => {
          const t = ctx.store.tradeByTransactionId(ask.transactionId);
          return t && readTrade(ctx, t.out_trade_no);
        })()
      : ask.outTradeNo
        ? readTrade(ctx, ask.outTradeNo)
        : undefined;
    if (!trade || trade.state !== 'SUCCESS') return fail('ORDERNOTEXIST');
    const refunds = ctx.store.refundsOfTrade(trade.out_trade_no);
    const existing = ctx.store.refund(ask.outRefundNo);
    const ok = (refund: RefundRow): RefundDecision => ({ accepted: true, trade, refund });

    if (existing) {
      // Same out_refund_no ⇒ at most one refund: a replay with identical amounts gets the same refund back.
      if (existing.out_trade_no !== trade.out_trade_no) return fail('INVALID_REQUEST', '退款单号已被其他订单使用');
      if (existing.refund_fee !== ask.refundFee || existing.total_fee !== ask.totalFee) return fail('REFUND_FEE_MISMATCH');
      if (existing.status === 'REFUNDCLOSE') {
        const problem = refundLimitProblem(trade, refunds, ask.refundFee, existing.out_refund_no, ask.names);
        if (problem) return fail(...problem);
        ctx.store.reopenRefund(existing.out_refund_no, Date.now() + ctx.settleDelayMs, ask.via, ask.notifyUrl);
        ctx.log.info({ outRefundNo: existing.out_refund_no, protocol: ask.via.protocol }, 'sandbox refund resubmitted after REFUNDCLOSE');
        return ok(ctx.store.refund(existing.out_refund_no) as RefundRow);
      }
      return ok(existing);
    }
    if (ask.totalFee !== trade.total_fee) return fail('INVALID_REQUEST', `订单金额${ask.names.total}与原订单金额不一致`);
    const problem = refundLimitProblem(trade, refunds, ask.refundFee, undefined, ask.names);
    if (problem) return fail(...problem);
    const now = Date.now();
    ctx.store.insertRefund({
      out_refund_no: ask.outRefundNo,
      refund_id: newRefundId(now),
      out_trade_no: trade.out_trade_no,
      total_fee: ask.totalFee,
      refund_fee: ask.refundFee,
      status: 'PROCESSING',
      source: 'API',
      refund_account: ask.refundAccount,
      notify_url: ask.notifyUrl,
      settle_at: now + ctx.settleDelayMs,
      created_at: now,
      protocol: ask.via.protocol,
      key_mode: ask.via.keyMode,
    });
    ctx.log.info(
      { outRefundNo: ask.outRefundNo, outTradeNo: trade.out_trade_no, refundFee: ask.refundFee, protocol: ask.via.protocol },
      'sandbox refund accepted',
    );
    return ok(ctx.store.refund(ask.outRefundNo) as RefundRow);
  });
}
