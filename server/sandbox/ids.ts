// Identifiers shaped like WeChat's (prepay_id, transaction_id, refund_id, openid) and China-time formatting.
import { createHash, randomBytes, randomInt } from 'node:crypto';

const CHINA_OFFSET_MS = 8 * 3600 * 1000; // WeChat's times are Beijing time (UTC+8, no DST)

function chinaParts(ms: number): string[] {
  const iso = new Date(ms + CHINA_OFFSET_MS).toISOString(); // 2024-01-01T11:59:59.000Z, read as UTC+8
  return [iso.slice(0, 4), iso.slice(5, 7), iso.slice(8, 10), iso.slice(11, 13), iso.slice(14, 16), iso.slice(17, 19)];
}

/** `yyyyMMddHHmmss` in China time (time_end, time_expire). */
export function chinaCompact(ms: number): string {
  return chinaParts(ms).join('');
}

/** `yyyy-MM-dd HH:mm:ss` in China time (success_time, refund_success_time_$n). */
export function chinaHuman(ms: number): string {
  const [y, mo, d, h, mi, s] = chinaParts(ms);
  return `${y}-${mo}-${d} ${h}:${mi}:${s}`;
}

/** RFC 3339 in China time (`2018-06-08T10:34:56+08:00`), the form of every APIv3 time. */
export function chinaRfc3339(ms: number): string {
  const [y, mo, d, h, mi, s] = chinaParts(ms);
  return `${y}-${mo}-${d}T${h}:${mi}:${s}+08:00`;
}

/** The stored v2 forms (time_end `yyyyMMddHHmmss`, success_time `yyyy-MM-dd HH:mm:ss`, both China time) as RFC 3339. */
export function rfc3339FromChina(stored: string): string {
  const digits = stored.replace(/\D/g, '');
  return `${digits.slice(0, 4)}-${digits.slice(4, 6)}-${digits.slice(6, 8)}T${digits.slice(8, 10)}:${digits.slice(10, 12)}:${digits.slice(12, 14)}+08:00`;
}

/** Epoch ms of an RFC 3339 date-time with an explicit offset (APIv3 `time_expire`); null otherwise. */
export function parseRfc3339(s: string): number | null {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/.test(s)) return null;
  const ms = Date.parse(s);
  return Number.isNaN(ms) ? null : ms;
}

/** Parses `yyyyMMddHHmmss` China time to epoch ms; null when it is not a real date-time. */
export function parseChinaCompact(s: string): number | null {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(s);
  if (!m) return null;
  const [y, mo, d, h, mi, sec] = m.slice(1).map((x) => Number.parseInt(x, 10));
  const utc = Date.UTC(y, mo - 1, d, h, mi, sec);
  if (chinaCompact(utc - CHINA_OFFSET_MS) !== s) return null; // rejects 20240230…, 25:00 and the like
  return utc - CHINA_OFFSET_MS;
}

export function randomDigits(n: number): string {
  let out = '';
  for (let i = 0; i < n; i++) out += String(randomInt(0, 10));
  return out;
}

/** `wx` + yyyyMMddHHmmss + 20 hex: 36 characters, like real prepay ids. */
export function newPrepayId(now: number): string {
  return `wx${chinaCompact(now)}${randomBytes(10).toString('hex')}`;
}

/** 28 digits starting 4200, with the payment date inside, like real ones (4200000015 20171125 6947025404). */
export function newTransactionId(now: number): string {
  return `420000${randomDigits(4)}${chinaCompact(now).slice(0, 8)}${randomDigits(10)}`;
}

/** 29 digits starting 5030. */
export function newRefundId(now: number): string {
  return `5030${randomDigits(1)}${chinaCompact(now).slice(0, 8)}${randomDigits(16)}`;
}

/** The same js_code always logs in the same buyer, so tests and demos can name their buyers. */
export function openidForCode(code: string): string {
  return `o${createHash('sha256').update(`sandbox:${code}`, 'utf8').digest('base64url').slice(0, 27)}`;
}

export function randomAlnum(n: number): string {
  const chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  let out = '';
  for (let i = 0; i < n; i++) out += chars[randomInt(0, chars.length)];
  return out;
}
