// Times for display: the server sends ISO-8601 UTC; buyers read China time (UTC+8, no daylight saving).

const CHINA_OFFSET_MS = 8 * 60 * 60 * 1000;

function pad(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** '2026-11-22T03:04:05.000Z' → '2026-11-22 11:04'; '' when absent or unreadable. */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '';
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return '';
  // Shift by the offset and read the UTC fields, so the phone's own time zone setting does not matter.
  const d = new Date(ms + CHINA_OFFSET_MS);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
}
