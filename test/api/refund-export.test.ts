// GET /api/admin/refunds/export.csv on a real server: the file parsed back is the queue's filtered list (same
// refunds, same order, every field), with its BOM, header and head; only a merchant gets it; and 10⁵ refunds
// stream through in bounded memory, stopping when the client goes away.
import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chinaToday } from '../../server/queries/china-day.ts';
import { REFUND_EXPORT_COLUMNS, REFUND_STATUS_LABELS, REFUND_TYPE_LABELS, shanghaiTime, yuan } from '../../server/queries/refund-export.ts';
import type { RefundStatus, RefundType } from '../../server/lifecycle/refunds.ts';
import { adminSession, asBuyer, buyerLogin, http, placePaidOrder, requestRefund, waitFor, waitForRefundStatus, type AdminSession } from '../helpers/api.ts';
import { withDb } from '../helpers/database.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { shipVia } from '../helpers/shipping.ts';

const EXPORT = '/api/admin/refunds/export.csv';

/** A strict RFC 4180 reader (the test's own): records of fields, quoted fields may hold , " CR LF. */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let i = 0;
  while (i < text.length) {
    const cells: string[] = [];
    for (;;) {
      let cell = '';
      if (text[i] === '"') {
        i++;
        for (;;) {
          if (i >= text.length) throw new Error('unterminated quoted field');
          if (text[i] === '"' && text[i + 1] === '"') {
            cell += '"';
            i += 2;
          } else if (text[i] === '"') {
            i++;
            break;
          } else cell += text[i++];
        }
      } else {
        while (i < text.length && text[i] !== ',' && text[i] !== '\r' && text[i] !== '\n') {
          if (text[i] === '"') throw new Error(`a quote inside an unquoted field at ${i}`);
          cell += text[i++];
        }
      }
      cells.push(cell);
      if (text[i] === ',') {
        i++;
        continue;
      }
      if (text.startsWith('\r\n', i)) {
        i += 2;
        break;
      }
      throw new Error(`a record must end with CRLF at ${i}: ${JSON.stringify(text.slice(i, i + 20))}`);
    }
    records.push(cells);
  }
  return records;
}

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
    const [header, ...rows] = parseCsv(text.slice(1));
    expect(header).toEqual(['退款单号', '订单号', '类型', '状态', '退款金额(元)', '订单金额(元)', '原因', '拒绝原因', '失败原因', '申请时间', '更新时间', '退款时间']);
    expect(header).toEqual([...REFUND_EXPORT_COLUMNS]);
    expect(rows).toHaveLength(5);
    expect(rows).toEqual(await queueRows(''));
    expect(rows.map((r) => r[0])).toEqual([numbers.returned, numbers.refunded, numbers.cancelled, numbers.rejected, numbers.requested]);
  });

  it('what a merchant reads: labels, yuan, China time, and no buyer text that Excel would run', async () => {
    const rows = new Map(parseCsv((await download(base, admin)).text.slice(1)).map((r) => [r[0], r]));
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

describe(`refund export: ${BULK} refunds streamed in bounded memory`, () => {
  let server: TestServer;
  let admin: AdminSession;
  const newest = Date.now() - 2 * 24 * 3600_000;

  beforeAll(async () => {
    server = await startServer();
    admin = await adminSession(server.baseUrl);
    // straight into the database, as the CHECKs allow: terminal refunds (so no background loop touches them)
    // on 100 orders; the one-open-refund index only counts open ones
    await withDb(server.env.DATABASE_URL, async (db) => {
      const buyer = await db.buyer.create({ data: { openid: 'export-bulk' } });
      await db.order.createMany({
        data: Array.from({ length: 100 }, (_, i) => ({ orderNo: `MEXPORT${String(i).padStart(4, '0')}`, buyerId: buyer.id, status: 'REFUNDED', totalFen: 100_000 + i, refundedFen: 100_000 + i })),
      });
      const orderIds = (await db.order.findMany({ where: { buyerId: buyer.id }, select: { id: true }, orderBy: { id: 'asc' } })).map((o) => o.id);
      const statuses = ['REFUNDED', 'REJECTED', 'CANCELLED'] as const;
      for (let start = 0; start < BULK; start += 2_000) {
        await db.refund.createMany({
          data: Array.from({ length: Math.min(2_000, BULK - start) }, (_, k) => {
            const i = start + k;
            const status = statuses[i % 3];
            const createdAt = new Date(newest - Math.floor(i / TIE) * 1000);
            return {
              refundNo: `REXPORT${String(i).padStart(7, '0')}`,
              orderId: orderIds[i % orderIds.length],
              status,
              amountFen: 1 + (i % 100_000),
              reason: `商品与描述不符，颜色偏差较大，第${i}件`,
              rejectReason: status === 'REJECTED' ? '已超过售后期限，请联系客服' : null,
              refundedAt: status === 'REFUNDED' ? new Date(createdAt.getTime() + 60_000) : null,
              statusAt: createdAt,
              createdAt,
              updatedAt: createdAt,
            };
          }),
        });
      }
    });
  }, 120_000);

  afterAll(async () => {
    await server?.stop();
  });

  it('a client that goes away stops the export: no further page is read', async () => {
    const ac = new AbortController();
    const res = await fetch(`${server.baseUrl}${EXPORT}`, { headers: { cookie: admin.cookie }, signal: ac.signal });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    expect((await reader.read()).done).toBe(false);
    ac.abort();
    const line = await waitFor(async () => server.logs().split('\n').find((l) => l.includes('"msg":"refund export"')), 20_000);
    const logged = JSON.parse(line) as { rows: number; aborted: boolean };
    expect(logged.aborted).toBe(true);
    expect(logged.rows).toBeLessThan(BULK / 2);
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
    // 10⁵ refunds held at once would take far more: the CSV alone is ~14 MB as bytes and twice that as a JS
    // string, and 10⁵ Prisma rows (13 fields, a nested order, three Dates) are well over 100 MB of heap.
    // Streamed, the server holds one page of 1000 and the socket's buffer.
    expect(bytes).toBeGreaterThan(10 * 1048576);
    expect(grewMb).toBeLessThan(60);
  });
});
