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
