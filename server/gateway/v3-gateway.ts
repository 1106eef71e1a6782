// PayGateway over APIv3 (JSON, RSA-signed requests, every answer and notification verified): the v3 SDK's answers in the mall's words.
import type { MerchantSigner } from '../wechatpay-v3/sign.ts';
import type { V3CallRecord, V3Client } from '../wechatpay-v3/client.ts';
import { requestPaymentParamsV3 } from '../wechatpay-v3/jsapi.ts';
import { payNotifyResource, readV3Notification, refundNotifyResource } from '../wechatpay-v3/notify.ts';
import type { WechatpayKeys } from '../wechatpay-v3/verify.ts';
import type { CallEvidence, NotificationRead, PayGateway, PaymentReport, ReceivedNotification, RefundReport } from './gateway.ts';

/** What a v3 notification is checked with: WeChat Pay's keys (signature), the APIv3 key (resource), and who we are. */
export interface V3Keys {
  appid: string;
  mchId: string;
  apiV3Key: string;
  wechatpay: WechatpayKeys;
}

export function v3Evidence(call: V3CallRecord): CallEvidence {
  return {
    endpoint: call.endpoint,
    request: call.request,
    response: call.response,
    httpStatus: call.httpStatus,
    returnCode: null,
    resultCode: null,
    errCode: call.code,
    errCodeDes: call.message,
    error: call.error,
    durationMs: call.durationMs,
  };
}

/** A v3 pay notification: signature, then AES-GCM, then a transaction of our appid and mchid. */
export async function readV3PayNotification(keys: V3Keys, n: ReceivedNotification): Promise<NotificationRead<PaymentReport>> {
  const read = await readV3Notification(keys.wechatpay, keys.apiV3Key, n);
  if (!read.ok) return read;
  const r = payNotifyResource(read.resource);
  if (!r.ok) return r;
  const t = r.value;
  if (t.appid !== keys.appid || t.mchid !== keys.mchId) return { ok: false, reason: 'the transaction names another appid or mchid' };
  return {
    ok: true,
    report: { outTradeNo: t.out_trade_no, tradeState: t.trade_state, transactionId: t.transaction_id || null, totalFee: t.amount.total },
    decrypted: t,
  };
}

/** A v3 refund notification: signature, then AES-GCM, then a refund of our mchid. */
export async function readV3RefundNotification(keys: V3Keys, n: ReceivedNotification): Promise<NotificationRead<RefundReport>> {
  const read = await readV3Notification(keys.wechatpay, keys.apiV3Key, n);
  if (!read.ok) return read;
  const r = refundNotifyResource(read.resource);
  if (!r.ok) return r;
  const f = r.value;
  if (f.mchid !== keys.mchId) return { ok: false, reason: 'the refund names another mchid' };
  return {
    ok: true,
    report: {
      outRefundNo: f.out_refund_no,
      outTradeNo: f.out_trade_no,
      refundId: f.refund_id,
      refundFee: f.amount.refund,
      totalFee: f.amount.total,
      state: f.refund_status,
      word: f.refund_status,
      requestSource: null,
      successTime: f.success_time ?? null,
      recvAccount: f.user_received_account || null,
    },
    decrypted: f,
  };
}

/** The calls of a v3 gateway; build.ts adds the notification readers, the certificate refresh and the sandbox cashier. */
export function v3Calls(
  client: V3Client,
  signer: MerchantSigner,
  appid: string,
  notifyUrl: (kind: 'pay' | 'refund') => string,
): Pick<PayGateway, 'refund' | 'queryRefund' | 'settleAbnormal' | 'prepay' | 'paymentParams' | 'queryTrade' | 'closeTrade' | 'close'> {
  return {
    async refund(input, timing) {
      const { outcome, call } = await client.refund({ ...input, notifyUrl: notifyUrl('refund') }, timing);
      return { outcome: outcome.kind === 'accepted' ? { kind: 'accepted', refundId: outcome.refundId } : outcome, call: v3Evidence(call) };
    },

    async queryRefund(outRefundNo) {
      const { outcome, call } = await client.queryRefund({ outRefundNo });
      if (outcome.kind !== 'found') return { outcome, call: v3Evidence(call) };
      const v = outcome.refund;
      const refund: RefundReport = {
        outRefundNo: v.outRefundNo,
        outTradeNo: v.outTradeNo,
        refundId: v.refundId,
        refundFee: v.refundFee,
        totalFee: v.totalFee,
        state: v.status,
        word: v.status,
        requestSource: null,
        successTime: v.successTime,
        recvAccount: v.recvAccount,
      };
      return { outcome: { kind: 'found', refund }, call: v3Evidence(call) };
    },

    async settleAbnormal(input) {
      const { outcome, call } = await client.applyAbnormalRefund({ ...input, type: 'MERCHANT_BANK_CARD' });
      return { outcome: outcome.kind === 'accepted' ? { kind: 'accepted' } : outcome, call: v3Evidence(call) };
    },

    async prepay(input) {
      const { outcome, call } = await client.jsapiPrepay({
        outTradeNo: input.outTradeNo,
        totalFee: input.totalFee,
        description: input.description,
        openid: input.openid,
        notifyUrl: notifyUrl('pay'),
      });
      return { outcome, call: v3Evidence(call) };
    },

    paymentParams(prepayId) {
      return requestPaymentParamsV3({ appid, prepayId, privateKey: signer.privateKey });
    },

    async queryTrade(outTradeNo) {
      const { outcome, call } = await client.queryOrder({ outTradeNo });
      if (outcome.kind !== 'ok') return { outcome, call: v3Evidence(call) };
      return {
        outcome: { kind: 'ok', outTradeNo, tradeState: outcome.tradeState, transactionId: outcome.transactionId, totalFee: outcome.totalFee },
        call: v3Evidence(call),
      };
    },

    async closeTrade(outTradeNo) {
      const { outcome, call } = await client.closeOrder({ outTradeNo });
      return { outcome, call: v3Evidence(call) };
    },

    close: () => client.close(),
  };
}
