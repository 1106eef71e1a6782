// The buyer's refunds: request, read, send the goods back, cancel.
import { apiRequest, seg } from './request';
import type { NewRefund, Refund, ReturnShipmentInput } from './types';

/**
 * POST /api/mp/orders/:orderNo/refunds → the refund, REQUESTED.
 * `idempotencyKey` is made once per refund form and sent with every attempt from it: if an answer is lost
 * and the buyer taps again, the server hands back the refund it already made instead of a second one.
 */
export function requestRefund(orderNo: string, refund: NewRefund, idempotencyKey: string): Promise<Refund> {
  return apiRequest<Refund>({
    method: 'POST',
    path: `/api/mp/orders/${seg(orderNo)}/refunds`,
    data: refund,
    header: { 'Idempotency-Key': idempotencyKey },
  });
}

/** GET /api/mp/refunds/:refundNo → the refund with the buyer's `actions` and its whole timeline (`events`). */
export function getRefund(refundNo: string): Promise<Refund> {
  return apiRequest<Refund>({ method: 'GET', path: `/api/mp/refunds/${seg(refundNo)}` });
}

/** POST /api/mp/refunds/:refundNo/return → the refund, RETURN_SHIPPED (only when its `actions` offer `return`). */
export function returnGoods(refundNo: string, shipment: ReturnShipmentInput): Promise<Refund> {
  return apiRequest<Refund>({ method: 'POST', path: `/api/mp/refunds/${seg(refundNo)}/return`, data: shipment });
}

/** POST /api/mp/refunds/:refundNo/cancel → the refund, CANCELLED (only when its `actions` offer `cancel`). */
export function cancelRefund(refundNo: string): Promise<Refund> {
  return apiRequest<Refund>({ method: 'POST', path: `/api/mp/refunds/${seg(refundNo)}/cancel` });
}
