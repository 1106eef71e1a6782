// utils/money: yuan typed by the buyer → integer fen, and fen → yuan for display, both exact.
import { describe, it, expect } from 'vitest';
import { fenToYuan, formatFen, yuanToFen } from '../../miniprogram/utils/money';

describe('yuanToFen', () => {
  it.each([
    ['0.1', 10],
    ['19.99', 1999],
    ['5', 500],
    ['0.01', 1],
    ['0.07', 7], // 0.07 * 100 is 7.000000000000001 in floating point
    ['1.1', 110],
    ['4.35', 435], // 4.35 * 100 is 434.99999999999994
    ['136.00', 13600],
    ['5.', 500],
    ['.5', 50],
    ['007.50', 750],
    ['0', 0],
    [' 12.3 ', 1230],
    ['999999999.99', 99999999999],
  ])('%j → %i fen', (input, fen) => {
    expect(yuanToFen(input)).toBe(fen);
  });

  it.each(['1.234', '-1', 'abc', '', '1e3', '.', ' ', '+1', '1,000', '1.2.3', '¥5', '0x10', 'Infinity', 'NaN', '1 000', '1234567890'])(
    'rejects %j',
    (input) => {
      expect(yuanToFen(input)).toBeNull();
    },
  );

  it('never goes through floating point: every fen amount up to ¥1000 round-trips', () => {
    for (let fen = 0; fen <= 100_000; fen++) {
      expect(yuanToFen(fenToYuan(fen))).toBe(fen);
    }
  });
});

describe('fenToYuan / formatFen', () => {
  it.each([
    [1999, '19.99'],
    [10, '0.10'],
    [500, '5.00'],
    [1, '0.01'],
    [0, '0.00'],
    [13600, '136.00'],
    [-250, '-2.50'],
  ])('%i fen → %j', (fen, yuan) => {
    expect(fenToYuan(fen)).toBe(yuan);
  });

  it('prefixes ¥ for display', () => {
    expect(formatFen(1999)).toBe('¥19.99');
  });

  it('refuses a non-integer amount instead of showing a wrong one', () => {
    expect(() => fenToYuan(19.99)).toThrow();
    expect(() => fenToYuan(Number.NaN)).toThrow();
  });
});
