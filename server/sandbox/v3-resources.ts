// The APIv3 JSON the sandbox answers and notifies, built from the stored rows (v2 vocabulary inside, v3 outside):
// the transaction, the Refund object and the decrypted notification resources (field names per docs/wechat-pay.md § APIv3).
import type { V3PayNotifyResource, V3Refund, V3RefundNotifyResource, V3TradeState } from '../wechatpay-v3/types.ts';
import { chinaRfc3339, rfc3339FromChina } from './ids.ts';
import type { RefundRow, TradeRow } from './store.ts';
import type { SandboxMerchant } from './types.ts';
import { v3RefundStatus } from './v3-codes.ts';

/** Where a refund's money goes unless an abnormal refund was applied for (same words as v2's refund_recv_accout). */
export const WALLET_ACCOUNT = '支付用户零钱';

type TradeType = V3PayNotifyResource['trade_type'];

function tradeState(trade: TradeRow, refunded: boolean): { trade_state: V3TradeState; trade_state_desc: string } {
  if (trade.state === 'NOTPAY') return { trade_state: 'NOTPAY', trade_state_desc: '订单未支付' };
  if (trade.state === 'CLOSED') return { trade_state: 'CLOSED', trade_state_desc: '订单已关闭' };
  // As v2's orderquery: REFUND once a paid trade has a refund, the payment fields staying.
  return refunded ? { trade_state: 'REFUND', trade_state_desc: '订单发生过退款，退款详情请查询退款单' } : { trade_state: 'SUCCESS', trade_state_desc: '支付成功' };
}

/** `GET /v3/pay/transactions/out-trade-no/{no}`: unpaid trades have no transaction_id, success_time nor payer_total. */
export function transactionJson(trade: TradeRow, refunded: boolean): Record<string, unknown> {
  const paid = trade.state === 'SUCCESS';
  return {
    appid: trade.appid,
    mchid: trade.mch_id,
    out_trade_no: trade.out_trade_no,
    ...(paid ? { transaction_id: trade.transaction_id, trade_type: trade.trade_type, bank_type: 'OTHERS' } : {}),
    ...tradeState(trade, refunded),
    ...(trade.attach !== null ? { attach: trade.attach } : {}),
    ...(paid && trade.time_end ? { success_time: rfc3339FromChina(trade.time_end) } : {}),
    payer: trade.openid ? { openid: trade.openid } : {},
    amount: paid
      ? { total: trade.total_fee, payer_total: trade.total_fee, currency: trade.fee_type, payer_currency: trade.fee_type }
      : { total: trade.total_fee, currency: trade.fee_type, payer_currency: trade.fee_type },
  };
}

/** The decrypted resource of TRANSACTION.SUCCESS. */
export function payNotifyResource(trade: TradeRow): V3PayNotifyResource {
  return {
    appid: trade.appid,
    mchid: trade.mch_id,
    out_trade_no: trade.out_trade_no,
    transaction_id: trade.transaction_id ?? '',
    trade_type: trade.trade_type as TradeType,
    trade_state: 'SUCCESS',
    trade_state_desc: '支付成功',
    bank_type: 'OTHERS',
    ...(trade.attach !== null ? { attach: trade.attach } : {}),
    success_time: trade.time_end ? rfc3339FromChina(trade.time_end) : chinaRfc3339(Date.now()),
    payer: { openid: trade.openid ?? '' },
    amount: { total: trade.total_fee, payer_total: trade.total_fee, currency: 'CNY', payer_currency: 'CNY' },
  };
}

/** The Refund object: the answer of create, query and apply-abnormal-refund. No coupons in the sandbox: payer = total. */
export function refundJson(trade: TradeRow, refund: RefundRow): V3Refund {
  return {
    refund_id: refund.refund_id,
    out_refund_no: refund.out_refund_no,
    transaction_id: trade.transaction_id ?? '',
    out_trade_no: trade.out_trade_no,
    channel: refund.abnormal_type ? 'OTHER_BANKCARD' : 'ORIGINAL',
    user_received_account: refund.received_account ?? WALLET_ACCOUNT,
    ...(refund.success_time ? { success_time: rfc3339FromChina(refund.success_time) } : {}),
    create_time: chinaRfc3339(refund.created_at),
    status: v3RefundStatus(refund.status),
    funds_account: refund.refund_account === 'REFUND_SOURCE_RECHARGE_FUNDS' ? 'AVAILABLE' : 'UNSETTLED',
    amount: {
      total: refund.total_fee,
      refund: refund.refund_fee,
      payer_total: refund.total_fee,
      payer_refund: refund.refund_fee,
      settlement_refund: refund.refund_fee,
      settlement_total: refund.total_fee,
      discount_refund: 0,
      currency: 'CNY',
    },
    promotion_detail: [],
  };
}

/** The decrypted resource of REFUND.SUCCESS / ABNORMAL / CLOSED (a final state: never PROCESSING). */
export function refundNotifyResource(merchant: SandboxMerchant, trade: TradeRow, refund: RefundRow): V3RefundNotifyResource {
  const status = v3RefundStatus(refund.status);
  if (status === 'PROCESSING') throw new Error(`refund ${refund.out_refund_no} is not settled: nothing to notify`);
  return {
    mchid: merchant.mchId,
    transaction_id: trade.transaction_id ?? '',
    out_trade_no: trade.out_trade_no,
    refund_id: refund.refund_id,
    out_refund_no: refund.out_refund_no,
    refund_status: status,
    ...(refund.success_time ? { success_time: rfc3339FromChina(refund.success_time) } : {}),
    user_received_account: refund.received_account ?? WALLET_ACCOUNT,
    amount: { total: refund.total_fee, refund: refund.refund_fee, payer_total: refund.total_fee, payer_refund: refund.refund_fee },
  };
}
