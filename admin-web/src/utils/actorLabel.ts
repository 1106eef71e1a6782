// Who moved a refund or an order, in words: buyer; one of the merchant's people as their role and name
// ("客服 alice", from the event's `role`; older events say admin:<name> and read "商家 name"); dispatcher,
// system, wechat:notify / query / refund.
import type { StaffRole } from '../api/types';
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

export const ROLE_LABEL: Record<StaffRole, MessageKey> = {
  OWNER: 'role.OWNER',
  SERVICE: 'role.SERVICE',
  WAREHOUSE: 'role.WAREHOUSE',
  FINANCE: 'role.FINANCE',
};

/** A staff role in words; a role this page does not know yet shows as its code. */
export function roleLabel(role: string): string {
  const key = ROLE_LABEL[role as StaffRole];
  return key ? translate(key) : role;
}

export function actorLabel(actor: string, role?: string | null): string {
  const name = actor.startsWith('admin:') ? actor.slice('admin:'.length) : actor;
  if (role) return translate('actor.staff', { role: roleLabel(role), name });
  if (actor.startsWith('admin:')) return translate('actor.admin', { name });
  const key = KNOWN[actor];
  return key ? translate(key) : actor;
}
