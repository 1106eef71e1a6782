// What the merchant's pages read: the refund queue with its filters, one refund's whole story, the dashboard.
import type { Db } from '../db/client.ts';
import { notFound } from '../http/errors.ts';
import { ORDER_FULL, orderView } from '../orders/views.ts';
import { REFUND_STATUSES } from './state.ts';
import { REFUND_WITH_ORDER_NO, refundView } from './views.ts';

const CHINA_OFFSET = '+08:00'; // merchants think in China days

export function chinaDayStart(day: string): Date {
  return new Date(`${day}T00:00:00${CHINA_OFFSET}`);
}

/**
 * A number typed into the search box: its prefix, or exactly it when it holds `_`, which LIKE (behind
 * Prisma's startsWith) would take as a wildcard. Our own numbers never contain `_`; WeChat's may.
 */
function numberMatch(q: string): { startsWith: string } | { equals: string } {
  return q.includes('_') ? { equals: q } : { startsWith: q };
}

export interface RefundFilter {
  status?: string;
  q?: string;
  from?: string;
  to?: string;
  sort: 'newest' | 'oldest';
  page: number;
  pageSize: number;
}

export async function listRefunds(db: Db, f: RefundFilter) {
  const createdAt: { gte?: Date; lt?: Date } = {};
  if (f.from) createdAt.gte = chinaDayStart(f.from);
  if (f.to) createdAt.lt = new Date(chinaDayStart(f.to).getTime() + 24 * 3600_000);
  const where = {
    ...(f.status ? { status: f.status } : {}),
    ...(f.from || f.to ? { createdAt } : {}),
    ...(f.q ? { OR: [{ refundNo: numberMatch(f.q) }, { order: { orderNo: numberMatch(f.q) } }] } : {}),
  };
  const dir = f.sort === 'oldest' ? 'asc' : 'desc';
  const [rows, total] = await Promise.all([
    db.refund.findMany({
      where,
      orderBy: [{ createdAt: dir }, { id: dir }],
      skip: (f.page - 1) * f.pageSize,
      take: f.pageSize,
      include: { order: { select: { orderNo: true, totalFen: true } } },
    }),
    db.refund.count({ where }),
  ]);
  return {
    items: rows.map((r) => ({ ...refundView(r, 'admin'), orderTotalFen: r.order.totalFen })),
    total,
    page: f.page,
    pageSize: f.pageSize,
  };
}

export async function refundDetail(db: Db, refundNo: string) {
  const r = await db.refund.findUnique({
    where: { refundNo },
    include: {
      ...REFUND_WITH_ORDER_NO,
      events: { orderBy: { id: 'asc' } },
      wechatCalls: { orderBy: { id: 'asc' } },
    },
  });
  if (!r) throw notFound(`Refund ${refundNo}`);
  const order = await db.order.findUniqueOrThrow({ where: { id: r.orderId }, include: { ...ORDER_FULL, buyer: true } });
  return {
    ...refundView(r, 'admin'),
    order: orderView(order, 'admin'),
    events: r.events.map((e) => ({ at: e.at.toISOString(), from: e.fromStatus, to: e.toStatus, action: e.action, actor: e.actor, note: e.note })),
    wechatCalls: r.wechatCalls.map((c) => ({
      at: c.at.toISOString(),
      endpoint: c.endpoint,
      returnCode: c.returnCode,
      resultCode: c.resultCode,
      errCode: c.errCode,
      errCodeDes: c.errCodeDes,
      httpStatus: c.httpStatus,
      error: c.error,
      durationMs: c.durationMs,
    })),
  };
}

export async function refundStats(db: Db, now = new Date()) {
  const groups = await db.refund.groupBy({ by: ['status'], _count: { _all: true } });
  const refunds = Object.fromEntries(REFUND_STATUSES.map((s) => [s, 0])) as Record<string, number>;
  for (const g of groups) refunds[g.status] = g._count._all;
  const today = new Date(now.getTime() + 8 * 3600_000).toISOString().slice(0, 10);
  const done = await db.refund.aggregate({
    where: { status: 'REFUNDED', refundedAt: { gte: chinaDayStart(today) } },
    _count: { _all: true },
    _sum: { amountFen: true },
  });
  return { refunds, refundedToday: { count: done._count._all, amountFen: done._sum.amountFen ?? 0 } };
}

export async function listOrders(db: Db, f: { status?: string; q?: string; page: number; pageSize: number }) {
  const where = {
    ...(f.status ? { status: f.status } : {}),
    ...(f.q ? { orderNo: numberMatch(f.q) } : {}),
  };
  const [rows, total] = await Promise.all([
    db.order.findMany({ where, orderBy: { id: 'desc' }, skip: (f.page - 1) * f.pageSize, take: f.pageSize, include: { ...ORDER_FULL, buyer: true } }),
    db.order.count({ where }),
  ]);
  return { items: rows.map((o) => orderView(o, 'admin')), total, page: f.page, pageSize: f.pageSize };
}

export async function orderDetail(db: Db, orderNo: string) {
  const o = await db.order.findUnique({ where: { orderNo }, include: { ...ORDER_FULL, buyer: true } });
  if (!o) throw notFound(`Order ${orderNo}`);
  return orderView(o, 'admin');
}
