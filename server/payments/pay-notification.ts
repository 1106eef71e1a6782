// WeChat's payment notification (v2 XML or v3 JSON, read by the gateway): the order becomes PAID once,
// and the notification is stored as received.
import type { Db } from '../db/client.ts';
import type { ApiVersion, PayGateway, ReceivedNotification } from '../gateway/gateway.ts';
import { storeNotification, type NotifyAnswer } from '../notifications/inbox.ts';
import { markPaid } from './checkout.ts';

export async function handlePayNotification(db: Db, gw: PayGateway, version: ApiVersion, n: ReceivedNotification): Promise<NotifyAnswer> {
  const body = n.body;
  const read = await gw.readPayNotification(version, n);
  if (!read.ok) {
    await storeNotification(db, { kind: 'pay', body, outcome: 'rejected', reason: read.reason });
    return { ok: false, message: read.reason };
  }
  const p = read.report;
  const decrypted = read.decrypted;
  if (p.tradeState !== 'SUCCESS' || p.totalFee === null) {
    await storeNotification(db, { kind: 'pay', body, decrypted, outcome: 'ignored', reason: `trade state ${p.tradeState}`, orderNo: p.outTradeNo });
    return { ok: true, message: 'OK' };
  }
  const outcome = await markPaid(db, { outTradeNo: p.outTradeNo, totalFee: p.totalFee, transactionId: p.transactionId });
  if (typeof outcome === 'object') {
    await storeNotification(db, { kind: 'pay', body, decrypted, outcome: 'rejected', reason: outcome.rejected, orderNo: p.outTradeNo });
    return { ok: false, message: outcome.rejected };
  }
  await storeNotification(db, { kind: 'pay', body, decrypted, outcome, orderNo: p.outTradeNo });
  return { ok: true, message: 'OK' };
}
