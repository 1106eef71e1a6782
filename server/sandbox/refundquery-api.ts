// /pay/refundquery (docs/wechat-pay.md § Endpoints we call): one refund by refund_id / out_refund_no, or a trade's refunds, 10 per page.
import type { SignType } from '../wechatpay/sign.ts';
import type { Ctx } from './context.ts';
import { readTrade } from './payments.ts';
import { answer, bizFail, type Params } from './protocol.ts';
import type { RefundRow, TradeRow } from './store.ts';

const PAGE = 10;

function refundFields(r: RefundRow, n: number): Record<string, string | number | undefined> {
  return {
    [`out_refund_no_${n}`]: r.out_refund_no,
    [`refund_id_${n}`]: r.refund_id,
    [`refund_channel_${n}`]: r.abnormal_type ? 'OTHER_BANKCARD' : 'ORIGINAL', // after an APIv3 apply-abnormal-refund
    [`refund_fee_${n}`]: r.refund_fee,
    [`settlement_refund_fee_${n}`]: r.refund_fee,
    [`refund_status_${n}`]: r.status,
    [`refund_account_${n}`]: r.refund_account,
    [`refund_recv_accout_${n}`]: r.received_account ?? '支付用户零钱', // sic
    [`refund_success_time_${n}`]: r.success_time ?? undefined,
  };
}

export function refundQuery(ctx: Ctx, params: Params, signType: SignType): string {
  const m = ctx.merchant;
  if (!params.appid) return bizFail(m, signType, 'PARAM_ERROR', '缺少参数appid');
  if (params.appid !== m.appid) return bizFail(m, signType, 'APPID_MCHID_NOT_MATCH');
  let offset: number | undefined;
  if (params.offset !== undefined && params.offset !== '') {
    if (!/^\d{1,6}$/.test(params.offset)) return bizFail(m, signType, 'PARAM_ERROR', 'offset参数错误');
    offset = Number.parseInt(params.offset, 10);
  }

  let trade: TradeRow | undefined;
  let refunds: RefundRow[];
  let total: number | undefined;
  // Priority when several are given: refund_id > out_refund_no > transaction_id > out_trade_no.
  if (params.refund_id || params.out_refund_no) {
    const r = params.refund_id ? ctx.store.refundById(params.refund_id) : ctx.store.refund(params.out_refund_no);
    if (!r) return bizFail(m, signType, 'REFUNDNOTEXIST', 'not exist');
    trade = ctx.store.trade(r.out_trade_no);
    refunds = [r];
  } else if (params.transaction_id || params.out_trade_no) {
    trade = params.transaction_id ? ctx.store.tradeByTransactionId(params.transaction_id) : readTrade(ctx, params.out_trade_no);
    const all = trade ? ctx.store.refundsOfTrade(trade.out_trade_no) : [];
    if (all.length === 0) return bizFail(m, signType, 'REFUNDNOTEXIST', 'not exist'); // unknown, unpaid or never refunded
    if (offset !== undefined && offset >= all.length) return bizFail(m, signType, 'PARAM_ERROR', 'offset参数错误');
    refunds = all.slice(offset ?? 0, (offset ?? 0) + PAGE);
    total = all.length;
  } else {
    return bizFail(m, signType, 'PARAM_ERROR', 'refund_id、out_refund_no、transaction_id、out_trade_no至少填一个');
  }
  if (!trade) return bizFail(m, signType, 'REFUNDNOTEXIST', 'not exist');

  const fields: Record<string, string | number | undefined> = {
    result_code: 'SUCCESS',
    transaction_id: trade.transaction_id ?? undefined,
    out_trade_no: trade.out_trade_no,
    total_fee: trade.total_fee,
    settlement_total_fee: trade.total_fee,
    fee_type: trade.fee_type,
    cash_fee: trade.total_fee,
    total_refund_count: offset !== undefined ? total : undefined, // only when offset was passed
    refund_count: refunds.length,
  };
  refunds.forEach((r, n) => Object.assign(fields, refundFields(r, n)));
  return answer(m, signType, fields);
}
