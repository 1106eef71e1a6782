// The admin web's pure formatting: ¥ from integer fen with no float arithmetic, China-time dates,
// and the waiting-time split. (Runs in node; these modules touch no browser API.)
import { describe, expect, it } from 'vitest';
import { formatFen } from '../../admin-web/src/utils/money.ts';
import { chinaToday, elapsedSince, formatDateTime } from '../../admin-web/src/utils/time.ts';

describe('formatFen', () => {
  it.each([
    [0, '¥0.00'],
    [1, '¥0.01'],
    [10, '¥0.10'],
    [99, '¥0.99'],
    [100, '¥1.00'],
    [1999, '¥19.99'],
    [6799, '¥67.99'],
    [123456789, '¥1,234,567.89'],
    [-1999, '-¥19.99'],
    [Number.MAX_SAFE_INTEGER, '¥90,071,992,547,409.91'],
  ])('%i fen → %s', (fen, text) => {
    expect(formatFen(fen)).toBe(text);
  });

  it('never rounds: every fen from 0 to 100 000 reads back exactly', () => {
    for (let fen = 0; fen <= 100_000; fen++) {
      const digits = formatFen(fen).replace(/[¥,.]/g, '');
      expect(Number(digits)).toBe(fen);
    }
  });

  it('shows a dash for what is not a whole number of fen', () => {
    expect(formatFen(null)).toBe('—');
    expect(formatFen(undefined)).toBe('—');
    expect(formatFen(19.99)).toBe('—');
    expect(formatFen(Number.NaN)).toBe('—');
  });
});

describe('China time', () => {
  it('shows UTC instants in Asia/Shanghai', () => {
    expect(formatDateTime('2026-11-22T16:30:05.000Z')).toBe('2026-11-23 00:30');
    expect(formatDateTime('2026-11-22T16:30:05.000Z', true)).toBe('2026-11-23 00:30:05');
    expect(formatDateTime(null)).toBe('—');
    expect(formatDateTime('not a date')).toBe('—');
  });

  it('knows today in China, which starts at 16:00 UTC', () => {
    expect(chinaToday(new Date('2026-11-22T15:59:59Z'))).toBe('2026-11-22');
    expect(chinaToday(new Date('2026-11-22T16:00:00Z'))).toBe('2026-11-23');
  });

  it('splits a wait into days, hours and minutes', () => {
    const now = Date.parse('2026-11-23T12:00:00Z');
    expect(elapsedSince('2026-11-23T09:00:00Z', now)).toEqual({ days: 0, hours: 3, minutes: 0 });
    expect(elapsedSince('2026-11-21T10:15:00Z', now)).toEqual({ days: 2, hours: 1, minutes: 45 });
    expect(elapsedSince('2026-11-23T12:05:00Z', now)).toEqual({ days: 0, hours: 0, minutes: 0 }); // clock skew
  });
});
