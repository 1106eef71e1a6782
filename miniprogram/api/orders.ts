// The buyer's orders: create, pay (live cashier or the sandbox), list and read.
import { apiRequest, seg } from './request';
import type { ListResult, NewOrderItem, Order, PayParams } from './types';

/** POST /api/mp/orders → the new order, UNPAID; the server takes the stock. */
export function createOrder(items: NewOrderItem[]): Promise<Order> {
  return apiRequest<Order>({ method: 'POST', path: '/api/mp/orders', data: { items } });
}

/** POST /api/mp/orders/:orderNo/pay → the wx.requestPayment fields (plus `sandbox: true` in sandbox mode). */
export function payOrder(orderNo: string): Promise<PayParams> {
  return apiRequest<PayParams>({ method: 'POST', path: `/api/mp/orders/${seg(orderNo)}/pay` });
}

/** POST /api/mp/orders/:orderNo/sandbox-pay → the order, PAID (sandbox mode only; 404 in live mode). */
export function sandboxPay(orderNo: string): Promise<Order> {
  return apiRequest<Order>({ method: 'POST', path: `/api/mp/orders/${seg(orderNo)}/sandbox-pay` });
}

/** GET /api/mp/orders → the buyer's own orders, newest first. */
export async function listOrders(): Promise<Order[]> {
  const res = await apiRequest<ListResult<Order>>({ method: 'GET', path: '/api/mp/orders' });
  return res.items;
}

/** GET /api/mp/orders/:orderNo → the order with its lines and refunds. */
export function getOrder(orderNo: string): Promise<Order> {
  return apiRequest<Order>({ method: 'GET', path: `/api/mp/orders/${seg(orderNo)}` });
}
