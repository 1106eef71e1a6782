// Typed shapes of the APIv3 JSON the mall reads: the refund answer, notifications and their decrypted resources (shapes only, no validation).
import type { EncryptedResource } from './aes-gcm.ts';

/** Amounts are whole fen (分) as JSON integers; times are RFC 3339 strings such as `2018-06-08T10:34:56+08:00`. */
type Fen = number;
type Rfc3339 = string;

/** A refund's state in APIv3. (v2 said REFUNDCLOSE and CHANGE for CLOSED and ABNORMAL.) */
export type V3RefundStatus = 'SUCCESS' | 'CLOSED' | 'PROCESSING' | 'ABNORMAL';

/** The Refund object: the answer of `POST /v3/refund/domestic/refunds` and of `GET …/refunds/{out_refund_no}`. */
export type V3Refund = {
  refund_id: string;
  out_refund_no: string;
  transaction_id: string;
  out_trade_no: string;
  channel: 'ORIGINAL' | 'BALANCE' | 'OTHER_BALANCE' | 'OTHER_BANKCARD';
  /** Where the money goes, in words (e.g. 招商银行信用卡0403, 支付用户零钱). */
  user_received_account: string;
  success_time?: Rfc3339;
  create_time: Rfc3339;
  status: V3RefundStatus;
  funds_account?: 'UNSETTLED' | 'AVAILABLE' | 'UNAVAILABLE' | 'OPERATION' | 'BASIC';
  amount: {
    /** The order's total. */
    total: Fen;
    /** This refund's amount. */
    refund: Fen;
    from?: Array<{ account: 'AVAILABLE' | 'UNAVAILABLE'; amount: Fen }>;
    payer_total: Fen;
    payer_refund: Fen;
    settlement_refund: Fen;
    settlement_total: Fen;
    discount_refund: Fen;
    currency: 'CNY';
  };
  promotion_detail?: Array<{
    promotion_id: string;
    scope: 'GLOBAL' | 'SINGLE';
    type: 'COUPON' | 'DISCOUNT';
    amount: Fen;
    refund_amount: Fen;
    goods_detail?: Array<{
      merchant_goods_id: string;
      wechatpay_goods_id?: string;
      goods_name?: string;
      unit_price: Fen;
      refund_amount: Fen;
      refund_quantity: number;
    }>;
  }>;
};

export type V3RefundEventType = 'REFUND.SUCCESS' | 'REFUND.ABNORMAL' | 'REFUND.CLOSED';
export type V3PayEventType = 'TRANSACTION.SUCCESS';

/** The notification envelope WeChat POSTs (JSON); `resource` is decrypted with aes-gcm.ts after the signature holds. */
export type V3Notification<E extends string = string> = {
  id: string;
  create_time: Rfc3339;
  event_type: E;
  resource_type: 'encrypt-resource';
  summary: string;
  resource: EncryptedResource & { original_type: string };
};

/** The decrypted `resource` of a refund notification (`original_type` "refund"). Only final states are notified. */
export type V3RefundNotifyResource = {
  mchid: string;
  transaction_id: string;
  out_trade_no: string;
  refund_id: string;
  out_refund_no: string;
  refund_status: Exclude<V3RefundStatus, 'PROCESSING'>;
  success_time?: Rfc3339;
  user_received_account: string;
  amount: { total: Fen; refund: Fen; payer_total: Fen; payer_refund: Fen };
};

export type V3TradeState = 'SUCCESS' | 'REFUND' | 'NOTPAY' | 'CLOSED' | 'REVOKED' | 'USERPAYING' | 'PAYERROR';

/** The decrypted `resource` of a pay notification (`original_type` "transaction"). */
export type V3PayNotifyResource = {
  appid: string;
  mchid: string;
  out_trade_no: string;
  transaction_id: string;
  trade_type: 'JSAPI' | 'NATIVE' | 'APP' | 'MICROPAY' | 'MWEB' | 'FACEPAY';
  trade_state: V3TradeState;
  trade_state_desc: string;
  bank_type: string;
  attach?: string;
  success_time: Rfc3339;
  payer: { openid: string };
  amount: { total: Fen; payer_total: Fen; currency: 'CNY'; payer_currency: 'CNY' };
};
