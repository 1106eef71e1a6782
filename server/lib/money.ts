// Fen → yuan text by composing digits, never by dividing floats: 1234 → "12.34", 5 → "0.05", -5 → "-0.05".

export function fenToYuan(fen: number): string {
  if (!Number.isSafeInteger(fen)) throw new TypeError('fen must be a whole number');
  const sign = fen < 0 ? '-' : '';
  const abs = Math.abs(fen);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}
