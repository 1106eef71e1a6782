// Every WeChat notification is stored as received, with what became of it (applied, duplicate, rejected,
// error), so nothing WeChat sent is ever lost and the merchant can see it.
import type { Db, Tx } from '../db/client.ts';

export interface NotifyAnswer {
  ok: boolean;
  message: string;
}

export interface ReceivedRow {
  kind: string;
  body: Buffer;
  decrypted?: unknown;
  outcome: string;
  reason?: string | null;
  orderNo?: string | null;
  refundNo?: string | null;
}

/**
 * Stores it: on its own (`db`), or in the transaction that applied it (`tx`), so that what it did and that it
 * came are committed together, in one transaction instead of two.
 */
export async function storeNotification(db: Db | Tx, row: ReceivedRow): Promise<void> {
  await db.notification.create({ data: notificationData(row) });
}

function notificationData(row: ReceivedRow) {
  return {
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
  };
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
    await storeNotification(db, { kind, body, outcome: 'error', reason: 'could not be applied; WeChat will deliver it again' }).catch(onError);
    return { ok: false, message: 'temporary failure, please retry' };
  }
}

