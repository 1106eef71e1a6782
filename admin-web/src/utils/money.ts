// Fen → "¥19.99" with string arithmetic only: no float division, no toFixed, so no rounding ever.

function groupThousands(digits: string): string {
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

export function formatFen(fen: number | null | undefined): string {
  if (fen === null || fen === undefined || !Number.isSafeInteger(fen)) return '—';
  const negative = fen < 0;
  const digits = String(negative ? -fen : fen).padStart(3, '0');
  const yuan = groupThousands(digits.slice(0, -2));
  const cents = digits.slice(-2);
  return `${negative ? '-' : ''}¥${yuan}.${cents}`;
}

/** Fen → the plain yuan text a form starts from: 1250 → '12.50'. */
export function fenToYuanText(fen: number): string {
  const digits = String(Math.abs(fen)).padStart(3, '0');
  return `${fen < 0 ? '-' : ''}${digits.slice(0, -2)}.${digits.slice(-2)}`;
}

export type YuanProblem = 'empty' | 'negative' | 'format' | 'decimals' | 'tooSmall' | 'tooLarge';
export type YuanResult = { ok: true; fen: number } | { ok: false; problem: YuanProblem };

// Far beyond any price, far below Number.MAX_SAFE_INTEGER: fen stays an exact integer.
const MAX_WHOLE_DIGITS = 12;

/**
 * Yuan typed by a person → integer fen, by composing the digits: '12.5' is '12' + '50' → 1250. A float
 * (12.5 * 100, parseFloat) would make 4.35 into 434.99…, so none is used. Full-width digits and points
 * (a Chinese IME) and a leading ¥ are accepted; a sign, an exponent, a comma or a third decimal are not.
 */
export function parseYuan(input: string, limits: { minFen?: number; maxFen?: number } = {}): YuanResult {
  let text = input
    .replace(/[\uFF10-\uFF19]/g, (d) => String.fromCharCode(d.charCodeAt(0) - 0xfee0))
    .replace(/[．。]/g, '.')
    .trim()
    .replace(/^[¥￥]\s*/, '');
  if (text === '') return { ok: false, problem: 'empty' };
  if (/^[-−]/.test(text)) return { ok: false, problem: 'negative' };
  const match = /^(\d*)(?:\.(\d*))?$/.exec(text);
  if (!match || (match[1] === '' && (match[2] ?? '') === '')) return { ok: false, problem: 'format' };
  const decimals = match[2] ?? '';
  if (decimals.length > 2) return { ok: false, problem: 'decimals' };
  text = match[1].replace(/^0+/, '');
  if (text.length > MAX_WHOLE_DIGITS) return { ok: false, problem: 'tooLarge' };
  const fen = Number(text + (decimals + '00').slice(0, 2));
  if (limits.maxFen !== undefined && fen > limits.maxFen) return { ok: false, problem: 'tooLarge' };
  if (limits.minFen !== undefined && fen < limits.minFen) return { ok: false, problem: 'tooSmall' };
  return { ok: true, fen };
}
