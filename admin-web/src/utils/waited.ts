// "等待 3 小时": how long a refund (or a paid order) has waited for the merchant, and how urgent that looks.
import type { MessageKey } from '../i18n/messages';
import { translate } from '../i18n/useI18n';
import { elapsedSince } from './time';

/** `justNow` names the first minute: 刚刚提交 for a refund request, 刚刚支付 for an order to ship. */
export function waitedLabel(sinceIso: string, nowMs: number, justNow: MessageKey = 'wait.justNow'): string {
  const { days, hours, minutes } = elapsedSince(sinceIso, nowMs);
  if (days > 0) return translate('wait.days', { d: days, h: hours });
  if (hours > 0) return translate('wait.hours', { h: hours });
  if (minutes > 0) return translate('wait.minutes', { m: minutes });
  return translate(justNow);
}

/** 'danger' after a day, 'warning' after 4 hours, otherwise calm. */
export function waitedUrgency(sinceIso: string, nowMs: number): 'danger' | 'warning' | 'info' {
  const { days, hours } = elapsedSince(sinceIso, nowMs);
  if (days > 0) return 'danger';
  if (hours >= 4) return 'warning';
  return 'info';
}
