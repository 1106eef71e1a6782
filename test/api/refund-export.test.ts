// GET /api/admin/refunds/export.csv on a real server: the file parsed back is the queue's filtered list (same
// refunds, same order, every field), with its BOM, header and head; only a merchant gets it; and 10⁵ refunds
// stream through in bounded memory, stopping when the client goes away.
import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chinaToday } from '../../server/queries/china-day.ts';
import { fenToYuan as yuan } from '../../server/lib/money.ts';
import { REFUND_EXPORT_COLUMNS, REFUND_STATUS_LABELS, REFUND_TYPE_LABELS, shanghaiTime } from '../../server/queries/refund-export.ts';
import type { RefundStatus, RefundType } from '../../server/lifecycle/refunds.ts';
import { adminSession, asBuyer, buyerLogin, http, placePaidOrder, requestRefund, waitFor, waitForRefundStatus, type AdminSession } from '../helpers/api.ts';
import { onPostgres, withDb } from '../helpers/database.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { shipVia } from '../helpers/shipping.ts';
import { parseCsv } from '../helpers/csv.ts';

const EXPORT = '/api/admin/refunds/export.csv';

async function download(base: string, admin: AdminSession, query = '') {
  const res = await fetch(`${base}${EXPORT}${query}`, { headers: { cookie: admin.cookie } });
  const bytes = new Uint8Array(await res.arrayBuffer());
  // res.text() would drop the BOM: decode keeping it, to see that it is there
  return { res, bytes, text: new TextDecoder('utf-8', { ignoreBOM: true, fatal: true }).decode(bytes) };
}

/** What Excel shows in a cell for what the buyer typed: a leading formula character is defused with '. */
const shown = (s: string | null) => (s === null ? '' : /^[=+\-@\t\r]/.test(s) ? `'${s}` : s);

describe('refund export: the queue’s refunds as CSV', () => {
  let server: TestServer;
  let base: string;
  let admin: AdminSession;
  const reasons = {
    formula: '=HYPERLINK("http://evil.example","点我"),\n第二行',
    reject: '已超过退货期限, 请"联系客服"',
  };
  const numbers: Record<string, string> = {};

  beforeAll(async () => {
    server = await startServer();
    base = server.baseUrl;
    admin = await adminSession(base);
    const token = await buyerLogin(base);
    const buyer = asBuyer(base, token);
    const orders = [];
    for (let i = 0; i < 5; i++) orders.push(await placePaidOrder(base, token));

    numbers.requested = (await requestRefund(base, token, orders[0].orderNo, 1, reasons.formula)).refundNo;
    numbers.rejected = (await requestRefund(base, token, orders[1].orderNo, 1234, '@质量问题')).refundNo;
    expect((await admin.call('POST', `/api/admin/refunds/${numbers.rejected}/reject`, { reason: reasons.reject })).status).toBe(200);
    numbers.cancelled = (await requestRefund(base, token, orders[2].orderNo, 5, '-拍错了')).refundNo;
    expect((await buyer('POST', `/api/mp/refunds/${numbers.cancelled}/cancel`)).status).toBe(200);
    numbers.refunded = (await requestRefund(base, token, orders[3].orderNo, orders[3].totalFen, '不想要了')).refundNo;
    expect((await admin.call('POST', `/api/admin/refunds/${numbers.refunded}/approve`)).status).toBe(200);
    expect((await shipVia(admin, orders[4].orderNo)).status).toBe(200);
    const ret = await buyer('POST', `/api/mp/orders/${orders[4].orderNo}/refunds`, { amountFen: 100, reason: '尺码不合适', type: 'RETURN_AND_REFUND' });
    expect(ret.status, JSON.stringify(ret.body)).toBe(201);
    numbers.returned = ret.body.refundNo;
    await waitForRefundStatus(admin, numbers.refunded, 'REFUNDED');
  });

  afterAll(async () => {
    await server?.stop();
  });

  /** The rows the export must hold for a filter, built from the queue's answer for that filter. */
  async function queueRows(query: string): Promise<string[][]> {
    const q = await admin.call('GET', `/api/admin/refunds?pageSize=100${query ? `&${query.slice(1)}` : ''}`);
    expect(q.status).toBe(200);
    // the queue does not show refundedAt: read it where it is kept
    const refundedAt = new Map(
      await withDb(server.env.DATABASE_URL, async (db) => (await db.refund.findMany({ select: { refundNo: true, refundedAt: true } })).map((r) => [r.refundNo, r.refundedAt])),
    );
    return (q.body.items as Array<Record<string, any>>).map((r) => [ // eslint-disable-line @typescript-eslint/no-explicit-any
      r.refundNo,
      r.orderNo,
      REFUND_TYPE_LABELS[r.type as RefundType],
      REFUND_STATUS_LABELS[r.status as RefundStatus],
      yuan(r.amountFen),
      yuan(r.orderTotalFen),
      shown(r.reason),
      shown(r.rejectReason),
      shown(r.failReason ?? r.failCode),
      shanghaiTime(new Date(r.createdAt)),
      shanghaiTime(new Date(r.updatedAt)),
      refundedAt.get(r.refundNo) ? shanghaiTime(refundedAt.get(r.refundNo)!) : '',
    ]);
  }

  it('200 text/csv, an attachment named for the China day, the BOM, the header, every refund newest first', async () => {
    const { res, bytes, text } = await download(base, admin);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="refunds-${chinaToday().replaceAll('-', '')}.csv"`);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const head = await fetch(`${base}${EXPORT}`, { method: 'HEAD', headers: { cookie: admin.cookie } });
    expect([head.status, head.headers.get('content-type'), await head.text()]).toEqual([200, 'text/csv; charset=utf-8', '']);
    const [header, ...rows] = parseCsv(text.slice(1));
    expect(header).toEqual(['退款单号', '订单号', '类型', '状态', '退款金额(元)', '订单金额(元)', '原因', '拒绝原因', '失败原因', '申请时间', '更新时间', '退款时间']);
    expect(header).toEqual([...REFUND_EXPORT_COLUMNS]);
    expect(rows).toHaveLength(5);
    expect(rows).toEqual(await queueRows(''));
    expect(rows.map((r) => r[0])).toEqual([numbers.returned, numbers.refunded, numbers.cancelled, numbers.rejected, numbers.requested]);
  });

  it('what a merchant reads: labels, yuan, China time, and no buyer text that Excel would run', async () => {
    const rows = new Map(parseCsv((await download(base, admin)).text.slice(1)).slice(1).map((r) => [r[0], r]));
    const requested = rows.get(numbers.requested)!;
    expect(requested.slice(2, 5)).toEqual(['仅退款', '待审核', '0.01']);
    expect(requested[6]).toBe(`'${reasons.formula}`); // quoted (comma, quote, newline) and defused
    expect(requested[11]).toBe('');
    expect(rows.get(numbers.rejected)!.slice(3, 8)).toEqual(['已拒绝', '12.34', rows.get(numbers.rejected)![5], "'@质量问题", reasons.reject]);
    expect(rows.get(numbers.cancelled)!.slice(3, 7)).toEqual(['已取消', '0.05', rows.get(numbers.cancelled)![5], "'-拍错了"]);
    const refunded = rows.get(numbers.refunded)!;
    expect(refunded[3]).toBe('已退款');
    expect(refunded[4]).toBe(refunded[5]); // the whole order
    expect(refunded[11]).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
    expect(rows.get(numbers.returned)!.slice(2, 4)).toEqual(['退货退款', '待审核']);
    for (const r of rows.values()) {
      expect(r[9]).toMatch(new RegExp(`^${chinaToday()} \\d{2}:\\d{2}:\\d{2}$`));
      expect(r[4]).toMatch(/^\d+\.\d{2}$/);
    }
  });

  it('the queue’s filters: status, type, China days from/to; the same rows as the queue', async () => {
    const today = chinaToday();
    const tomorrow = chinaToday(new Date(Date.now() + 24 * 3600_000));
    const yesterday = chinaToday(new Date(Date.now() - 24 * 3600_000));
    const expected: Array<[string, number]> = [
      ['?status=REQUESTED', 2],
      ['?status=REFUNDED', 1],
      ['?type=RETURN_AND_REFUND', 1],
      ['?type=REFUND_ONLY&status=REQUESTED', 1],
      [`?from=${today}&to=${today}`, 5],
      [`?from=${tomorrow}`, 0],
      [`?to=${yesterday}`, 0],
      [`?status=REJECTED&from=${yesterday}&to=${tomorrow}`, 1],
    ];
    for (const [query, n] of expected) {
      const { res, text } = await download(base, admin, query);
      expect(res.status, query).toBe(200);
      const [header, ...rows] = parseCsv(text.slice(1));
      expect(header, query).toEqual([...REFUND_EXPORT_COLUMNS]);
      expect(rows, query).toHaveLength(n);
      expect(rows, query).toEqual(await queueRows(query));
    }
  });

  it('not a refund number: the route wins over /api/admin/refunds/:refundNo, which still answers', async () => {
    expect((await admin.call('GET', `/api/admin/refunds/${numbers.requested}`)).status).toBe(200);
    const doc = (await http('GET', `${base}/api/openapi.json`)).body;
    const op = doc.paths[EXPORT].get;
    expect(op.security).toEqual([{ adminSession: [] }]);
    expect(Object.keys(op.responses[200].content)).toEqual(['text/csv']);
  });

  it('a role without export_refunds gets 403: warehouse staff may not, finance may', async () => {
    for (const role of ['WAREHOUSE', 'FINANCE']) {
      const who = { username: `export-${role.toLowerCase()}`, password: 'long-enough-password' };
      expect((await admin.call('POST', '/api/admin/staff', { ...who, role })).status).toBe(201);
      const a = await (await adminSession(base, who)).call('GET', EXPORT);
      if (role === 'FINANCE') expect(a.status).toBe(200);
      else {
        expect(a.status).toBe(403);
        expect(a.body.error.code).toBe('FORBIDDEN');
        expect(a.headers.get('content-disposition')).toBeNull();
      }
    }
  });

  it('401 without a session, or with a buyer’s token; 400 for a bad filter, a search or paging', async () => {
    const none = await http('GET', `${base}${EXPORT}`);
    expect(none.status).toBe(401);
    expect(none.body.error.code).toBe('UNAUTHENTICATED');
    const token = await buyerLogin(base);
    expect((await http('GET', `${base}${EXPORT}`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(401);
    for (const q of ['?status=NOPE', '?type=BOTH', '?from=2026-02-30', '?q=R2026', '?page=2', '?sort=oldest']) {
      const a = await admin.call('GET', `${EXPORT}${q}`);
      expect(a.status, q).toBe(400);
      expect(a.headers.get('content-type'), q).toMatch(/^application\/json/);
      expect(a.headers.get('content-disposition'), q).toBeNull();
      expect(a.body.error.code, q).toBe('VALIDATION_FAILED');
    }
  });
});

// ---- 10⁵ refunds ----------------------------------------------------------------------------------------

const BULK = 100_000;
/**
 * The bulk server's V8 old space. Left to itself V8 lets garbage pile up to ~100 MB above what is live
 * before it collects (measured: +82 to +99 MB peak for this very export, falling back after each full
 * collection), so peak RSS would measure the collector's laziness. With a cap it collects in time, and the
 * peak measures what the export keeps. The cap also is a test of its own: the server holding all 10⁵ rows
 * at once cannot fit (tried: the same export in one page of 10⁵ dies with "heap out of memory"; uncapped
 * it grew the peak by +232 MB).
 */
const OLD_SPACE_MB = 128;
const TIE = 7; // refunds sharing one createdAt: pages of 1000 end inside ties, which the keyset must carry over

/** The server process's memory from /proc (kB): VmHWM is its peak resident set since start, or since reset. */
function memoryKb(pid: number): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)![1]);
  return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
}

/** Resets VmHWM to the current RSS (Linux ≥ 4.0), so the peak read afterwards is the export's own; false if refused. */
function resetPeak(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/**
 * 10⁵ refunds in one INSERT … SELECT generated by the database itself: createMany costs Prisma ~0.4 ms of CPU
 * a row, far too slow here. Terminal statuses only (no background loop touches them; the one-open-refund
 * index counts open ones), spread over 100 orders, TIE to a second, newest first by number. On SQLite the
 * times are written as Prisma writes them (ISO text with +00:00), since the keyset compares them as text.
 */
function bulkRefundsSql(firstOrderId: number, newestS: number): string {
  const columns = '"refundNo", "orderId", "status", "amountFen", "reason", "rejectReason", "refundedAt", "statusAt", "createdAt", "updatedAt"';
  const values = (number: string, refundedAt: string) => `${number}, ${firstOrderId} + i % 100,
      CASE i % 3 WHEN 0 THEN 'REFUNDED' WHEN 1 THEN 'REJECTED' ELSE 'CANCELLED' END,
      1 + i, '商品与描述不符，颜色偏差较大，第' || i || '件',
      CASE i % 3 WHEN 1 THEN '已超过售后期限，请联系客服' END,
      CASE i % 3 WHEN 0 THEN ${refundedAt} END, ts, ts, ts`;
  if (onPostgres) {
    return `INSERT INTO "Refund" (${columns})
      SELECT ${values(`'REXPORT' || lpad(i::text, 7, '0')`, `ts + interval '1 minute'`)}
      FROM (SELECT i, to_timestamp(${newestS} - i / ${TIE}) AT TIME ZONE 'UTC' AS ts FROM generate_series(0, ${BULK - 1}) AS i) AS s`;
  }
  const iso = (seconds: string) => `strftime('%Y-%m-%dT%H:%M:%f+00:00', ${seconds}, 'unixepoch')`;
  return `WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ${BULK - 1})
    INSERT INTO "Refund" (${columns})
    SELECT ${values(`'REXPORT' || printf('%07d', i)`, iso(`${newestS} - i / ${TIE} + 60`))}
    FROM (SELECT i, ${iso(`${newestS} - i / ${TIE}`)} AS ts FROM n)`;
}

describe(`refund export: ${BULK} refunds streamed in bounded memory`, () => {
  let server: TestServer;
  let admin: AdminSession;
  const newest = Date.now() - 2 * 24 * 3600_000;

  beforeAll(async () => {
    server = await startServer({ env: { NODE_OPTIONS: `--max-old-space-size=${OLD_SPACE_MB}` } });
    await withDb(server.env.DATABASE_URL, async (db) => {
      const buyer = await db.buyer.create({ data: { openid: 'export-bulk' } });
      await db.order.createMany({
        data: Array.from({ length: 100 }, (_, i) => ({ orderNo: `MEXPORT${String(i).padStart(4, '0')}`, buyerId: buyer.id, status: 'REFUNDED', totalFen: 100_000 + i, refundedFen: 100_000 + i })),
      });
      const ids = (await db.order.findMany({ where: { buyerId: buyer.id }, select: { id: true }, orderBy: { id: 'asc' } })).map((o) => o.id);
      expect(ids.at(-1)! - ids[0]).toBe(99); // one statement's ids are consecutive: order = first + i % 100
      const inserted = await db.$executeRawUnsafe(bulkRefundsSql(ids[0], Math.floor(newest / 1000)));
      expect(inserted).toBe(BULK);
    });
    // logged in after the insert: a connection idle for longer than the server's keep-alive (5 s) may be
    // closed by the server just as fetch reuses it ("other side closed")
    admin = await adminSession(server.baseUrl);
  }, 60_000);

  afterAll(async () => {
    await server?.stop();
  });

  it('a client that goes away stops the export: it is logged as aborted after a few pages', async () => {
    const ac = new AbortController();
    const res = await fetch(`${server.baseUrl}${EXPORT}`, { headers: { cookie: admin.cookie }, signal: ac.signal });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    expect((await reader.read()).done).toBe(false);
    ac.abort();
    const line = await waitFor(async () => server.logs().split('\n').find((l) => l.includes('"msg":"refund export"')), 20_000);
    const logged = JSON.parse(line) as { rows: number; aborted: boolean };
    expect(logged.aborted).toBe(true);
    // a few pages may go into the kernel's socket buffers before backpressure shows; then it stops
    expect(logged.rows).toBeLessThan(20_000);
    expect((await http('GET', `${server.baseUrl}/healthz`)).status).toBe(200);
  });

  it('every refund once, newest first, while the server’s peak memory grows by less than 60 MB', async () => {
    const pid = server.child.pid!;
    const reset = resetPeak(pid);
    const before = memoryKb(pid);
    const res = await fetch(`${server.baseUrl}${EXPORT}`, { headers: { cookie: admin.cookie } });
    expect(res.status).toBe(200);
    // read as it comes, line by line (no bulk reason holds a line break), keeping only what the checks need
    const decoder = new TextDecoder('utf-8', { ignoreBOM: true });
    const seen = new Set<string>();
    let rest = '';
    let records = 0;
    let bytes = 0;
    let previous = '9999';
    let ordered = true;
    for await (const chunk of res.body!) {
      bytes += chunk.byteLength;
      const lines = (rest + decoder.decode(chunk, { stream: true })).split('\r\n');
      rest = lines.pop()!;
      for (const line of lines) {
        records++;
        if (records === 1) {
          expect(line).toBe(`\uFEFF${REFUND_EXPORT_COLUMNS.join(',')}`);
          continue;
        }
        const cells = line.split(',');
        seen.add(cells[0]);
        // 申请时间: strings of one format compare as times; newest first means never increasing
        if (cells[9] > previous) ordered = false;
        previous = cells[9];
      }
    }
    expect(rest).toBe('');
    const after = memoryKb(pid);
    const grewMb = (after.hwm - before.hwm) / 1024;
    console.log(
      `export of ${BULK} refunds: ${(bytes / 1048576).toFixed(1)} MB of CSV; server RSS ${Math.round(before.rss / 1024)} → ${Math.round(after.rss / 1024)} MB, ` +
        `peak ${Math.round(before.hwm / 1024)} → ${Math.round(after.hwm / 1024)} MB (+${grewMb.toFixed(1)} MB${reset ? ', peak reset before' : ''})`,
    );
    expect(records).toBe(BULK + 1);
    expect(seen.size).toBe(BULK);
    expect(ordered).toBe(true);
    // Streamed, the server holds one page of 1000 refunds and the socket's buffer: measured +40 to +45 MB
    // (the young generation filling up, the pages' garbage, the allocator), the same at 2·10⁴ rows as at
    // 10⁵. Held at once, 10⁵ refunds are 10⁵ Prisma rows (13 fields, a nested order, three Dates) plus a
    // 17 MB file that is twice that as a JS string: +232 MB measured, and ten times that for 10⁶.
    expect(bytes).toBeGreaterThan(10 * 1048576);
    expect(grewMb).toBeLessThan(60);
  });
});
