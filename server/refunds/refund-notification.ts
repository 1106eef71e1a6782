// WeChat's refund notification: decrypted, settled through the one door (outcome.ts) and stored as received.
import type { Db } from '../db/client.ts';
import type { PayGateway } from '../gateway/gateway.ts';
import { storeNotification, type NotifyAnswer } from '../notifications/inbox.ts';
import { parseRefundNotify } from '../wechatpay/notify.ts';
import { applyWechatResult } from './outcome.ts';

export async function handleRefundNotification(db: Db, gw: PayGateway, body: Buffer): Promise<NotifyAnswer> {
  const parsed = parseRefundNotify(body, gw.merchant);
  if (!parsed.ok) {
    await storeNotification(db, { kind: 'refund', body, outcome: 'rejected', reason: parsed.reason });
    return { ok: false, message: parsed.reason };
  }
  const i = parsed.info;
  const result = await applyWechatResult(db, {
    outRefundNo: i.outRefundNo,
    outTradeNo: i.outTradeNo,
    refundId: i.refundId,
    status: i.refundStatus,
    refundFee: i.refundFee,
    totalFee: i.totalFee,
    requestSource: i.requestSource,
    via: 'notify',
  });
  const refs = { orderNo: i.outTradeNo, refundNo: i.outRefundNo, decrypted: i };
  if (result.kind === 'rejected') {
    await storeNotification(db, { kind: 'refund', body, outcome: 'rejected', reason: result.reason, ...refs });
    return { ok: false, message: result.reason };
  }
  await storeNotification(db, { kind: 'refund', body, outcome: result.kind, ...refs });
  return { ok: true, message: 'OK' };
}
