// Merchants think in China days (UTC+8, no daylight saving): where a day starts, and which day it is.

const CHINA_OFFSET = '+08:00'; // merchants think in China days

export function chinaDayStart(day: string): Date {
  return new Date(`${day}T00:00:00${CHINA_OFFSET}`);
}

/** Today's date in China, YYYY-MM-DD. */
export function chinaToday(now = new Date()): string {
  return new Date(now.getTime() + 8 * 3600_000).toISOString().slice(0, 10);
}
