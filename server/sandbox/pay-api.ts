// /pay/unifiedorder, /pay/orderquery and /pay/closeorder (docs/wechat-pay.md § Endpoints we call): JSAPI trades for the mini-program.
import type { SignType } from '../wechatpay/sign.ts';
import type { Ctx } from './context.ts';
import { newPrepayId, parseChinaCompact } from './ids.ts';
import { readTrade } from './payments.ts';
import { answer, bizFail, firstMissing, hasFourByteChars, positiveFen, validNotifyUrl, type Params } from './protocol.ts';
import type { TradeRow } from './store.ts';

const OUT_TRADE_NO = /^[0-9A-Za-z_\-|*]{6,32}$/; // current docs: at least 6 characters
const TRADE_TYPES = new Set(['JSAPI', 'NATIVE', 'APP', 'MWEB']);

/** Envelope checks after the signature: the appid must belong to this merchant. */
function appidProblem(ctx: Ctx, params: Params, signType: SignType): string | undefined {
  if (params.appid === undefined || params.appid === '') return bizFail(ctx.merchant, signType, 'LACK_PARAMS', '缺少参数appid');
  if (params.appid !== ctx.merchant.appid) return bizFail(ctx.merchant, signType, 'APPID_MCHID_NOT_MATCH');
  return undefined;
}

export function unifiedOrder(ctx: Ctx, params: Params, signType: SignType): string {
  const m = ctx.merchant;
  const fail = (code: string, des?: string) => bizFail(m, signType, code, des);
  const bad = appidProblem(ctx, params, signType);
  if (bad) return bad;
  const missing = firstMissing(params, ['nonce_str', 'body', 'out_trade_no', 'total_fee', 'spbill_create_ip', 'notify_url', 'trade_type']);
  if (missing) return fail('LACK_PARAMS', `缺少参数${missing}`);
  if (params.trade_type === 'JSAPI' && !params.openid) return fail('LACK_PARAMS', 'trade_type=JSAPI时（即JSAPI支付），openid为必传参数');
  if (!TRADE_TYPES.has(params.trade_type)) return fail('PARAM_ERROR', 'trade_type参数错误');
  if (!OUT_TRADE_NO.test(params.out_trade_no)) return fail('PARAM_ERROR', 'out_trade_no参数错误');
  const totalFee = positiveFen(params.total_fee);
  if (totalFee === null) return fail('PARAM_ERROR', 'total_fee参数错误');
  if (params.fee_type !== undefined && params.fee_type !== 'CNY') return fail('PARAM_ERROR', 'fee_type参数错误');
  if (!validNotifyUrl(params.notify_url)) return fail('PARAM_ERROR', 'notify_url参数错误，不能携带参数');
  for (const f of ['body', 'attach', 'detail'] as const) {
    if (params[f] !== undefined && hasFourByteChars(params[f])) return fail('PARAM_ERROR', `${f}参数错误，不支持4字节字符`);
  }
  if ([...params.body].length > 128) return fail('PARAM_ERROR', 'body参数长度有误');
  if (params.attach !== undefined && [...params.attach].length > 127) return fail('PARAM_ERROR', 'attach参数长度有误');
  let timeExpireMs: number | null = null;
  if (params.time_expire !== undefined && params.time_expire !== '') {
    timeExpireMs = parseChinaCompact(params.time_expire);
    if (timeExpireMs === null) return fail('PARAM_ERROR', 'time_expire时间格式错误');
    if (timeExpireMs - Date.now() < 60_000) return fail('PARAM_ERROR', 'time_expire时间过短，刷卡至少1分钟，其他5分钟');
  }

  return ctx.store.tx(() => {
    const existing = readTrade(ctx, params.out_trade_no);
    if (existing) {
      if (existing.state === 'SUCCESS') return fail('ORDERPAID');
      if (existing.state === 'CLOSED') return fail('ORDERCLOSED');
      // The same order placed again (a retried call) gets the same prepay_id; changed content is a reused number.
      if (existing.total_fee !== totalFee) return fail('OUT_TRADE_NO_USED');
      return answer(m, signType, { result_code: 'SUCCESS', trade_type: existing.trade_type, prepay_id: existing.prepay_id });
    }
    const now = Date.now();
    const prepayId = newPrepayId(now);
    ctx.store.insertTrade({
      out_trade_no: params.out_trade_no,
      appid: params.appid,
      mch_id: params.mch_id,
      body: params.body,
      attach: params.attach ?? null,
      device_info: params.device_info ?? null,
      total_fee: totalFee,
      fee_type: 'CNY',
      trade_type: params.trade_type,
      openid: params.openid ?? null,
      notify_url: params.notify_url,
      sign_type: signType,
      time_expire_ms: timeExpireMs,
      prepay_id: prepayId,
      created_at: now,
      protocol: 'v2',
      key_mode: null,
    });
    ctx.log.info({ outTradeNo: params.out_trade_no, totalFee }, 'sandbox trade created');
    return answer(m, signType, { result_code: 'SUCCESS', trade_type: params.trade_type, device_info: params.device_info, prepay_id: prepayId });
  });
}

function findTrade(ctx: Ctx, params: Params): TradeRow | undefined {
  // transaction_id wins when both are given, as WeChat documents.
  if (params.transaction_id) {
    const t = ctx.store.tradeByTransactionId(params.transaction_id);
    return t ? readTrade(ctx, t.out_trade_no) : undefined;
  }
  return params.out_trade_no ? readTrade(ctx, params.out_trade_no) : undefined;
}

export function orderQuery(ctx: Ctx, params: Params, signType: SignType): string {
  const m = ctx.merchant;
  const bad = appidProblem(ctx, params, signType);
  if (bad) return bad;
  if (!params.transaction_id && !params.out_trade_no) return bizFail(m, signType, 'PARAM_ERROR', 'transaction_id、out_trade_no至少填一个');
  const trade = ctx.store.tx(() => findTrade(ctx, params));
  if (!trade) return bizFail(m, signType, 'ORDERNOTEXIST', 'order not exist');
  if (trade.state === 'NOTPAY' || trade.state === 'CLOSED') {
    return answer(m, signType, {
      result_code: 'SUCCESS',
      out_trade_no: trade.out_trade_no,
      trade_state: trade.state,
      trade_state_desc: trade.state === 'NOTPAY' ? '订单未支付' : '订单已关闭',
      total_fee: trade.total_fee,
      attach: trade.attach ?? undefined,
    });
  }
  // WeChat reports REFUND ("转入退款") once a refund was made on a paid trade; the payment fields stay.
  const refunded = ctx.store.refundsOfTrade(trade.out_trade_no).length > 0;
  return answer(m, signType, {
    result_code: 'SUCCESS',
    device_info: trade.device_info ?? undefined,
    openid: trade.openid ?? undefined,
    is_subscribe: 'N',
    trade_type: trade.trade_type,
    trade_state: refunded ? 'REFUND' : 'SUCCESS',
    bank_type: 'OTHERS',
    total_fee: trade.total_fee,
    cash_fee: trade.total_fee,
    fee_type: trade.fee_type,
    transaction_id: trade.transaction_id ?? undefined,
    out_trade_no: trade.out_trade_no,
    attach: trade.attach ?? undefined,
    time_end: trade.time_end ?? undefined,
    trade_state_desc: refunded ? '订单发生过退款，退款详情请查询退款单' : '支付成功',
  });
}

export function closeOrder(ctx: Ctx, params: Params, signType: SignType): string {
  const m = ctx.merchant;
  const bad = appidProblem(ctx, params, signType);
  if (bad) return bad;
  if (!params.out_trade_no) return bizFail(m, signType, 'LACK_PARAMS', '缺少参数out_trade_no');
  return ctx.store.tx(() => {
    const trade = readTrade(ctx, params.out_trade_no);
    if (!trade) return bizFail(m, signType, 'ORDERNOTEXIST');
    if (trade.state === 'SUCCESS') return bizFail(m, signType, 'ORDERPAID');
    ctx.store.closeTrade(trade.out_trade_no); // closing a closed order again is a success
    return answer(m, signType, { result_code: 'SUCCESS' });
  });
}
