// PayGateway over APIv2 (XML, MD5/HMAC-SHA256 signs, mutual TLS for refunds): the v2 SDK's answers in the mall's words.
import { requestPaymentParams } from '../wechatpay/jsapi.ts';
import type { WxPayClient, WxRefundState } from '../wechatpay/client.ts';
import { parsePayNotify, parseRefundNotify } from '../wechatpay/notify.ts';
import type { SignType } from '../wechatpay/sign.ts';
import type { NotificationRead, PayGateway, PaymentReport, ReceivedNotification, RefundReport, ReportedRefundState } from './gateway.ts';

/** What a v2 notification is checked with: the APIv2 key, and the merchant it must name. */
export interface V2Keys {
  appid: string;
  mchId: string;
  apiKey: string;
  signType: SignType;
}

const STATE_OF: Record<WxRefundState, ReportedRefundState> = {
  SUCCESS: 'SUCCESS',
  PROCESSING: 'PROCESSING',
  REFUNDCLOSE: 'CLOSED',
  CHANGE: 'ABNORMAL',
};

/** A v2 pay notification: signed with the APIv2 key; appid and mch_id must be ours. */
export function readV2PayNotification(keys: V2Keys, n: ReceivedNotification): NotificationRead<PaymentReport> {
  const parsed = parsePayNotify(n.body, keys);
  if (!parsed.ok) return parsed;
  const p = parsed.payment;
  return {
    ok: true,
    report: { outTradeNo: p.outTradeNo, tradeState: p.resultCode, transactionId: p.transactionId || null, totalFee: p.totalFee },
    decrypted: undefined,
  };
}

/** A v2 refund notification: unsigned; authentic when req_info decrypts with the APIv2 key. */
export function readV2RefundNotification(keys: V2Keys, n: ReceivedNotification): NotificationRead<RefundReport> {
  const parsed = parseRefundNotify(n.body, keys);
  if (!parsed.ok) return parsed;
  const i = parsed.info;
  return {
    ok: true,
    report: {
      outRefundNo: i.outRefundNo,
      outTradeNo: i.outTradeNo,
      refundId: i.refundId,
      refundFee: i.refundFee,
      totalFee: i.totalFee,
      state: STATE_OF[i.refundStatus],
      word: i.refundStatus,
      requestSource: i.requestSource,
      successTime: i.successTime,
      recvAccount: i.recvAccount,
    },
    decrypted: i,
  };
}

/** The calls of a v2 gateway; build.ts adds the notification readers and the sandbox cashier. */
export function v2Calls(
  client: WxPayClient,
  keys: V2Keys,
  notifyUrl: (kind: 'pay' | 'refund') => string,
): Pick<PayGateway, 'refund' | 'queryRefund' | 'prepay' | 'paymentParams' | 'queryTrade' | 'closeTrade' | 'close'> {
  return {
    async refund(input, timing) {
      const { outcome, call } = await client.refund({
        outTradeNo: input.outTradeNo,
        outRefundNo: input.outRefundNo,
        totalFee: input.totalFee,
        refundFee: input.refundFee,
        refundDesc: input.reason,
        notifyUrl: notifyUrl('refund'),
      }, timing);
      return { outcome, call };
    },

    async queryRefund(outRefundNo) {
      // the v2 SDK's call record has exactly the evidence's fields
      const { outcome, call: evidence } = await client.refundQuery({ outRefundNo });
      if (outcome.kind !== 'found') return { outcome, call: evidence };
      const mine = outcome.refunds.find((r) => r.outRefundNo === outRefundNo);
      if (!mine) return { outcome: { kind: 'not_found' }, call: evidence };
      const refund: RefundReport = {
        outRefundNo: mine.outRefundNo,
        // the v2 answer names the trade only at the top level; the caller compares with its own record
        outTradeNo: null,
        refundId: mine.refundId,
        refundFee: mine.refundFee,
        totalFee: null,
        state: STATE_OF[mine.status],
        word: mine.status,
        requestSource: null,
        successTime: mine.successTime,
        recvAccount: mine.recvAccount,
      };
      return { outcome: { kind: 'found', refund }, call: evidence };
    },

    async prepay(input) {
      const { outcome, call } = await client.unifiedOrder({
        outTradeNo: input.outTradeNo,
        totalFee: input.totalFee,
        body: input.description,
        openid: input.openid,
        spbillCreateIp: input.clientIp,
        notifyUrl: notifyUrl('pay'),
      });
      return { outcome, call };
    },

    paymentParams(prepayId) {
      return requestPaymentParams({ appid: keys.appid, apiKey: keys.apiKey, signType: keys.signType, prepayId });
    },

    async queryTrade(outTradeNo) {
      const { outcome, call: evidence } = await client.orderQuery({ outTradeNo });
      if (outcome.kind === 'ok') {
        return { outcome: { kind: 'ok', outTradeNo, tradeState: outcome.tradeState, transactionId: outcome.transactionId, totalFee: outcome.totalFee }, call: evidence };
      }
      // WeChat never heard of this trade: nothing was paid
      if (outcome.code === 'ORDERNOTEXIST') return { outcome: { kind: 'not_found' }, call: evidence };
      return { outcome, call: evidence };
    },

    async closeTrade(outTradeNo) {
      const { outcome, call } = await client.closeOrder({ outTradeNo });
      return { outcome, call };
    },

    close: () => client.close(),
  };
}
