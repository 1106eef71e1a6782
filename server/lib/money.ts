// Fen → yuan text by placing the decimal point in the digits, no division at all: 1234 → "12.34",
// 5 → "0.05", -5 → "-0.05". The one formatter the server uses (export, messages, errors).

export function fenToYuan(fen: number): string {
  if (!Number.isSafeInteger(fen)) throw new TypeError('fen must be a whole number');
  const digits = String(Math.abs(fen)).padStart(3, '0');
  return `${fen < 0 ? '-' : ''}${digits.slice(0, -2)}.${digits.slice(-2)}`;
}
