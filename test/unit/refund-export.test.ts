// The refund export's formatting (server/queries/refund-export.ts): yuan from fen by digits (lib/money.ts), RFC 4180 quoting,
// the formula guard against CSV injection, China time, the labels and the BOM + header of the first chunk.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Db } from '../../server/db/client.ts';
import { parseCsv } from '../helpers/csv.ts';
import { REFUND_STATUSES, REFUND_TYPES } from '../../server/lifecycle/refunds.ts';
import { fenToYuan as yuan } from '../../server/lib/money.ts';
import {
  REFUND_EXPORT_COLUMNS,
  REFUND_STATUS_LABELS,
  REFUND_TYPE_LABELS,
  UTF8_BOM,
  csvCell,
  csvLine,
  refundCsvCells,
  refundCsvChunks,
  shanghaiTime,
  type ExportedRefund,
} from '../../server/queries/refund-export.ts';

describe('the amounts (lib/money.ts fenToYuan): fen → yuan by digits', () => {
  it('the usual amounts', () => {
    expect(yuan(1234)).toBe('12.34');
    expect(yuan(5)).toBe('0.05');
    expect(yuan(50)).toBe('0.50');
    expect(yuan(100)).toBe('1.00');
    expect(yuan(0)).toBe('0.00');
    expect(yuan(1)).toBe('0.01');
    expect(yuan(-5)).toBe('-0.05');
    expect(yuan(-123456)).toBe('-1234.56');
    expect(yuan(1_000_000_000)).toBe('10000000.00');
  });

  it('exact where floating point is not (0.29 × 100 is 28.999…)', () => {
    expect(yuan(29)).toBe('0.29');
    expect(yuan(Number.MAX_SAFE_INTEGER)).toBe('90071992547409.91');
  });

  it('refuses what is not a whole number of fen', () => {
    expect(() => yuan(1.5)).toThrow();
    expect(() => yuan(Number.NaN)).toThrow();
    expect(() => yuan(2 ** 60)).toThrow();
  });

  it('reading the text back as fen gives the same integer (any safe integer)', () => {
    fc.assert(
      fc.property(fc.maxSafeInteger(), (fen) => {
        const s = yuan(fen);
        expect(s).toMatch(/^-?(0|[1-9]\d*)\.\d\d$/);
        expect(BigInt(s.replace('.', ''))).toBe(BigInt(fen));
      }),
    );
  });
});

describe('csvCell(): RFC 4180 quoting', () => {
  it('plain text and Chinese stay as they are', () => {
    expect(csvCell('R2026112200001')).toBe('R2026112200001');
    expect(csvCell('不想要了')).toBe('不想要了');
    expect(csvCell('')).toBe('');
    expect(csvCell('12.34')).toBe('12.34');
  });

  it('a comma, a quote, CR or LF: quoted, quotes doubled', () => {
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('说"好的"')).toBe('"说""好的"""');
    expect(csvCell('第一行\n第二行')).toBe('"第一行\n第二行"');
    expect(csvCell('a\r\nb')).toBe('"a\r\nb"');
    expect(csvCell('"')).toBe('""""');
  });

  it('a record ends with CRLF', () => {
    expect(csvLine(['a', 'b,c', ''])).toBe('a,"b,c",\r\n');
  });

  it('any text survives a round trip through a strict RFC 4180 reader', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: fc.constantFrom('a', '中', ',', '"', '\r', '\n', ' ', "'", '=') }), { minLength: 1, maxLength: 5 }), (cells) => {
        const [back, ...more] = parseCsv(csvLine(cells));
        expect(more).toEqual([]);
        // the guard's prefix is the only change, and only before a formula character
        expect(back).toEqual(cells.map((c) => (/^[=+\-@\t\r]/.test(c) ? `'${c}` : c)));
      }),
    );
  });
});

describe('csvCell(): no formula runs in the merchant’s spreadsheet', () => {
  it('a cell starting with = + - @ tab or CR gets a leading apostrophe', () => {
    expect(csvCell('=1+1')).toBe("'=1+1");
    expect(csvCell('+86 138')).toBe("'+86 138");
    expect(csvCell('-2+3')).toBe("'-2+3");
    expect(csvCell('@SUM(A1:A2)')).toBe("'@SUM(A1:A2)");
    expect(csvCell('\t=1')).toBe("'\t=1");
    expect(csvCell('\r=1')).toBe('"\'\r=1"'); // guarded, then quoted for its CR
  });

  it('guarded and quoted: the apostrophe goes inside the quotes', () => {
    expect(csvCell('=HYPERLINK("http://evil.example","点我")')).toBe('"\'=HYPERLINK(""http://evil.example"",""点我"")"');
    expect(csvCell('=1,2')).toBe('"\'=1,2"');
  });

  it('such characters elsewhere in the cell are harmless and kept', () => {
    expect(csvCell('a=1')).toBe('a=1');
    expect(csvCell('质量问题 - 破损')).toBe('质量问题 - 破损');
    expect(csvCell("'=1")).toBe("'=1"); // already text for Excel
  });
});

describe('shanghaiTime(): YYYY-MM-DD HH:mm:ss in China (UTC+8, no daylight saving)', () => {
  it('shifts by eight hours, across the day and the year', () => {
    expect(shanghaiTime(new Date('2026-11-22T04:05:06.789Z'))).toBe('2026-11-22 12:05:06');
    expect(shanghaiTime(new Date('2026-12-31T16:00:00.000Z'))).toBe('2027-01-01 00:00:00');
    expect(shanghaiTime(new Date('2026-12-31T15:59:59.999Z'))).toBe('2026-12-31 23:59:59');
    // July: no summer time in China, still +8
    expect(shanghaiTime(new Date('2026-07-01T00:00:00Z'))).toBe('2026-07-01 08:00:00');
  });

  it('agrees with the platform’s Asia/Shanghai zone', () => {
    const f = new Intl.DateTimeFormat('sv-SE', { timeZone: 'Asia/Shanghai', dateStyle: 'short', timeStyle: 'medium' });
    fc.assert(
      fc.property(fc.date({ min: new Date('2000-01-01Z'), max: new Date('2100-01-01Z'), noInvalidDate: true }), (d) => {
        expect(shanghaiTime(d)).toBe(f.format(d));
      }),
    );
  });
});

const REFUND: ExportedRefund = {
  refundNo: 'R2026112200001',
  type: 'REFUND_ONLY',
  status: 'REFUNDED',
  amountFen: 1234,
  reason: '=cmd|" /C calc"!A0',
  rejectReason: null,
  failCode: null,
  failReason: null,
  createdAt: new Date('2026-11-22T02:00:00Z'),
  updatedAt: new Date('2026-11-22T02:30:00Z'),
  refundedAt: new Date('2026-11-22T02:30:00Z'),
  order: { orderNo: 'M2026112200001', totalFen: 5 },
};

describe('a refund’s row', () => {
  it('cells in the header’s order, labels in Chinese', () => {
    const cells = refundCsvCells(REFUND);
    expect(cells).toHaveLength(REFUND_EXPORT_COLUMNS.length);
    expect(Object.fromEntries(REFUND_EXPORT_COLUMNS.map((c, i) => [c, cells[i]]))).toEqual({
      退款单号: 'R2026112200001',
      订单号: 'M2026112200001',
      类型: '仅退款',
      状态: '已退款',
      '退款金额(元)': '12.34',
      '订单金额(元)': '0.05',
      原因: '=cmd|" /C calc"!A0',
      拒绝原因: '',
      失败原因: '',
      申请时间: '2026-11-22 10:00:00',
      更新时间: '2026-11-22 10:30:00',
      退款时间: '2026-11-22 10:30:00',
    });
    expect(csvLine(cells)).toContain(`,"'=cmd|"" /C calc""!A0",`);
  });

  it('a failure shows WeChat’s description, else its code; no refund time before the money moved', () => {
    const failed = { ...REFUND, status: 'FAILED', refundedAt: null, failCode: 'REFUNDCLOSE', failReason: null };
    expect(refundCsvCells(failed).slice(8)).toEqual(['REFUNDCLOSE', '2026-11-22 10:00:00', '2026-11-22 10:30:00', '']);
    expect(refundCsvCells({ ...failed, failReason: '余额不足' })[8]).toBe('余额不足');
  });

  it('every status and type has its label', () => {
    for (const s of REFUND_STATUSES) expect(REFUND_STATUS_LABELS[s], s).toMatch(/\p{Script=Han}/u);
    for (const t of REFUND_TYPES) expect(REFUND_TYPE_LABELS[t], t).toMatch(/\p{Script=Han}/u);
    expect(new Set(Object.values(REFUND_STATUS_LABELS)).size).toBe(REFUND_STATUSES.length);
  });
});

/** The few calls refundCsvChunks makes, on an in-memory table: it must page by (createdAt, id), newest first. */
function memoryRefunds(rows: Array<ExportedRefund & { id: number }>) {
  const queries: unknown[] = [];
  type Where = { AND?: Where[]; OR?: Where[]; id?: { lt: number }; createdAt?: { lt?: Date; lte?: Date }; status?: string };
  const matches = (r: ExportedRefund & { id: number }, w: Where): boolean =>
    (w.AND ?? []).every((x) => matches(r, x)) &&
    (!w.OR || w.OR.some((x) => matches(r, x))) &&
    (!w.id || r.id < w.id.lt) &&
    (!w.status || r.status === w.status) &&
    (!w.createdAt?.lt || r.createdAt < w.createdAt.lt) &&
    (!w.createdAt?.lte || r.createdAt <= w.createdAt.lte);
  const db = {
    refund: {
      findMany: async (args: { where: Where; take: number }) => {
        queries.push(args);
        return rows
          .filter((r) => matches(r, args.where))
          .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || b.id - a.id)
          .slice(0, args.take);
      },
    },
  } as unknown as Db;
  return { db, queries };
}

describe('refundCsvChunks(): BOM and header first, then keyset pages', () => {
  it('no refund: the BOM and the header alone', async () => {
    const { db } = memoryRefunds([]);
    const chunks = [];
    for await (const c of refundCsvChunks(db, {})) chunks.push(c);
    expect(chunks).toEqual([{ text: `${UTF8_BOM}${REFUND_EXPORT_COLUMNS.join(',')}\r\n`, rows: 0 }]);
    expect(chunks[0].text.startsWith('\uFEFF退款单号,订单号,类型,状态,退款金额(元),订单金额(元),原因,拒绝原因,失败原因,申请时间,更新时间,退款时间\r\n')).toBe(true);
  });

  it('pages across ties of createdAt: every refund once, newest first, one page per chunk', async () => {
    // 23 refunds, three to a second, so that page boundaries fall inside a tie
    const rows = Array.from({ length: 23 }, (_, i) => ({
      ...REFUND,
      id: i + 1,
      refundNo: `R${String(i + 1).padStart(3, '0')}`,
      createdAt: new Date(Date.UTC(2026, 10, 22, 0, 0, Math.floor(i / 3))),
    }));
    const { db, queries } = memoryRefunds([...rows].reverse());
    const chunks = [];
    for await (const c of refundCsvChunks(db, {}, 5)) chunks.push(c);
    expect(chunks.map((c) => c.rows)).toEqual([5, 5, 5, 5, 3]);
    expect(queries).toHaveLength(5);
    const numbers = chunks
      .map((c) => c.text)
      .join('')
      .replace(UTF8_BOM, '')
      .split('\r\n')
      .slice(1, -1)
      .map((l) => l.split(',')[0]);
    expect(numbers).toEqual(rows.map((r) => r.refundNo).reverse());
  });

  it('a total that fills the last page exactly ends after one empty read, without an empty chunk', async () => {
    const rows = Array.from({ length: 4 }, (_, i) => ({ ...REFUND, id: i + 1, refundNo: `R${i}`, createdAt: new Date(Date.UTC(2026, 0, 1, 0, 0, i)) }));
    const { db, queries } = memoryRefunds(rows);
    const chunks = [];
    for await (const c of refundCsvChunks(db, { status: 'REFUNDED' }, 2)) chunks.push(c);
    expect(chunks.map((c) => c.rows)).toEqual([2, 2]);
    expect(queries).toHaveLength(3);
  });

  it('reads nothing more than the consumer asks for', async () => {
    const rows = Array.from({ length: 10 }, (_, i) => ({ ...REFUND, id: i + 1, refundNo: `R${i}`, createdAt: new Date(Date.UTC(2026, 0, 1, 0, 0, i)) }));
    const { db, queries } = memoryRefunds(rows);
    for await (const c of refundCsvChunks(db, {}, 2)) {
      expect(c.rows).toBe(2);
      break; // the client went away
    }
    expect(queries).toHaveLength(1);
  });
});
