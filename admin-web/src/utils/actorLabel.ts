// Who moved a refund or an order, in words: buyer, a merchant (admin:<name>, or a bare name with the staff
// role the event carries), dispatcher, system, wechat:notify / query / refund.
import type { MessageKey } from '../i18n/messages';
import { translate } from '../i18n/useI18n';

const KNOWN: Record<string, MessageKey> = {
  buyer: 'actor.buyer',
  dispatcher: 'actor.dispatcher',
  system: 'actor.system',
  'wechat:notify': 'actor.wechat:notify',
  'wechat:query': 'actor.wechat:query',
  'wechat:refund': 'actor.wechat:refund',
};

export function actorLabel(actor: string, role?: string | null): string {
  if (actor.startsWith('admin:')) return translate('actor.admin', { name: actor.slice('admin:'.length) });
  if (role) return translate('actor.admin', { name: actor });
  const key = KNOWN[actor];
  return key ? translate(key) : actor;
}
