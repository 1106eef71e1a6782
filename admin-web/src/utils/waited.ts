// "等待 3 小时": how long a refund has waited for the merchant, and how urgent that looks.
import { translate } from '../i18n/useI18n';
import { elapsedSince } from './time';

export function waitedLabel(sinceIso: string, nowMs: number): string {
  const { days, hours, minutes } = elapsedSince(sinceIso, nowMs);
  if (days > 0) return translate('wait.days', { d: days, h: hours });
  if (hours > 0) return translate('wait.hours', { h: hours });
  if (minutes > 0) return translate('wait.minutes', { m: minutes });
  return translate('wait.justNow');
}

/** 'danger' after a day, 'warning' after 4 hours, otherwise calm. */
export function waitedUrgency(sinceIso: string, nowMs: number): 'danger' | 'warning' | 'info' {
  const { days, hours } = elapsedSince(sinceIso, nowMs);
  if (days > 0) return 'danger';
  if (hours >= 4) return 'warning';
  return 'info';
}
