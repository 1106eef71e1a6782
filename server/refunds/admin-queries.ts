// What the merchant's pages read: the refund queue with its filters, one refund's whole story, the dashboard.
import { readSnapshot, type Db } from '../db/client.ts';
import { Prisma } from '../db/generated/sqlite/client.ts';
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

/** A refund search (q) that matches at most this many refunds or orders is answered from the matches. */
const Q_MATCH_CAP = 5_000;

/**
 * "The number starts with q", as index ranges [q, q + U+10FFFF) that both SQLite and PostgreSQL can use,
 * with the prefix test itself kept (`startsWith`), so a collation's ordering can only narrow what the range
 * finds, never widen it. q as typed and q in capitals: our numbers are capitals, and merchants type
 * them in either case. % and _ are characters of the number here, not patterns.
 */
function numberPrefix<K extends string>(field: K, q: string): { OR: Array<Record<K, { gte: string; lt: string; startsWith: string }>> } {
  const variants = [...new Set([q, q.toUpperCase()])];
  return { OR: variants.map((v) => ({ [field]: { gte: v, lt: `${v}\u{10FFFF}`, startsWith: v } }) as Record<K, { gte: string; lt: string; startsWith: string }>) };
}

/**
 * The refund queue. Pages are read in two steps, the page's ids from an index (a deep page skips index
 * entries, not rows), then those rows; a search by number looks the number up in its index first and
 * filters and orders the few matches, instead of testing every refund of the status or period.
 */
export async function listRefunds(db: Db, f: RefundFilter) {
  const createdAt: { gte?: Date; lt?: Date } = {};
  if (f.from) createdAt.gte = chinaDayStart(f.from);
  if (f.to) createdAt.lt = new Date(chinaDayStart(f.to).getTime() + 24 * 3600_000);
  const base = {
    ...(f.status ? { status: f.status } : {}),
    ...(f.from || f.to ? { createdAt } : {}),
  };
  const dir = f.sort === 'oldest' ? 'asc' : 'desc';
  const skip = (f.page - 1) * f.pageSize;
  let ids: number[];
  let total: number;
  const matches = f.q ? await refundsMatching(db, f.q) : null;
  if (matches) {
    const wanted = matches.filter(
      (m) =>
        (!f.status || m.status === f.status) &&
        (!createdAt.gte || m.createdAt.getTime() >= createdAt.gte.getTime()) &&
        (!createdAt.lt || m.createdAt.getTime() < createdAt.lt.getTime()),
    );
    const sign = dir === 'asc' ? 1 : -1;
    wanted.sort((a, b) => sign * (a.createdAt.getTime() - b.createdAt.getTime() || a.id - b.id));
    total = wanted.length;
    ids = wanted.slice(skip, skip + f.pageSize).map((m) => m.id);
  } else {
    // no search, or one too broad to answer from its matches: the filters, read in index order
    const where = f.q ? { AND: [base, { OR: [numberPrefix('refundNo', f.q), { order: numberPrefix('orderNo', f.q) }] }] } : base;
    const [page, count] = await Promise.all([
      db.refund.findMany({ where, orderBy: [{ createdAt: dir }, { id: dir }], skip, take: f.pageSize, select: { id: true } }),
      f.q ? db.refund.count({ where }) : countRefunds(db, f.status, createdAt),
    ]);
    ids = page.map((r) => r.id);
    total = count;
  }
  const rows = await rowsById(db, ids);
  return {
    items: rows.map((r) => ({ ...refundView(r, 'admin'), orderTotalFen: r.order.totalFen })),
    total,
    page: f.page,
    pageSize: f.pageSize,
  };
}

/**
 * COUNT(*) over the status and period filters, written out: Prisma's count() wraps the filter in a
 * LIMIT/OFFSET subquery that SQLite cannot count from the index directly (2–3× slower on 10⁵ rows).
 */
async function countRefunds(db: Db, status: string | undefined, createdAt: { gte?: Date; lt?: Date }): Promise<number> {
  const conditions: Prisma.Sql[] = [];
  if (status) conditions.push(Prisma.sql`"status" = ${status}`);
  if (createdAt.gte) conditions.push(Prisma.sql`"createdAt" >= ${createdAt.gte}`);
  if (createdAt.lt) conditions.push(Prisma.sql`"createdAt" < ${createdAt.lt}`);
  const where = conditions.length > 0 ? Prisma.sql`WHERE ${Prisma.join(conditions, ' AND ')}` : Prisma.empty;
  const [row] = await db.$queryRaw<Array<{ n: number | bigint }>>`SELECT COUNT(*) AS "n" FROM "Refund" ${where}`;
  return Number(row.n);
}

/** Every refund whose number, or whose order's number, starts with q; null when there are too many. */
async function refundsMatching(db: Db, q: string): Promise<Array<{ id: number; status: string; createdAt: Date }> | null> {
  const select = { id: true, status: true, createdAt: true } as const;
  const [byNumber, orders] = await Promise.all([
    db.refund.findMany({ where: numberPrefix('refundNo', q), select, take: Q_MATCH_CAP + 1 }),
    db.order.findMany({ where: numberPrefix('orderNo', q), select: { id: true }, take: Q_MATCH_CAP + 1 }),
  ]);
  if (byNumber.length > Q_MATCH_CAP || orders.length > Q_MATCH_CAP) return null;
  const byOrder =
    orders.length === 0 ? [] : await db.refund.findMany({ where: { orderId: { in: orders.map((o) => o.id) } }, select, take: Q_MATCH_CAP + 1 });
  if (byOrder.length > Q_MATCH_CAP) return null;
  const all = new Map(byNumber.map((r) => [r.id, r]));
  for (const r of byOrder) all.set(r.id, r);
  return [...all.values()];
}

/** The queue's rows for these ids, in this order. */
async function rowsById(db: Db, ids: number[]) {
  if (ids.length === 0) return [];
  const rows = await db.refund.findMany({ where: { id: { in: ids } }, include: { order: { select: { orderNo: true, totalFen: true } } } });
  const at = new Map(ids.map((id, i) => [id, i]));
  return rows.sort((a, b) => at.get(a.id)! - at.get(b.id)!);
}

export async function refundDetail(db: Db, refundNo: string) {
  // one snapshot: the refund, its events and its order must tell the same story
  const found = await readSnapshot(db, async (tx) => {
    const refund = await tx.refund.findUnique({
      where: { refundNo },
      include: {
        ...REFUND_WITH_ORDER_NO,
        events: { orderBy: { id: 'asc' } },
        wechatCalls: { orderBy: { id: 'asc' } },
      },
    });
    if (!refund) return null;
    return { refund, order: await tx.order.findUniqueOrThrow({ where: { id: refund.orderId }, include: { ...ORDER_FULL, buyer: true } }) };
  });
  if (!found) throw notFound(`Refund ${refundNo}`);
  const { refund: r, order } = found;
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
  const [rows, total] = await readSnapshot(db, (tx) =>
    Promise.all([
      tx.order.findMany({ where, orderBy: { id: 'desc' }, skip: (f.page - 1) * f.pageSize, take: f.pageSize, include: { ...ORDER_FULL, buyer: true } }),
      tx.order.count({ where }),
    ]),
  );
  return { items: rows.map((o) => orderView(o, 'admin')), total, page: f.page, pageSize: f.pageSize };
}

export async function orderDetail(db: Db, orderNo: string) {
  const o = await readSnapshot(db, (tx) => tx.order.findUnique({ where: { orderNo }, include: { ...ORDER_FULL, buyer: true } }));
  if (!o) throw notFound(`Order ${orderNo}`);
  return orderView(o, 'admin');
}
