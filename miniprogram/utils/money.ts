// Money on the client: the buyer types yuan, the server speaks integer fen (分).
// Both directions are exact string/integer arithmetic: a float such as 19.99 * 100 is 1998.9999999999998,
// and a refund one fen off is a refund the server refuses or, worse, the wrong amount.

// Digits, an optional point, at most two decimals ('5', '5.', '.5', '19.99'). No sign, no exponent.
const YUAN_PATTERN = /^(\d*)(?:\.(\d{0,2}))?$/;

// Far above any order, and far below Number.MAX_SAFE_INTEGER, so fen stays an exact integer.
const MAX_YUAN_DIGITS = 9;

/** '19.99' → 1999, '0.1' → 10, '5' → 500; null for anything that is not a plain non-negative amount. */
export function yuanToFen(input: string): number | null {
  const text = input.trim();
  const match = YUAN_PATTERN.exec(text);
  if (!match) return null;
  const whole = match[1];
  const decimals = match[2] ?? '';
  if (whole === '' && decimals === '') return null; // '' and '.'
  const wholeDigits = whole.replace(/^0+(?=\d)/, '');
  if (wholeDigits.length > MAX_YUAN_DIGITS) return null;
  const fenDigits = (decimals + '00').slice(0, 2);
  // yuan digits followed by exactly two fen digits *are* the fen amount: '19' + '99' → 1999, '0' + '10' → 10
  return Number((wholeDigits || '0') + fenDigits);
}

/** 1999 → '19.99', 10 → '0.10', 500 → '5.00'. Integer arithmetic only. */
export function fenToYuan(fen: number): string {
  if (!Number.isSafeInteger(fen)) throw new Error(`fen must be an integer, got ${fen}`);
  const sign = fen < 0 ? '-' : '';
  const digits = String(Math.abs(fen)).padStart(3, '0');
  return `${sign}${digits.slice(0, -2)}.${digits.slice(-2)}`;
}

/** 1999 → '¥19.99', for display. */
export function formatFen(fen: number): string {
  return `¥${fenToYuan(fen)}`;
}
