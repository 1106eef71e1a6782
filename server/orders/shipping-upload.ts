// The outbox's first user: telling WeChat's mini-program shipping service (小程序发货信息管理) that an order
// shipped. The intent is queued in the ship's transaction; the handler sends it after commit. WeChat allows
// one re-ship per payment, so a send whose outcome is unknown (its sender died) asks WeChat first
// (docs/wechat-pay.md "WeChat platform calls").
import type { Db } from '../db/client.ts';
import type { OutboxHandler, SendResult } from '../outbox/worker.ts';
import type { OutboxIntent } from '../outbox/outbox.ts';
import type { ShippingPlatform } from '../wechat/platform/client.ts';
import { itemDesc, maskPhone } from '../wechat/platform/shipping.ts';
import { recordPlatformCall } from '../gateway/call-log.ts';
import type { Address } from './address.ts';

export const SHIPPING_UPLOAD = 'wechat.shipping';

export const shippingCause = (orderNo: string) => `shipping:${orderNo}`;

interface ShippingPayload {
  orderNo: string;
  transactionId: string | null;
  openid: string;
  carrier: string;
  trackingNo: string;
  itemDesc: string;
  receiverContact: string;
}

export function shippingUploadIntent(o: {
  id: number;
  orderNo: string;
  transactionId: string | null;
  buyer: { openid: string };
  items: Array<{ name: string; quantity: number }>;
  address: Address;
  carrier: string;
  trackingNo: string;
}): OutboxIntent {
  const payload: ShippingPayload = {
    orderNo: o.orderNo,
    transactionId: o.transactionId,
    openid: o.buyer.openid,
    carrier: o.carrier,
    trackingNo: o.trackingNo,
    itemDesc: itemDesc(o.items),
    receiverContact: maskPhone(o.address.phone),
  };
  return { kind: SHIPPING_UPLOAD, causeKey: shippingCause(o.orderNo), orderId: o.id, payload };
}

export function shippingUploadHandler(db: Db, platform: ShippingPlatform): OutboxHandler {
  return {
    async send(message, { outcomeUnknown }): Promise<SendResult> {
      const p = JSON.parse(message.payload) as ShippingPayload;
      if (!p.transactionId) return { kind: 'final', error: 'the payment has no WeChat transaction_id; upload it on the mini-program admin by hand' };
      if (outcomeUnknown) {
        // an earlier send may have been accepted: a second one would use up the payment's one re-ship
        const { outcome, call } = await platform.getShippingOrder(p.transactionId);
        await recordPlatformCall(db, call, p.orderNo);
        // no answer is not "not shipped": the upload waits until WeChat says what it holds
        if (outcome.kind === 'error') return { kind: 'retry', error: `asking WeChat whether an earlier upload arrived failed: ${outcome.errcode ?? 'network'}: ${outcome.errmsg}` };
        if (outcome.orderState >= 2) return { kind: 'done' };
      }
      const { outcome, call } = await platform.uploadShippingInfo({
        transactionId: p.transactionId,
        openid: p.openid,
        trackingNo: p.trackingNo,
        expressCompany: p.carrier,
        itemDesc: p.itemDesc,
        receiverContact: p.receiverContact,
        uploadTime: new Date(),
      });
      await recordPlatformCall(db, call, p.orderNo);
      if (outcome.kind === 'ok') return { kind: 'done' };
      // every refusal is retried with back-off, even those WeChat will likely repeat: the merchant sees the
      // error on the order, and the outbox gives up after its last attempt (then only a retry by hand)
      return { kind: 'retry', error: `${outcome.errcode ?? 'network'}: ${outcome.errmsg}` };
    },
  };
}
