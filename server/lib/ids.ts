// Order and refund numbers: ≤ 32 chars of [0-9A-Za-z], unique, never reused (they are WeChat's out_trade_no / out_refund_no).
import { randomInt } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHJKLMNPQRSTUVWXYZ';

function chinaStamp(now: Date): string {
  // WeChat merchants read these numbers in China time
  const t = new Date(now.getTime() + 8 * 3600_000).toISOString();
  return t.slice(0, 19).replace(/[-T:]/g, '');
}

function randomPart(length: number): string {
  let s = '';
  for (let i = 0; i < length; i += 1) s += ALPHABET[randomInt(ALPHABET.length)];
  return s;
}

/** M + yyyyMMddHHmmss + 10 random characters: 25 characters. */
export function newOrderNo(now = new Date()): string {
  return `M${chinaStamp(now)}${randomPart(10)}`;
}

/** R + yyyyMMddHHmmss + 10 random characters: 25 characters. */
export function newRefundNo(now = new Date()): string {
  return `R${chinaStamp(now)}${randomPart(10)}`;
}

/** What an order or refund number may look like in a URL (the contract's rule). */
export const NUMBER_PATTERN = /^[0-9A-Za-z_-]{1,32}$/;
