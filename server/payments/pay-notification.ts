// WeChat's payment notification: verified, applied (the order becomes PAID once) and stored as received.
import type { Db } from '../db/client.ts';
import type { PayGateway } from '../gateway/gateway.ts';
import { storeNotification, type NotifyAnswer } from '../notifications/inbox.ts';
import { parsePayNotify } from '../wechatpay/notify.ts';
import { markPaid } from './checkout.ts';

export async function handlePayNotification(db: Db, gw: PayGateway, body: Buffer): Promise<NotifyAnswer> {
  const parsed = parsePayNotify(body, gw.merchant);
  if (!parsed.ok) {
    await storeNotification(db, { kind: 'pay', body, outcome: 'rejected', reason: parsed.reason });
    return { ok: false, message: parsed.reason };
  }
  const p = parsed.payment;
  if (p.resultCode !== 'SUCCESS') {
    await storeNotification(db, { kind: 'pay', body, outcome: 'ignored', reason: `result_code ${p.resultCode}`, orderNo: p.outTradeNo });
    return { ok: true, message: 'OK' };
  }
  const outcome = await markPaid(db, { outTradeNo: p.outTradeNo, totalFee: p.totalFee, transactionId: p.transactionId });
  if (typeof outcome === 'object') {
    await storeNotification(db, { kind: 'pay', body, outcome: 'rejected', reason: outcome.rejected, orderNo: p.outTradeNo });
    return { ok: false, message: outcome.rejected };
  }
  await storeNotification(db, { kind: 'pay', body, outcome, orderNo: p.outTradeNo });
  return { ok: true, message: 'OK' };
}

