// The merchant's refund export (GET /api/admin/refunds/export.csv): the queue's refunds as a CSV file that
// Excel opens as it is (UTF-8 with a BOM, Chinese column names and labels, yuan, China time), read in keyset
// pages so that a million refunds cost one page of memory. The formatting helpers are pure and exported for
// the unit tests; the route (http/export-routes.ts) writes the chunks with backpressure.
import type { Db } from '../db/client.ts';
import type { Prisma } from '../db/generated/sqlite/client.ts';
import type { RefundStatus, RefundType } from '../lifecycle/refunds.ts';
import { fenToYuan } from '../lib/money.ts';
import { chinaDayStart } from './china-day.ts';

/**
 * The statuses and types as the merchant reads them. Typed by the lifecycle's unions, so a status added to
 * the table fails the type check here until it has its label.
 */
export const REFUND_STATUS_LABELS: Record<RefundStatus, string> = {
  REQUESTED: '待审核',
  AWAITING_RETURN: '待买家退货',
  RETURN_SHIPPED: '买家已退货',
  APPROVED: '已同意',
  REFUNDING: '退款中',
  REFUNDED: '已退款',
  REJECTED: '已拒绝',
  CANCELLED: '已取消',
  FAILED: '退款失败',
};

export const REFUND_TYPE_LABELS: Record<RefundType, string> = {
  REFUND_ONLY: '仅退款',
  RETURN_AND_REFUND: '退货退款',
};

/** The header row, in column order (refundCsvCells writes the same order). */
export const REFUND_EXPORT_COLUMNS = [
  '退款单号',
  '订单号',
  '类型',
  '状态',
  '退款金额(元)',
  '订单金额(元)',
  '原因',
  '拒绝原因',
  '失败原因',
  '申请时间',
  '更新时间',
  '退款时间',
] as const;

/** Without it Excel reads a UTF-8 file as the system's ANSI code page (GBK on a Chinese Windows): mojibake. */
export const UTF8_BOM = '\uFEFF';

/** Refunds read per query: large enough that the round trips do not dominate, small enough to be a bounded buffer. */
export const EXPORT_PAGE_SIZE = 1000;

const CHINA_OFFSET_MS = 8 * 3600_000; // China has one time zone and no daylight saving (as china-day.ts)

/** A moment as a merchant in China reads it: `YYYY-MM-DD HH:mm:ss`, Asia/Shanghai. */
export function shanghaiTime(at: Date): string {
  const iso = new Date(at.getTime() + CHINA_OFFSET_MS).toISOString(); // …Z, but the wall clock of UTC+8
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
}

// Excel (and LibreOffice, Google Sheets) run a cell starting with one of these as a formula, even in a CSV:
// `=HYPERLINK(…)` in a buyer's reason would become a link on the merchant's machine. Tab and CR are listed
// because spreadsheets strip them and look at the next character.
const FORMULA_START = /^[=+\-@\t\r]/;
// RFC 4180: a field holding a comma, a quote or a line break is quoted, its quotes doubled
const NEEDS_QUOTES = /[",\r\n]/;

/** One CSV field: defused (a leading `'` makes a formula text), then quoted if it must be. */
export function csvCell(value: string): string {
  const safe = FORMULA_START.test(value) ? `'${value}` : value;
  return NEEDS_QUOTES.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

/** One CSV record, with RFC 4180's CRLF. */
export function csvLine(cells: readonly string[]): string {
  return `${cells.map(csvCell).join(',')}\r\n`;
}

/** What one exported refund reads from the database (and nothing more: a page is 1000 of these). */
const EXPORT_SELECT = {
  id: true,
  refundNo: true,
  type: true,
  status: true,
  amountFen: true,
  reason: true,
  rejectReason: true,
  failCode: true,
  failReason: true,
  createdAt: true,
  updatedAt: true,
  refundedAt: true,
  order: { select: { orderNo: true, totalFen: true } },
} as const;

export interface ExportedRefund {
  refundNo: string;
  type: string;
  status: string;
  amountFen: number;
  reason: string;
  rejectReason: string | null;
  failCode: string | null;
  failReason: string | null;
  createdAt: Date;
  updatedAt: Date;
  refundedAt: Date | null;
  order: { orderNo: string; totalFen: number };
}

/** A refund's cells, in REFUND_EXPORT_COLUMNS' order, before CSV escaping. */
export function refundCsvCells(r: ExportedRefund): string[] {
  return [
    r.refundNo,
    r.order.orderNo,
    REFUND_TYPE_LABELS[r.type as RefundType] ?? r.type,
    REFUND_STATUS_LABELS[r.status as RefundStatus] ?? r.status,
    fenToYuan(r.amountFen), // by digits, never through floating point
    fenToYuan(r.order.totalFen),
    r.reason,
    r.rejectReason ?? '',
    // WeChat's description when it gave one, else its code (CHANGE, REFUNDCLOSE): never a blank for a failure
    r.failReason ?? r.failCode ?? '',
    shanghaiTime(r.createdAt),
    shanghaiTime(r.updatedAt),
    r.refundedAt ? shanghaiTime(r.refundedAt) : '',
  ];
}

/** The queue's filters without its search and paging: one status, one type, China days from/to (inclusive). */
export interface RefundExportFilter {
  status?: RefundStatus;
  type?: RefundType;
  from?: string;
  to?: string;
}

/** The filter as a where clause: the same conditions the queue (refund-queue.ts) applies. */
function exportWhere(f: RefundExportFilter): Prisma.RefundWhereInput {
  const createdAt: { gte?: Date; lt?: Date } = {};
  if (f.from) createdAt.gte = chinaDayStart(f.from);
  if (f.to) createdAt.lt = new Date(chinaDayStart(f.to).getTime() + 24 * 3600_000);
  return {
    ...(f.status ? { status: f.status } : {}),
    ...(f.type ? { type: f.type } : {}),
    ...(f.from || f.to ? { createdAt } : {}),
  };
}

/**
 * Strictly after (createdAt, id) in newest-first order. `createdAt <= c` is written out beside the OR so that
 * both databases start the index range (createdAt, or status + createdAt) at the cursor: with the OR alone a
 * planner may walk the index from the newest row on every page, which makes the export quadratic.
 */
function olderThan(c: { createdAt: Date; id: number }): Prisma.RefundWhereInput {
  return { createdAt: { lte: c.createdAt }, OR: [{ createdAt: { lt: c.createdAt } }, { id: { lt: c.id } }] };
}

export interface CsvChunk {
  text: string;
  rows: number;
}

/**
 * The export as CSV chunks: the BOM and header with the first page, then one chunk per page, newest first
 * (createdAt, then id, as the queue orders). Keyset paging, never OFFSET: each page starts where the last one
 * ended, at the cost of one index seek, and a refund is never read twice. Memory is one page, whatever the
 * total; the consumer decides the pace (nothing is read until it asks for the next chunk).
 *
 * Pages are separate reads, not one snapshot: a long export must not hold a transaction open. A refund that
 * changes status meanwhile is shown as its page found it; one requested after the export started is newer
 * than the cursor and left out.
 */
export async function* refundCsvChunks(db: Db, filter: RefundExportFilter, pageSize = EXPORT_PAGE_SIZE): AsyncGenerator<CsvChunk> {
  const base = exportWhere(filter);
  let cursor: { createdAt: Date; id: number } | null = null;
  // the header goes with the first page, so that a failing first read is still a clean error answer
  let head = UTF8_BOM + csvLine(REFUND_EXPORT_COLUMNS);
  for (;;) {
    const page: Array<ExportedRefund & { id: number }> = await db.refund.findMany({
      where: cursor ? { AND: [base, olderThan(cursor)] } : base,
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: pageSize,
      select: EXPORT_SELECT,
    });
    let text = head;
    for (const r of page) text += csvLine(refundCsvCells(r));
    head = '';
    if (text) yield { text, rows: page.length };
    if (page.length < pageSize) return;
    const last = page[page.length - 1];
    cursor = { createdAt: last.createdAt, id: last.id };
  }
}
