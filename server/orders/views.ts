// The order as the API shows it (docs/api-shapes.md): lines, money, its refunds and whether a refund may be
// asked, its address and shipment, and the order moves the viewer may take now.
import type { Viewer } from '../lifecycle/refunds.ts';
import { shippingActionsFor, type ShippingStatus } from '../lifecycle/shipping.ts';
import type { OutboxState } from '../outbox/outbox.ts';
import { refundBlocker } from '../refunds/rules.ts';
import { refundView, type RefundRecord } from '../refunds/views.ts';
import { carrierName } from '../wechat/carriers.ts';
import { addressFromColumn } from './address.ts';
import { shipBlocker } from './shipping-rules.ts';

export interface OrderRecord {
  orderNo: string;
  status: string;
  totalFen: number;
  refundedFen: number;
  pendingRefundFen: number;
  openRefundNo: string | null;
  refundCount: number;
  paidAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
  address: string | null;
  shippingStatus: string;
  carrier: string | null;
  trackingNo: string | null;
  shippedAt: Date | null;
  receivedAt: Date | null;
  items: Array<{ productId: number; name: string; priceFen: number; quantity: number }>;
  refunds: Array<Omit<RefundRecord, 'order'>>;
  buyer?: { openid: string };
}

export const ORDER_FULL = {
  items: { orderBy: { id: 'asc' } },
  refunds: { orderBy: { id: 'desc' } },
} as const;

const isStaff = (v: Viewer) => typeof v !== 'string';

/** What the merchant sees of the shipment's upload to WeChat (admin views; undefined: not looked up). */
function wechatShipping(upload: OutboxState | null) {
  if (!upload) return null;
  return {
    status: upload.status === 'DONE' ? ('UPLOADED' as const) : upload.status,
    lastError: upload.lastError,
    uploadedAt: upload.doneAt ? upload.doneAt.toISOString() : null,
    attempts: upload.attempts,
  };
}

/** The order's moves this viewer may take now: the table's, less those the order's rules forbid. */
function orderActions(o: OrderRecord, viewer: Viewer): string[] {
  return shippingActionsFor(o.shippingStatus as ShippingStatus, viewer).filter((a) => a !== 'ship' || shipBlocker(o) === null);
}

export function orderView(o: OrderRecord, viewer: Viewer, opts: { now?: Date; upload?: OutboxState | null } = {}) {
  const now = opts.now ?? new Date();
  return {
    orderNo: o.orderNo,
    status: o.status,
    totalFen: o.totalFen,
    refundedFen: o.refundedFen,
    // a refund made on the merchant platform may leave less than an open request asks for
    refundableFen: o.paidAt ? Math.max(0, o.totalFen - o.refundedFen - o.pendingRefundFen) : 0,
    canRequestRefund: refundBlocker(o, 1, now) === null,
    items: o.items.map((i) => ({
      productId: i.productId,
      name: i.name,
      priceFen: i.priceFen,
      quantity: i.quantity,
      subtotalFen: i.priceFen * i.quantity,
    })),
    refunds: o.refunds.map((r) => refundView({ ...r, order: { orderNo: o.orderNo } }, viewer)),
    createdAt: o.createdAt.toISOString(),
    paidAt: o.paidAt ? o.paidAt.toISOString() : null,
    updatedAt: o.updatedAt.toISOString(),
    ...(isStaff(viewer) && o.buyer ? { buyer: { openid: o.buyer.openid } } : {}),
    shippingStatus: o.shippingStatus as ShippingStatus,
    address: addressFromColumn(o.address),
    shipment:
      o.carrier && o.trackingNo && o.shippedAt
        ? { carrier: o.carrier, carrierName: carrierName(o.carrier) ?? o.carrier, trackingNo: o.trackingNo, shippedAt: o.shippedAt.toISOString() }
        : null,
    receivedAt: o.receivedAt ? o.receivedAt.toISOString() : null,
    actions: orderActions(o, viewer),
    ...(isStaff(viewer) ? { wechatShipping: wechatShipping(opts.upload ?? null) } : {}),
  };
}
export type OrderView = ReturnType<typeof orderView>;
