// WeChat's pay and refund notifications: verified, applied through the one door, and stored as received.
import type { Db } from '../db/client.ts';
import type { PayGateway } from './gateway.ts';
import { markPaid } from '../orders/payment.ts';
import { applyWechatResult } from '../refunds/outcome.ts';
import { parsePayNotify, parseRefundNotify } from '../wechatpay/notify.ts';

export interface NotifyAnswer {
  ok: boolean;
  message: string;
}

async function store(
  db: Db,
  row: { kind: string; body: Buffer; decrypted?: unknown; outcome: string; reason?: string | null; orderNo?: string | null; refundNo?: string | null },
): Promise<void> {
  await db.$transaction((tx) =>
    tx.notification.create({
      data: {
        kind: row.kind,
        // kept as received; a hostile body that is not UTF-8 text (or holds NUL, which PostgreSQL text
        // cannot) is kept as base64, so nothing is lost and nothing breaks the insert
        body: isStorableText(row.body) ? row.body.toString('utf8') : `base64:${row.body.toString('base64')}`,
        decrypted: row.decrypted === undefined ? null : JSON.stringify(row.decrypted),
        outcome: row.outcome,
        reason: clean(row.reason),
        orderNo: clean(row.orderNo),
        refundNo: clean(row.refundNo),
        receivedAt: new Date(),
      },
    }),
  );
}

function isStorableText(buf: Buffer): boolean {
  if (buf.includes(0)) return false;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(buf);
    return true;
  } catch {
    return false;
  }
}

function clean(text: string | null | undefined): string | null {
  return text == null ? null : text.replaceAll('\u0000', '').slice(0, 500);
}

/**
 * Runs a handler so that nothing escapes as a JSON 500: an unexpected failure is stored with the body
 * (nothing is lost) and answered FAIL, so WeChat delivers again later.
 */
export async function safely(
  db: Db,
  kind: 'pay' | 'refund',
  body: Buffer,
  handle: () => Promise<NotifyAnswer>,
  onError: (err: unknown) => void,
): Promise<NotifyAnswer> {
  try {
    return await handle();
  } catch (err) {
    onError(err);
    await store(db, { kind, body, outcome: 'error', reason: 'could not be applied; WeChat will deliver it again' }).catch(onError);
    return { ok: false, message: 'temporary failure, please retry' };
  }
}

export async function handlePayNotification(db: Db, gw: PayGateway, body: Buffer): Promise<NotifyAnswer> {
  const parsed = parsePayNotify(body, gw.merchant);
  if (!parsed.ok) {
    await store(db, { kind: 'pay', body, outcome: 'rejected', reason: parsed.reason });
    return { ok: false, message: parsed.reason };
  }
  const p = parsed.payment;
  if (p.resultCode !== 'SUCCESS') {
    await store(db, { kind: 'pay', body, outcome: 'ignored', reason: `result_code ${p.resultCode}`, orderNo: p.outTradeNo });
    return { ok: true, message: 'OK' };
  }
  const outcome = await markPaid(db, { outTradeNo: p.outTradeNo, totalFee: p.totalFee, transactionId: p.transactionId });
  if (typeof outcome === 'object') {
    await store(db, { kind: 'pay', body, outcome: 'rejected', reason: outcome.rejected, orderNo: p.outTradeNo });
    return { ok: false, message: outcome.rejected };
  }
  await store(db, { kind: 'pay', body, outcome, orderNo: p.outTradeNo });
  return { ok: true, message: 'OK' };
}

export async function handleRefundNotification(db: Db, gw: PayGateway, body: Buffer): Promise<NotifyAnswer> {
  const parsed = parseRefundNotify(body, gw.merchant);
  if (!parsed.ok) {
    await store(db, { kind: 'refund', body, outcome: 'rejected', reason: parsed.reason });
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
    await store(db, { kind: 'refund', body, outcome: 'rejected', reason: result.reason, ...refs });
    return { ok: false, message: result.reason };
  }
  await store(db, { kind: 'refund', body, outcome: result.kind, ...refs });
  return { ok: true, message: 'OK' };
}
