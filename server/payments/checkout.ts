// Paying an order: the prepay (v2 unified order, v3 JSAPI prepay) + wx.requestPayment parameters, the pay notification, and the
// sandbox's simulated cashier. An order becomes PAID only from a verified notification or order query.
import type { Db } from '../db/client.ts';
import { DomainError, notFound } from '../errors.ts';
import { recordCall } from '../gateway/call-log.ts';
import type { PayGateway } from '../gateway/gateway.ts';
import { ORDER_FULL, orderView, type OrderView } from '../orders/views.ts';

const PREPAY_REUSE_MS = 110 * 60_000; // a prepay_id lives 2 hours; renew it a little before

function ipv4(ip: string | undefined): string {
  const v = (ip ?? '').replace(/^::ffff:/, '');
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(v) ? v : '127.0.0.1'; // v2's spbill_create_ip is IPv4, String(16)
}

async function ensurePrepay(db: Db, gw: PayGateway, buyerId: number, orderNo: string, ip: string | undefined) {
  const order = await db.order.findUnique({ where: { orderNo }, include: { buyer: true, items: true } });
  if (!order || order.buyerId !== buyerId) throw notFound(`Order ${orderNo}`);
  if (order.status !== 'UNPAID') {
    throw new DomainError('INVALID_STATE', order.status === 'CLOSED' ? 'This order was closed; place a new one.' : 'This order is already paid.');
  }
  if (order.prepayId && order.prepayAt && Date.now() - order.prepayAt.getTime() < PREPAY_REUSE_MS) {
    return order.prepayId;
  }
  const first = order.items[0]?.name ?? '商品';
  const { outcome, call } = await gw.prepay({
    outTradeNo: order.orderNo,
    totalFee: order.totalFen,
    description: order.items.length > 1 ? `${first} 等${order.items.length}件` : first,
    openid: order.buyer.openid,
    clientIp: ipv4(ip),
  });
  await recordCall(db, call, { orderNo: order.orderNo });
  if (outcome.kind !== 'ok') {
    throw new DomainError('UPSTREAM_UNAVAILABLE', `WeChat Pay could not start the payment (${outcome.code}); try again.`);
  }
  await db.$transaction((tx) =>
    tx.order.updateMany({ where: { id: order.id, status: 'UNPAID' }, data: { prepayId: outcome.prepayId, prepayAt: new Date() } }),
  );
  return outcome.prepayId;
}

export async function startPayment(db: Db, gw: PayGateway, buyerId: number, orderNo: string, ip: string | undefined) {
  const prepayId = await ensurePrepay(db, gw, buyerId, orderNo, ip);
  const params = gw.paymentParams(prepayId);
  return gw.mode === 'sandbox' ? { ...params, sandbox: true } : params;
}

/** Sandbox only: the simulated cashier pays, WeChat's signed notification arrives, and the order is PAID. */
export async function sandboxPay(db: Db, gw: PayGateway, buyerId: number, orderNo: string, ip: string | undefined): Promise<OrderView> {
  if (!gw.sandboxPay) throw notFound('This endpoint');
  const existing = await db.order.findUnique({ where: { orderNo }, select: { buyerId: true, status: true } });
  if (!existing || existing.buyerId !== buyerId) throw notFound(`Order ${orderNo}`);
  if (existing.status === 'UNPAID') {
    await ensurePrepay(db, gw, buyerId, orderNo, ip);
    await gw.sandboxPay(orderNo);
  }
  const o = await db.order.findUniqueOrThrow({ where: { orderNo }, include: ORDER_FULL });
  return orderView(o, 'buyer');
}

export type PaidOutcome = 'applied' | 'duplicate' | 'unknown' | { rejected: string };

/** Marks an order paid after WeChat said so; checks the amount; a repeat changes nothing. */
export async function markPaid(db: Db, p: { outTradeNo: string; totalFee: number; transactionId: string | null }): Promise<PaidOutcome> {
  return db.$transaction(async (tx) => {
    const order = await tx.order.findUnique({ where: { orderNo: p.outTradeNo } });
    if (!order) return 'unknown';
    if (order.totalFen !== p.totalFee) return { rejected: `total_fee ${p.totalFee} differs from the order's ${order.totalFen}` };
    if (order.paidAt) return 'duplicate';
    const now = new Date();
    // a CLOSED order that WeChat says was paid is paid: the buyer's money came in
    const { count } = await tx.order.updateMany({
      where: { id: order.id, paidAt: null },
      data: { status: 'PAID', paidAt: now, transactionId: p.transactionId, closedAt: null, updatedAt: now },
    });
    return count === 1 ? 'applied' : 'duplicate';
  });
}
