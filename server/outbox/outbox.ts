// The outbox: calls to WeChat that follow a change are written as an intent in the change's own
// transaction, and sent by the worker (worker.ts) after commit. One row per cause (causeKey is unique), so
// a cause is never queued twice, and a row that WeChat accepted is DONE and never sent again
// (docs/architecture.md "Outbox").
import type { Db, Tx } from '../db/client.ts';
import { DomainError, notFound } from '../errors.ts';

export const OUTBOX_STATUSES = ['PENDING', 'DONE', 'FAILED'] as const;
export type OutboxStatus = (typeof OUTBOX_STATUSES)[number];

export interface OutboxIntent {
  kind: string;
  /** What caused it, e.g. `shipping:<orderNo>`: at most one message per cause. */
  causeKey: string;
  payload: unknown;
  orderId?: number | null;
}

/** Queues the intent in the caller's transaction; a cause already queued is left as it is. */
export async function enqueue(tx: Tx, intent: OutboxIntent, now = new Date()): Promise<void> {
  const existing = await tx.outboxMessage.findUnique({ where: { causeKey: intent.causeKey }, select: { id: true } });
  if (existing) return;
  await tx.outboxMessage.create({
    data: {
      kind: intent.kind,
      causeKey: intent.causeKey,
      orderId: intent.orderId ?? null,
      payload: JSON.stringify(intent.payload),
      status: 'PENDING',
      nextAttemptAt: now,
      createdAt: now,
      updatedAt: now,
    },
  });
}

/** A message as the merchant sees it. */
export interface OutboxState {
  status: OutboxStatus;
  attempts: number;
  lastError: string | null;
  doneAt: Date | null;
}

export async function outboxStates(db: Db | Tx, causeKeys: string[]): Promise<Map<string, OutboxState>> {
  if (causeKeys.length === 0) return new Map();
  const rows = await db.outboxMessage.findMany({
    where: { causeKey: { in: causeKeys } },
    select: { causeKey: true, status: true, attempts: true, lastError: true, doneAt: true },
  });
  return new Map(rows.map((r) => [r.causeKey, { status: r.status as OutboxStatus, attempts: r.attempts, lastError: r.lastError, doneAt: r.doneAt }]));
}

/**
 * A merchant's "try again now": a FAILED message goes back to PENDING with a fresh count, a PENDING one is
 * made due now. A DONE one is refused: WeChat already said yes, and sending it again could cost the
 * buyer's one re-ship (docs/wechat-pay.md "WeChat platform calls").
 */
export async function retryNow(db: Db, causeKey: string): Promise<void> {
  await db.$transaction(async (tx) => {
    const row = await tx.outboxMessage.findUnique({ where: { causeKey } });
    if (!row) throw notFound('The upload');
    if (row.status === 'DONE') throw new DomainError('INVALID_STATE', 'WeChat already accepted this upload; it is not sent again.');
    const now = new Date();
    // being sent right now (its lease runs): a second send beside it is what the outbox exists to prevent
    if (row.inFlightAt && row.nextAttemptAt && row.nextAttemptAt > now) return;
    await tx.outboxMessage.updateMany({
      where: { id: row.id, status: row.status },
      data: { status: 'PENDING', attempts: row.status === 'FAILED' ? 0 : row.attempts, nextAttemptAt: now, updatedAt: now },
    });
  });
}
