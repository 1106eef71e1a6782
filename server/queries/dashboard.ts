// The dashboard's figures: refunds per status, what was refunded today (a China day), orders to ship.
import type { Db } from '../db/client.ts';
import { REFUND_STATUSES } from '../lifecycle/refunds.ts';
import { AWAITING_SHIPMENT } from '../orders/tabs.ts';
import { chinaDayStart, chinaToday } from './china-day.ts';

export async function refundStats(db: Db, now = new Date()) {
  const groups = await db.refund.groupBy({ by: ['status'], _count: { _all: true } });
  const refunds = Object.fromEntries(REFUND_STATUSES.map((s) => [s, 0])) as Record<string, number>;
  for (const g of groups) refunds[g.status] = g._count._all;
  const today = chinaToday(now);
  const done = await db.refund.aggregate({
    where: { status: 'REFUNDED', refundedAt: { gte: chinaDayStart(today) } },
    _count: { _all: true },
    _sum: { amountFen: true },
  });
  const toShip = await db.order.count({ where: AWAITING_SHIPMENT });
  return { refunds, refundedToday: { count: done._count._all, amountFen: done._sum.amountFen ?? 0 }, orders: { toShip } };
}

