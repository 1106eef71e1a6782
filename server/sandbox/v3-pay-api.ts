// APIv3 JSAPI trades: place (prepay_id), query by out_trade_no or transaction_id, close — on the same trades as v2's.
import { z } from 'zod';
import { newPrepayId, parseRfc3339 } from './ids.ts';
import { readTrade } from './payments.ts';
import { hasFourByteChars, validNotifyUrl } from './protocol.ts';
import type { TradeRow } from './store.ts';
import { answer, fail, jsonBody, mchidProblem, paramError, type V3Call } from './v3-call.ts';
import type { V3Error } from './v3-codes.ts';
import { transactionJson } from './v3-resources.ts';

const OUT_TRADE_NO = /^[0-9A-Za-z_\-|*]{6,32}$/; // as v2 (pay-api.ts)

const JsapiBody = z.object({
  appid: z.string().min(1).max(32),
  mchid: z.string().min(1).max(32),
  description: z.string().min(1).max(127),
  out_trade_no: z.string().regex(OUT_TRADE_NO, '6到32位数字、字母或_-|*'),
  time_expire: z.string().optional(),
  attach: z.string().max(128).optional(),
  notify_url: z.string().min(1).max(256),
  goods_tag: z.string().max(32).optional(),
  amount: z.object({ total: z.number().int().min(1).max(100_000_000_000), currency: z.literal('CNY').optional() }),
  payer: z.object({ openid: z.string().min(1).max(128) }),
});

const CloseBody = z.object({ mchid: z.string().min(1).max(32) });

const notFound: V3Error = { status: 404, code: 'ORDER_NOT_EXIST', message: '订单不存在' };

/** `POST /v3/pay/transactions/jsapi` → `{prepay_id}`; the same order placed again gets the same prepay_id. */
export function jsapi(call: V3Call): void {
  const { ctx } = call;
  const parsed = jsonBody(call.raw, JsapiBody);
  if ('error' in parsed) return fail(call, parsed.error);
  const b = parsed.value;
  const problem = mchidProblem(ctx, b.mchid);
  if (problem) return fail(call, problem);
  if (b.appid !== ctx.merchant.appid) return fail(call, { status: 400, code: 'APPID_MCHID_NOT_MATCH', message: 'AppID和mch_id不匹配' });
  if (!validNotifyUrl(b.notify_url)) return fail(call, paramError('notify_url格式错误，需为http(s)地址且不能携带参数'));
  for (const [name, value] of [['description', b.description], ['attach', b.attach]] as const) {
    if (value !== undefined && hasFourByteChars(value)) return fail(call, paramError(`${name}不支持4字节字符`));
  }
  let timeExpireMs: number | null = null;
  if (b.time_expire !== undefined) {
    timeExpireMs = parseRfc3339(b.time_expire);
    if (timeExpireMs === null) return fail(call, paramError('time_expire格式错误，应为RFC3339格式'));
    if (timeExpireMs - Date.now() < 60_000) return fail(call, paramError('time_expire时间过短'));
  }

  const outcome = ctx.store.tx((): { prepayId: string } | { error: V3Error } => {
    const existing = readTrade(ctx, b.out_trade_no);
    if (existing) {
      if (existing.state === 'SUCCESS') return { error: { status: 400, code: 'ORDERPAID', message: '该订单已支付' } };
      if (existing.state === 'CLOSED') return { error: { status: 400, code: 'ORDER_CLOSED', message: '订单已关闭' } };
      // A retried call (even over the other protocol) gets the same prepay_id; changed content is a reused number.
      if (existing.total_fee !== b.amount.total) return { error: { status: 403, code: 'OUT_TRADE_NO_USED', message: '商户订单号重复' } };
      return { prepayId: existing.prepay_id };
    }
    const now = Date.now();
    const prepayId = newPrepayId(now);
    ctx.store.insertTrade({
      out_trade_no: b.out_trade_no,
      appid: b.appid,
      mch_id: b.mchid,
      body: b.description,
      attach: b.attach ?? null,
      device_info: null,
      total_fee: b.amount.total,
      fee_type: 'CNY',
      trade_type: 'JSAPI',
      openid: b.payer.openid,
      notify_url: b.notify_url,
      sign_type: 'RSA', // v3's paySign; never read for v3 trades (their notifications are JSON)
      time_expire_ms: timeExpireMs,
      prepay_id: prepayId,
      created_at: now,
      protocol: 'v3',
      key_mode: call.mode,
    });
    ctx.log.info({ outTradeNo: b.out_trade_no, totalFee: b.amount.total, keyMode: call.mode }, 'sandbox v3 trade created');
    return { prepayId };
  });
  if ('error' in outcome) return fail(call, outcome.error);
  answer(call, 200, { prepay_id: outcome.prepayId });
}

/** `GET …/out-trade-no/{no}?mchid=` or `GET …/id/{transaction_id}?mchid=`. */
export function queryTransaction(call: V3Call, by: 'out_trade_no' | 'transaction_id', value: string): void {
  const { ctx } = call;
  const problem = mchidProblem(ctx, call.url.searchParams.get('mchid'));
  if (problem) return fail(call, problem);
  // In a write transaction: reading may close a trade whose time_expire passed (payments.ts).
  const found = ctx.store.tx((): { trade: TradeRow; refunded: boolean } | undefined => {
    const outTradeNo = by === 'out_trade_no' ? value : ctx.store.tradeByTransactionId(value)?.out_trade_no;
    const trade = outTradeNo === undefined ? undefined : readTrade(ctx, outTradeNo);
    return trade && { trade, refunded: ctx.store.refundsOfTrade(trade.out_trade_no).length > 0 };
  });
  if (!found) return fail(call, notFound);
  answer(call, 200, transactionJson(found.trade, found.refunded));
}

/** `POST …/out-trade-no/{no}/close {mchid}` → 204; closing a closed trade again is a success too. */
export function closeTransaction(call: V3Call, outTradeNo: string): void {
  const { ctx } = call;
  const parsed = jsonBody(call.raw, CloseBody);
  if ('error' in parsed) return fail(call, parsed.error);
  const problem = mchidProblem(ctx, parsed.value.mchid);
  if (problem) return fail(call, problem);
  const error = ctx.store.tx((): V3Error | null => {
    const trade = readTrade(ctx, outTradeNo);
    if (!trade) return notFound;
    if (trade.state === 'SUCCESS') return { status: 400, code: 'ORDERPAID', message: '订单已支付' };
    ctx.store.closeTrade(outTradeNo);
    return null;
  });
  if (error) return fail(call, error);
  answer(call, 204);
}
