// How an order reads in one line of a list: its items, and where it goes.
import type { Address, Order } from '../api/types';
import { translate } from '../i18n/useI18n';

export function itemsSummary(order: Pick<Order, 'items'>): string {
  const first = order.items[0];
  if (!first) return '—';
  if (order.items.length > 1) return translate('orders.itemsMore', { name: first.name, n: order.items.length - 1, total: order.items.length });
  return first.quantity > 1 ? `${first.name} ×${first.quantity}` : first.name;
}

function region(address: Address): string {
  const parts = [address.province, address.city, address.district];
  return parts.filter((part, i) => part && part !== parts[i - 1]).join('');
}

/** 广东省广州市海珠区 新港中路 397 号; a municipality's province and city (北京市北京市) once. */
export function fullAddress(address: Address): string {
  return `${region(address)} ${address.detail}`.trim();
}

/** 张三 · 广东省广州市海珠区: who and roughly where, for a list row. */
export function addressSummary(address: Address | null): string {
  return address ? `${address.name} · ${region(address)}` : translate('shipping.noAddress');
}
