// APIv3 refunds: create (the rules of refund-rules.ts, shared with v2), query by out_refund_no, and
// apply-abnormal-refund for an ABNORMAL one. Each call to create is recorded like v2's, for the rate limit and the log.
import { z } from 'zod';
import { hasFourByteChars, validNotifyUrl } from './protocol.ts';
import { decideRefund, overRateLimit, type AmountNames } from './refund-rules.ts';
import type { RefundRow, TradeRow } from './store.ts';
import { answer, fail, jsonBody, paramError, type V3Call } from './v3-call.ts';
import { v3Error, type V3Error } from './v3-codes.ts';
import { refundJson } from './v3-resources.ts';

const V3_NAMES: AmountNames = { total: 'amount.total', refund: 'amount.refund' };
const OUT_REFUND_NO = /^[0-9A-Za-z_\-|*@]{1,64}$/; // as v2
const fen = z.number().int().min(1).max(100_000_000_000);

const CreateBody = z.object({
  transaction_id: z.string().max(32).optional(),
  out_trade_no: z.string().max(32).optional(),
  out_refund_no: z.string().regex(OUT_REFUND_NO, '1到64位数字、字母或_-|*@'),
  reason: z.string().optional(),
  notify_url: z.string().optional(),
  funds_account: z.literal('AVAILABLE').optional(), // the only value a merchant may send
  amount: z.object({
    refund: fen,
    total: fen,
    currency: z.literal('CNY'),
    from: z.array(z.object({ account: z.enum(['AVAILABLE', 'UNAVAILABLE']), amount: fen })).optional(),
  }),
  goods_detail: z.array(z.unknown()).optional(),
});

const AbnormalBody = z.object({
  out_refund_no: z.string().min(1).max(64),
  type: z.enum(['USER_BANK_CARD', 'MERCHANT_BANK_CARD']),
  // For USER_BANK_CARD WeChat wants the card (bank_account and real_name encrypted for it); the sandbox takes it as given.
  bank_type: z.string().max(32).optional(),
  bank_account: z.string().optional(),
  real_name: z.string().optional(),
});

/** What the money goes to after apply-abnormal-refund, in the words of user_received_account. */
const ABNORMAL_ACCOUNTS: Record<z.infer<typeof AbnormalBody>['type'], string> = {
  MERCHANT_BANK_CARD: '商户银行卡',
  USER_BANK_CARD: '用户银行卡',
};

const refundNotFound: V3Error = { status: 404, code: 'RESOURCE_NOT_EXISTS', message: '退款单不存在' };

type Created = { ok: { trade: TradeRow; refund: RefundRow } } | { error: V3Error };

/** Best-effort reading of what was asked, for the call log only (even when the body is unusable). */
function logged(raw: Buffer): { outRefundNo: string | null; fee: number | null } {
  try {
    const b = JSON.parse(raw.toString('utf8')) as { out_refund_no?: unknown; amount?: { refund?: unknown } };
    return {
      outRefundNo: typeof b.out_refund_no === 'string' && b.out_refund_no !== '' ? b.out_refund_no : null,
      fee: Number.isSafeInteger(b.amount?.refund) ? (b.amount?.refund as number) : null,
    };
  } catch {
    return { outRefundNo: null, fee: null };
  }
}

function decide(call: V3Call, at: number): Created {
  const { ctx } = call;
  if (overRateLimit(ctx, at)) return { error: v3Error('FREQUENCY_LIMITED') };
  const parsed = jsonBody(call.raw, CreateBody);
  if ('error' in parsed) return parsed;
  const b = parsed.value;
  if (!b.transaction_id && !b.out_trade_no) return { error: paramError('transaction_id和out_trade_no必须二选一') };
  if (b.amount.refund > b.amount.total) return { error: paramError('退款金额amount.refund不能大于原订单金额amount.total') };
  if (b.amount.from && b.amount.from.reduce((sum, f) => sum + f.amount, 0) !== b.amount.refund) {
    return { error: paramError('amount.from的金额之和须等于amount.refund') };
  }
  if (b.reason !== undefined && (hasFourByteChars(b.reason) || [...b.reason].length > 80)) return { error: paramError('reason参数错误') };
  if (b.notify_url !== undefined && !validNotifyUrl(b.notify_url)) return { error: paramError('notify_url格式错误，需为http(s)地址且不能携带参数') };

  const d = decideRefund(ctx, {
    transactionId: b.transaction_id || undefined,
    outTradeNo: b.out_trade_no || undefined,
    outRefundNo: b.out_refund_no,
    totalFee: b.amount.total,
    refundFee: b.amount.refund,
    refundAccount: b.funds_account === 'AVAILABLE' ? 'REFUND_SOURCE_RECHARGE_FUNDS' : 'REFUND_SOURCE_UNSETTLED_FUNDS',
    notifyUrl: b.notify_url || null,
    via: { protocol: 'v3', keyMode: call.mode },
    names: V3_NAMES,
  });
  if (d.accepted) return { ok: { trade: d.trade, refund: d.refund } };
  // Business refusals come in v2's words (ORDERNOTEXIST, ERROR…), faults in either: answered in v3's.
  return { error: v3Error(d.code, d.code === 'ORDERNOTEXIST' ? '订单不存在' : d.des) };
}

/**
 * `POST /v3/refund/domestic/refunds`. `authError` is set when the signature check failed: the call is still
 * recorded (and counted by the rate limit), as v2 records calls refused for their signature.
 */
export function createRefund(call: V3Call, authError: V3Error | null): void {
  const { ctx } = call;
  const at = Date.now();
  const { outRefundNo, fee } = logged(call.raw);
  const callId = ctx.store.recordCall(at, outRefundNo, fee, 'PENDING', 'v3');
  const created: Created = authError ? { error: authError } : decide(call, at);
  ctx.store.setCallResult(callId, 'ok' in created ? 'SUCCESS' : created.error.code);
  if ('ok' in created) {
    ctx.settler.wake();
    if (ctx.faults.takeDropAfterAccept()) {
      ctx.log.warn({ outRefundNo }, 'sandbox fault: v3 refund accepted, connection dropped without an answer');
      call.req.socket.destroy();
      return;
    }
  }
  // Sent after the latency, or the slowMs fault (v3-router.ts).
  if ('ok' in created) answer(call, 200, refundJson(created.ok.trade, created.ok.refund));
  else fail(call, created.error);
}

/** `GET /v3/refund/domestic/refunds/{out_refund_no}`: any refund, whichever protocol made it. */
export function queryRefund(call: V3Call, outRefundNo: string): void {
  const refund = call.ctx.store.refund(outRefundNo);
  const trade = refund && call.ctx.store.trade(refund.out_trade_no);
  if (!refund || !trade) return fail(call, refundNotFound);
  answer(call, 200, refundJson(trade, refund));
}

/**
 * `POST /v3/refund/domestic/refunds/{refund_id}/apply-abnormal-refund`: only for an ABNORMAL refund, which becomes
 * PROCESSING and settles (SUCCESS, unless a settleAs fault says otherwise) after the settle delay, with a notification.
 */
export function applyAbnormalRefund(call: V3Call, refundId: string): void {
  const { ctx } = call;
  const parsed = jsonBody(call.raw, AbnormalBody);
  if ('error' in parsed) return fail(call, parsed.error);
  const b = parsed.value;
  const outcome = ctx.store.tx((): { trade: TradeRow; refund: RefundRow } | { error: V3Error } => {
    const refund = ctx.store.refundById(refundId);
    const trade = refund && ctx.store.trade(refund.out_trade_no);
    if (!refund || !trade || refund.out_refund_no !== b.out_refund_no) return { error: refundNotFound };
    if (refund.status !== 'CHANGE') {
      return { error: { status: 400, code: 'INVALID_REQUEST', message: '退款单状态不是退款异常，不能发起异常退款' } };
    }
    ctx.store.applyAbnormalRefund(refund.out_refund_no, b.type, ABNORMAL_ACCOUNTS[b.type], Date.now() + ctx.settleDelayMs);
    return { trade, refund: ctx.store.refund(refund.out_refund_no) as RefundRow };
  });
  if ('error' in outcome) return fail(call, outcome.error);
  ctx.log.info({ outRefundNo: b.out_refund_no, type: b.type }, 'sandbox abnormal refund applied for');
  ctx.settler.wake();
  answer(call, 200, refundJson(outcome.trade, outcome.refund));
}
