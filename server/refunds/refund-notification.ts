// WeChat's refund notification (v2 XML or v3 JSON, read by the gateway): settled through the one door
// (outcome.ts) and stored as received.
import type { Db } from '../db/client.ts';
import type { ApiVersion, PayGateway, ReceivedNotification } from '../gateway/gateway.ts';
import { storeNotification, type NotifyAnswer } from '../notifications/inbox.ts';
import { applyWechatResult, type ApplyOutcome } from './outcome.ts';

export async function handleRefundNotification(db: Db, gw: PayGateway, version: ApiVersion, n: ReceivedNotification): Promise<NotifyAnswer> {
  const body = n.body;
  const read = await gw.readRefundNotification(version, n);
  if (!read.ok) {
    await storeNotification(db, { kind: 'refund', body, outcome: 'rejected', reason: read.reason });
    return { ok: false, message: read.reason };
  }
  const r = read.report;
  if (r.state === 'PROCESSING') {
    // WeChat notifies final states only; a notification saying otherwise changes nothing
    await storeNotification(db, { kind: 'refund', body, outcome: 'rejected', reason: 'a refund notification must carry a final state', decrypted: read.decrypted });
    return { ok: false, message: 'not a final state' };
  }
  const refs = { orderNo: r.outTradeNo, refundNo: r.outRefundNo, decrypted: read.decrypted };
  const stored = (outcome: ApplyOutcome) =>
    outcome.kind === 'rejected'
      ? { kind: 'refund', body, outcome: 'rejected', reason: outcome.reason, ...refs }
      : { kind: 'refund', body, outcome: outcome.kind, ...refs };
  const result = await applyWechatResult(db, { ...r, state: r.state, via: 'notify' }, (tx, outcome) => storeNotification(tx, stored(outcome)));
  // refused by an error, the settlement's transaction rolled back with the notification in it
  if (result.kind === 'rejected' && result.rolledBack) await storeNotification(db, stored(result));
  return result.kind === 'rejected' ? { ok: false, message: result.reason } : { ok: true, message: 'OK' };
}
