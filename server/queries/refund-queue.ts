// The merchant's refund queue: its filters, paging and search by refund or order number.
import type { Db } from '../db/client.ts';
import { Prisma } from '../db/generated/sqlite/client.ts';
import { refundView } from '../refunds/views.ts';
import type { StaffViewer } from '../lifecycle/refunds.ts';
import { chinaDayStart } from './china-day.ts';

export interface RefundFilter {
  status?: string;
  type?: string;
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
export async function listRefunds(db: Db, f: RefundFilter, viewer: StaffViewer) {
  const createdAt: { gte?: Date; lt?: Date } = {};
  if (f.from) createdAt.gte = chinaDayStart(f.from);
  if (f.to) createdAt.lt = new Date(chinaDayStart(f.to).getTime() + 24 * 3600_000);
  const base = {
    ...(f.status ? { status: f.status } : {}),
    ...(f.type ? { type: f.type } : {}),
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
        (!f.type || m.type === f.type) &&
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
      f.q ? db.refund.count({ where }) : countRefunds(db, f.status, f.type, createdAt),
    ]);
    ids = page.map((r) => r.id);
    total = count;
  }
  const rows = await rowsById(db, ids);
  return {
    items: rows.map((r) => ({ ...refundView(r, viewer), orderTotalFen: r.order.totalFen })),
    total,
    page: f.page,
    pageSize: f.pageSize,
  };
}

/**
 * COUNT(*) over the status and period filters, written out: Prisma's count() wraps the filter in a
 * LIMIT/OFFSET subquery that SQLite cannot count from the index directly (2–3× slower on 10⁵ rows).
 */
async function countRefunds(db: Db, status: string | undefined, type: string | undefined, createdAt: { gte?: Date; lt?: Date }): Promise<number> {
  const conditions: Prisma.Sql[] = [];
  if (status) conditions.push(Prisma.sql`"status" = ${status}`);
  if (type) conditions.push(Prisma.sql`"type" = ${type}`);
  if (createdAt.gte) conditions.push(Prisma.sql`"createdAt" >= ${createdAt.gte}`);
  if (createdAt.lt) conditions.push(Prisma.sql`"createdAt" < ${createdAt.lt}`);
  const where = conditions.length > 0 ? Prisma.sql`WHERE ${Prisma.join(conditions, ' AND ')}` : Prisma.empty;
  const [row] = await db.$queryRaw<Array<{ n: number | bigint }>>`SELECT COUNT(*) AS "n" FROM "Refund" ${where}`;
  return Number(row.n);
}

/** Every refund whose number, or whose order's number, starts with q; null when there are too many. */
async function refundsMatching(db: Db, q: string): Promise<Array<{ id: number; status: string; type: string; createdAt: Date }> | null> {
  const select = { id: true, status: true, type: true, createdAt: true } as const;
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

