// One refund's whole story for the merchant: the refund, its order, its events and its WeChat calls.
import { readSnapshot, type Db } from '../db/client.ts';
import { notFound } from '../errors.ts';
import { ORDER_FULL, orderView } from '../orders/views.ts';
import { REFUND_WITH_ORDER_NO, refundView } from '../refunds/views.ts';
import type { StaffViewer } from '../lifecycle/refunds.ts';
import { eventView } from './event-view.ts';

export async function refundDetail(db: Db, refundNo: string, viewer: StaffViewer) {
  // one snapshot: the refund, its events and its order must tell the same story
  const found = await readSnapshot(db, async (tx) => {
    const refund = await tx.refund.findUnique({
      where: { refundNo },
      include: {
        ...REFUND_WITH_ORDER_NO,
        events: { orderBy: { id: 'asc' } },
        wechatCalls: { orderBy: { id: 'asc' } },
      },
    });
    if (!refund) return null;
    return { refund, order: await tx.order.findUniqueOrThrow({ where: { id: refund.orderId }, include: { ...ORDER_FULL, buyer: true } }) };
  });
  if (!found) throw notFound(`Refund ${refundNo}`);
  const { refund: r, order } = found;
  return {
    ...refundView(r, viewer),
    order: orderView(order, viewer),
    events: r.events.map(eventView),
    wechatCalls: r.wechatCalls.map((c) => ({
      at: c.at.toISOString(),
      endpoint: c.endpoint,
      returnCode: c.returnCode,
      resultCode: c.resultCode,
      errCode: c.errCode,
      errCodeDes: c.errCodeDes,
      httpStatus: c.httpStatus,
      error: c.error,
      durationMs: c.durationMs,
    })),
  };
}

