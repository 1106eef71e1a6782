// The buyer's refunds: request, read, cancel.
import { apiRequest, seg } from './request';
import type { NewRefund, Refund } from './types';

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

/** GET /api/mp/refunds/:refundNo → the refund with the buyer's `actions`. */
export function getRefund(refundNo: string): Promise<Refund> {
  return apiRequest<Refund>({ method: 'GET', path: `/api/mp/refunds/${seg(refundNo)}` });
}

/** POST /api/mp/refunds/:refundNo/cancel → the refund, CANCELLED (only while REQUESTED). */
export function cancelRefund(refundNo: string): Promise<Refund> {
  return apiRequest<Refund>({ method: 'POST', path: `/api/mp/refunds/${seg(refundNo)}/cancel` });
}
