// Shipping and receipt: the merchant ships (and WeChat's shipping service is told through the outbox,
// after commit), the buyer confirms receipt, or the system does it ORDER_AUTO_RECEIVE_S later.
import type { Db } from '../db/client.ts';
import { DomainError, notFound } from '../errors.ts';
import { enqueue } from '../outbox/outbox.ts';
import type { Actor } from '../refunds/moves.ts';
import { carrierName } from '../wechat/carriers.ts';
import { addressFromColumn } from './address.ts';
import { moveShipping } from './moves.ts';
import { shipBlocker, SHIP_GUARD } from './shipping-rules.ts';
import { shippingUploadIntent } from './shipping-upload.ts';

export async function shipOrder(db: Db, orderNo: string, shipment: { carrier: string; trackingNo: string }, actor: Actor): Promise<void> {
  if (!carrierName(shipment.carrier)) throw new DomainError('VALIDATION_FAILED', `carrier: ${shipment.carrier} is not a carrier WeChat knows; pick one from /api/admin/carriers.`);
  await db.$transaction(async (tx) => {
    const order = await tx.order.findUnique({ where: { orderNo }, include: { buyer: { select: { openid: true } }, items: { orderBy: { id: 'asc' } } } });
    if (!order) throw notFound(`Order ${orderNo}`);
    if (order.shippingStatus === 'UNSHIPPED') {
      const blocker = shipBlocker(order);
      if (blocker) throw blocker;
    }
    const now = new Date();
    await moveShipping(tx, order, 'ship', actor, {
      note: `${shipment.carrier} ${shipment.trackingNo}`,
      data: { carrier: shipment.carrier, trackingNo: shipment.trackingNo, shippedAt: now },
      guard: SHIP_GUARD,
      guardError: () => new DomainError('REFUND_IN_PROGRESS', 'A refund of this order was requested meanwhile: handle it before shipping.'),
    });
    const address = addressFromColumn(order.address)!;
    await enqueue(tx, shippingUploadIntent({ ...order, address, carrier: shipment.carrier, trackingNo: shipment.trackingNo }), now);
  });
}

export async function receiveOrder(db: Db, buyerId: number, orderNo: string): Promise<void> {
  await db.$transaction(async (tx) => {
    const order = await tx.order.findUnique({ where: { orderNo } });
    if (!order || order.buyerId !== buyerId) throw notFound(`Order ${orderNo}`);
    await moveShipping(tx, order, 'receive', { role: 'buyer', name: 'buyer' }, { data: { receivedAt: new Date() } });
  });
}

/** The system's receipt of one order shipped long ago; false when the buyer (or another instance) was first. */
export async function autoReceive(db: Db, orderId: number): Promise<boolean> {
  try {
    await db.$transaction(async (tx) => {
      const order = await tx.order.findUniqueOrThrow({ where: { id: orderId } });
      await moveShipping(tx, order, 'auto_receive', { role: 'system', name: 'system' }, {
        note: 'not confirmed by the buyer in time',
        data: { receivedAt: new Date() },
      });
    });
    return true;
  } catch (err) {
    if (err instanceof DomainError && err.code === 'INVALID_STATE') return false;
    throw err;
  }
}
