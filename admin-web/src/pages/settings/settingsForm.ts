// The settings as the owner types them, checked with the server's own limits: the approval limit in yuan →
// exact fen (parseYuan composes digits, never a float), 0 to ¥10,000,000; each reason list 1–20 reasons of
// 1–50 characters, and no reason twice (a buyer could not tell them apart).
import type { MessageKey } from '../../i18n/messages';
import { formatFen, parseYuan } from '../../utils/money';

export const MAX_LIMIT_FEN = 1_000_000_000;
const MAX_REASONS = 20;
const MAX_REASON_LENGTH = 50;

export type FieldError = { key: MessageKey; params?: Record<string, string> };

export function checkLimit(text: string): { ok: true; fen: number } | { ok: false; error: FieldError } {
  const parsed = parseYuan(text, { minFen: 0, maxFen: MAX_LIMIT_FEN });
  if (parsed.ok) return parsed;
  return { ok: false, error: { key: `yuan.${parsed.problem}`, params: { min: formatFen(0), max: formatFen(MAX_LIMIT_FEN) } } };
}

/** The list with `typed` added at the end, or why not. */
export function addReason(list: readonly string[], typed: string): { ok: true; list: string[] } | { ok: false; error: FieldError } {
  const reason = typed.trim();
  if (!reason) return { ok: false, error: { key: 'settings.reasonEmpty' } };
  if (reason.length > MAX_REASON_LENGTH) return { ok: false, error: { key: 'settings.reasonTooLong' } };
  if (list.includes(reason)) return { ok: false, error: { key: 'settings.reasonDuplicate' } };
  if (list.length >= MAX_REASONS) return { ok: false, error: { key: 'settings.reasonsFull' } };
  return { ok: true, list: [...list, reason] };
}

/** The list without its `index`th reason, or why not (a list keeps one reason at least). */
export function removeReason(list: readonly string[], index: number): { ok: true; list: string[] } | { ok: false; error: FieldError } {
  if (list.length <= 1) return { ok: false, error: { key: 'settings.reasonsMin' } };
  return { ok: true, list: list.filter((_, i) => i !== index) };
}

/** The list with the `index`th reason moved one place up (-1) or down (+1); unchanged at either end. */
export function moveReason(list: readonly string[], index: number, delta: -1 | 1): string[] {
  const to = index + delta;
  if (to < 0 || to >= list.length) return [...list];
  const next = [...list];
  [next[index], next[to]] = [next[to], next[index]];
  return next;
}
