// The admin web's checks on what a merchant types: a price in yuan → exact integer fen (digits composed, never a
// float), and a tracking number as the ship endpoint takes it. Pure functions, run in node.
import { describe, expect, it } from 'vitest';
import { fenToYuanText, parseYuan } from '../../admin-web/src/utils/money.ts';
import { checkTrackingNo } from '../../admin-web/src/utils/tracking.ts';

describe('parseYuan', () => {
  it.each([
    ['12.5', 1250],
    ['12.50', 1250],
    ['0.01', 1],
    ['0.07', 7], // 0.07 * 100 is 7.000000000000001
    ['4.35', 435], // 4.35 * 100 is 434.99999999999994
    ['1.1', 110],
    ['19.99', 1999],
    ['5', 500],
    ['5.', 500],
    ['.5', 50],
    ['007.50', 750],
    ['0', 0],
    [' 12.3 ', 1230],
    ['¥12.50', 1250],
    ['￥ 8', 800],
    ['１２．５', 1250], // full-width, as a Chinese IME types it
    ['12。5', 1250],
    ['1000000', 100_000_000],
    ['999999999999.99', 99_999_999_999_999],
  ])('%j → %i fen', (input, fen) => {
    expect(parseYuan(input)).toEqual({ ok: true, fen });
  });

  it.each([
    ['', 'empty'],
    ['   ', 'empty'],
    ['-1', 'negative'],
    ['-0.01', 'negative'],
    ['−5', 'negative'],
    ['1.234', 'decimals'],
    ['0.001', 'decimals'],
    ['abc', 'format'],
    ['1e3', 'format'],
    ['.', 'format'],
    ['+1', 'format'],
    ['1,000', 'format'],
    ['1.2.3', 'format'],
    ['0x10', 'format'],
    ['Infinity', 'format'],
    ['NaN', 'format'],
    ['1 000', 'format'],
    ['12元', 'format'],
    ['1234567890123', 'tooLarge'],
  ])('rejects %j as %s', (input, problem) => {
    expect(parseYuan(input)).toEqual({ ok: false, problem });
  });

  it('applies the caller’s limits in fen', () => {
    const limits = { minFen: 1, maxFen: 100_000_000 };
    expect(parseYuan('0', limits)).toEqual({ ok: false, problem: 'tooSmall' });
    expect(parseYuan('0.00', limits)).toEqual({ ok: false, problem: 'tooSmall' });
    expect(parseYuan('0.01', limits)).toEqual({ ok: true, fen: 1 });
    expect(parseYuan('1000000.00', limits)).toEqual({ ok: true, fen: 100_000_000 });
    expect(parseYuan('1000000.01', limits)).toEqual({ ok: false, problem: 'tooLarge' });
    expect(parseYuan('99999999999', limits)).toEqual({ ok: false, problem: 'tooLarge' });
  });

  it('never goes through floating point: every fen amount up to ¥1000 round-trips', () => {
    for (let fen = 0; fen <= 100_000; fen++) {
      expect(parseYuan(fenToYuanText(fen))).toEqual({ ok: true, fen });
    }
  });
});

describe('fenToYuanText', () => {
  it.each([
    [1250, '12.50'],
    [1, '0.01'],
    [10, '0.10'],
    [0, '0.00'],
    [100_000_000, '1000000.00'],
    [-250, '-2.50'],
  ])('%i fen → %j', (fen, text) => {
    expect(fenToYuanText(fen)).toBe(text);
  });
});

describe('checkTrackingNo', () => {
  it.each([
    ['SF1234567890', 'SF1234567890'],
    ['  YT-0001-22  ', 'YT-0001-22'],
    ['a'.repeat(64), 'a'.repeat(64)],
    ['7', '7'],
  ])('accepts %j as %j', (input, value) => {
    expect(checkTrackingNo(input)).toEqual({ ok: true, value });
  });

  it.each([
    ['', 'required'],
    ['   ', 'required'],
    ['a'.repeat(65), 'tooLong'],
    ['SF 123', 'chars'],
    ['SF123!', 'chars'],
    ['SF_123', 'chars'],
    ['顺丰123', 'chars'],
    ['SF１２３', 'chars'],
  ])('rejects %j as %s', (input, problem) => {
    expect(checkTrackingNo(input)).toEqual({ ok: false, problem });
  });
});
