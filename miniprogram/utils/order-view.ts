// Order and refund rows as the pages draw them: money as text, status as label + tone, the shipping state.
// Shared by the list and detail.
import type { Order, Refund } from '../api/types';
import { formatFen } from './money';
import { formatTime } from './format';
import { orderStatusLabel, refundStatusLabel, refundTypeLabel, shippingStatusLabel } from './status';
import type { Tone } from './status';

export interface RefundRow {
  refundNo: string;
  statusText: string;
  tone: Tone;
  amountText: string;
  /** 仅退款 / 退货退款 */
  typeText: string;
  reason: string;
  timeText: string;
}

export interface OrderCard {
  orderNo: string;
  statusText: string;
  tone: Tone;
  totalText: string;
  summary: string;
  timeText: string;
  unpaid: boolean;
  /** '已发货 · 顺丰速运' once shipped, '' before. */
  shippingText: string;
}

export function refundRow(r: Refund): RefundRow {
  const label = refundStatusLabel(r.status);
  return {
    refundNo: r.refundNo,
    statusText: r.source === 'VENDOR_PLATFORM' ? `${label.text}（商家发起）` : label.text,
    tone: label.tone,
    amountText: formatFen(r.amountFen),
    typeText: refundTypeLabel(r.type),
    reason: r.reason,
    timeText: formatTime(r.createdAt),
  };
}

export function shippingText(o: Order): string {
  if (o.shippingStatus !== 'SHIPPED' && o.shippingStatus !== 'RECEIVED') return '';
  const label = shippingStatusLabel(o.shippingStatus).text;
  return o.shipment ? `${label} · ${o.shipment.carrierName}` : label;
}

export function orderCard(o: Order): OrderCard {
  const label = orderStatusLabel(o.status);
  const first = o.items[0];
  const count = o.items.reduce((n, i) => n + i.quantity, 0);
  const summary = first ? (o.items.length > 1 ? `${first.name} 等 ${count} 件` : `${first.name} × ${first.quantity}`) : '';
  return {
    orderNo: o.orderNo,
    statusText: label.text,
    tone: label.tone,
    totalText: formatFen(o.totalFen),
    summary,
    timeText: formatTime(o.createdAt),
    unpaid: o.status === 'UNPAID',
    shippingText: shippingText(o),
  };
}
