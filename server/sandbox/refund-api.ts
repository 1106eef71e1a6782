// /secapi/pay/refund: mutual TLS, WeChat's refund rules, idempotency per out_refund_no, faults
// (docs/wechatpay.md § Endpoints we call, § The sandbox).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { SignType } from '../wechatpay/sign.ts';
import type { Ctx } from './context.ts';
import { sendXml } from './http-io.ts';
import { newRefundId } from './ids.ts';
import { clientCommonName, sendNoCertificate } from './mtls.ts';
import { readTrade } from './payments.ts';
import {
  answer,
  bizFail,
  checkSignature,
  firstMissing,
  hasFourByteChars,
  parseRequest,
  positiveFen,
  returnFail,
  validNotifyUrl,
  type Params,
} from './protocol.ts';
import type { RefundRow, TradeRow } from './store.ts';

export const MAX_REFUNDS_PER_TRADE = 50;
export const MAX_REFUND_CALLS_PER_SECOND = 150;
const OUT_REFUND_NO = /^[0-9A-Za-z_\-|*@]{1,64}$/;
const REFUND_ACCOUNTS = new Set(['REFUND_SOURCE_UNSETTLED_FUNDS', 'REFUND_SOURCE_RECHARGE_FUNDS']);

interface Decision {
  xml: string;
  /** Recorded in refund_calls: SUCCESS, the err_code, or RETURN_FAIL. */
  result: string;
  accepted: boolean;
}

/** Amount parsing for the call log only: whatever digits were sent, or null. */
function loggedFee(value: string | undefined): number | null {
  return value !== undefined && /^\d{1,12}$/.test(value) ? Number.parseInt(value, 10) : null;
}

/** Sum of refunds that took (or are taking) money out: a closed refund gave it back. */
export function refundedSoFar(refunds: RefundRow[], except?: string): number {
  return refunds.filter((r) => r.status !== 'REFUNDCLOSE' && r.out_refund_no !== except).reduce((sum, r) => sum + r.refund_fee, 0);
}

/** WeChat's business limits on one more refund of `fee` on a trade; an [err_code, des] pair when refused. */
export function refundLimitProblem(trade: TradeRow, refunds: RefundRow[], fee: number, except?: string): [string, string] | null {
  const refunded = refundedSoFar(refunds, except);
  if (refunded >= trade.total_fee) return ['ERROR', '订单已全额退款'];
  if (except === undefined && refunds.length >= MAX_REFUNDS_PER_TRADE) return ['ERROR', '退款次数超过限制'];
  if (refunded + fee > trade.total_fee) return ['INVALID_REQUEST', 'refund_fee大于可退金额'];
  return null;
}

function acceptedAnswer(ctx: Ctx, signType: SignType, trade: TradeRow, refund: RefundRow): string {
  // Field order of the official example; refund_channel is present and empty there.
  return answer(ctx.merchant, signType, {
    result_code: 'SUCCESS',
    transaction_id: trade.transaction_id ?? undefined,
    out_trade_no: trade.out_trade_no,
    out_refund_no: refund.out_refund_no,
    refund_id: refund.refund_id,
    refund_channel: '',
    refund_fee: refund.refund_fee,
    coupon_refund_fee: 0,
    total_fee: trade.total_fee,
    cash_fee: trade.total_fee,
    coupon_refund_count: 0,
    cash_refund_fee: refund.refund_fee,
  });
}

function decide(ctx: Ctx, raw: Buffer, cn: string, at: number): Decision {
  const m = ctx.merchant;
  const returnFailed = (xml: string): Decision => ({ xml, result: 'RETURN_FAIL', accepted: false });
  const parsed = parseRequest(raw);
  if ('fail' in parsed) return returnFailed(parsed.fail);
  const p: Params = parsed.params;
  // Another merchant's certificate, or a body naming another mch_id than the certificate: observed wording.
  if (cn !== m.mchId || p.mch_id !== cn) return returnFailed(returnFail('certificate not match'));
  const sig = checkSignature(p, m);
  if ('fail' in sig) return returnFailed(sig.fail);
  const signType = sig.signType;
  const fail = (code: string, des?: string): Decision => ({ xml: bizFail(m, signType, code, des), result: code, accepted: false });

  if (!p.appid) return fail('PARAM_ERROR', '缺少参数appid');
  if (p.appid !== m.appid) return fail('APPID_MCHID_NOT_MATCH');
  // Counted over every call that got past TLS, this one included: "more than 150 in any 1-second window".
  if (ctx.store.callsSince(at - 1000) > MAX_REFUND_CALLS_PER_SECOND) return fail('FREQUENCY_LIMITED');

  const missing = firstMissing(p, ['nonce_str', 'out_refund_no', 'total_fee', 'refund_fee']);
  if (missing) return fail('PARAM_ERROR', `缺少参数${missing}`);
  if (!p.transaction_id && !p.out_trade_no) return fail('PARAM_ERROR', 'transaction_id、out_trade_no至少填一个');
  if (!OUT_REFUND_NO.test(p.out_refund_no)) return fail('PARAM_ERROR', 'out_refund_no参数错误');
  const totalFee = positiveFen(p.total_fee);
  if (totalFee === null) return fail('PARAM_ERROR', 'total_fee参数错误');
  const refundFee = positiveFen(p.refund_fee);
  if (refundFee === null) return fail('PARAM_ERROR', 'refund_fee参数错误');
  if (refundFee > totalFee) return returnFailed(returnFail('invalid refund_fee')); // observed: a protocol-level FAIL
  if (p.refund_fee_type && p.refund_fee_type !== 'CNY') return fail('PARAM_ERROR', 'refund_fee_type参数错误');
  if (p.refund_desc !== undefined && (hasFourByteChars(p.refund_desc) || [...p.refund_desc].length > 80)) {
    return fail('PARAM_ERROR', 'refund_desc参数错误');
  }
  if (p.refund_account && !REFUND_ACCOUNTS.has(p.refund_account)) return fail('PARAM_ERROR', 'refund_account参数错误');
  if (p.notify_url && !validNotifyUrl(p.notify_url)) return fail('PARAM_ERROR', 'notify_url参数错误，不能携带参数');

  // A forced error answers instead of processing: the refund is NOT accepted (test set-up).
  const forced = ctx.faults.takeRefundError(p.out_refund_no);
  if (forced) return fail(forced);

  return ctx.store.tx((): Decision => {
    const trade = p.transaction_id
      ? (() => {
          const t = ctx.store.tradeByTransactionId(p.transaction_id);
          return t && readTrade(ctx, t.out_trade_no);
        })()
      : readTrade(ctx, p.out_trade_no);
    if (!trade || trade.state !== 'SUCCESS') return fail('ORDERNOTEXIST');
    const refunds = ctx.store.refundsOfTrade(trade.out_trade_no);
    const existing = ctx.store.refund(p.out_refund_no);
    const ok = (refund: RefundRow): Decision => ({ xml: acceptedAnswer(ctx, signType, trade, refund), result: 'SUCCESS', accepted: true });

    if (existing) {
      // Same out_refund_no ⇒ at most one refund: a replay with identical amounts gets the same refund back.
      if (existing.out_trade_no !== trade.out_trade_no) return fail('INVALID_REQUEST', '退款单号已被其他订单使用');
      if (existing.refund_fee !== refundFee || existing.total_fee !== totalFee) return fail('REFUND_FEE_MISMATCH');
      if (existing.status === 'REFUNDCLOSE') {
        const problem = refundLimitProblem(trade, refunds, refundFee, existing.out_refund_no);
        if (problem) return fail(...problem);
        ctx.store.reopenRefund(existing.out_refund_no, Date.now() + ctx.settleDelayMs);
        ctx.log.info({ outRefundNo: existing.out_refund_no }, 'sandbox refund resubmitted after REFUNDCLOSE');
        return ok(ctx.store.refund(existing.out_refund_no) as RefundRow);
      }
      return ok(existing);
    }
    if (totalFee !== trade.total_fee) return fail('INVALID_REQUEST', '订单金额total_fee与原订单金额不一致');
    const problem = refundLimitProblem(trade, refunds, refundFee);
    if (problem) return fail(...problem);
    const now = Date.now();
    ctx.store.insertRefund({
      out_refund_no: p.out_refund_no,
      refund_id: newRefundId(now),
      out_trade_no: trade.out_trade_no,
      total_fee: totalFee,
      refund_fee: refundFee,
      status: 'PROCESSING',
      source: 'API',
      refund_account: p.refund_account || 'REFUND_SOURCE_UNSETTLED_FUNDS',
      notify_url: p.notify_url || null,
      settle_at: now + ctx.settleDelayMs,
      created_at: now,
    });
    ctx.log.info({ outRefundNo: p.out_refund_no, outTradeNo: trade.out_trade_no, refundFee }, 'sandbox refund accepted');
    return ok(ctx.store.refund(p.out_refund_no) as RefundRow);
  });
}

export async function refundHandler(ctx: Ctx, req: IncomingMessage, res: ServerResponse, raw: Buffer): Promise<void> {
  const at = Date.now();
  const parsed = parseRequest(raw);
  const params = 'params' in parsed ? parsed.params : {};
  const outRefundNo = params.out_refund_no || null;
  const fee = loggedFee(params.refund_fee);
  const cn = clientCommonName(req);
  if (cn === null) {
    ctx.store.recordCall(at, outRefundNo, fee, 'NO_CERT');
    sendNoCertificate(res);
    return;
  }
  const callId = ctx.store.recordCall(at, outRefundNo, fee, 'PENDING');
  const decision = decide(ctx, raw, cn, at);
  ctx.store.setCallResult(callId, decision.result);
  if (decision.accepted) ctx.settler.wake();
  if (decision.accepted && ctx.faults.takeDropAfterAccept()) {
    ctx.log.warn({ outRefundNo }, 'sandbox fault: refund accepted, connection dropped without an answer');
    req.socket.destroy();
    return;
  }
  const slowMs = ctx.faults.slowMs;
  if (slowMs > 0) await sleep(slowMs, undefined, { signal: ctx.closing }).catch(() => undefined);
  sendXml(res, decision.xml);
}
