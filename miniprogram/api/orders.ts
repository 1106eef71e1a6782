// The buyer's orders: create, pay (live cashier or the sandbox), list and read, confirm receipt.
import { apiRequest, seg } from './request';
import type { Address, NewOrderItem, Order, OrderList, OrderTab, PayParams } from './types';

/** POST /api/mp/orders → the new order, UNPAID; the server takes the stock. */
export function createOrder(items: NewOrderItem[], address: Address): Promise<Order> {
  return apiRequest<Order>({ method: 'POST', path: '/api/mp/orders', data: { items, address } });
}

/** POST /api/mp/orders/:orderNo/pay → the wx.requestPayment fields (plus `sandbox: true` in sandbox mode). */
export function payOrder(orderNo: string): Promise<PayParams> {
  return apiRequest<PayParams>({ method: 'POST', path: `/api/mp/orders/${seg(orderNo)}/pay` });
}

/** POST /api/mp/orders/:orderNo/sandbox-pay → the order, PAID (sandbox mode only; 404 in live mode). */
export function sandboxPay(orderNo: string): Promise<Order> {
  return apiRequest<Order>({ method: 'POST', path: `/api/mp/orders/${seg(orderNo)}/sandbox-pay` });
}

/** GET /api/mp/orders[?tab=] → the buyer's own orders in that tab (all without one), newest first, and every tab's count. */
export function listOrderTab(tab?: OrderTab): Promise<OrderList> {
  // The query is written into the path, not left to wx.request's `data`, so the URL is the same everywhere.
  const query = tab ? `?tab=${seg(tab)}` : '';
  return apiRequest<OrderList>({ method: 'GET', path: `/api/mp/orders${query}` });
}

/** The buyer's orders alone, for callers that do not draw tabs. */
export async function listOrders(tab?: OrderTab): Promise<Order[]> {
  return (await listOrderTab(tab)).items;
}

/** GET /api/mp/orders/:orderNo → the order with its lines, refunds and shipment. */
export function getOrder(orderNo: string): Promise<Order> {
  return apiRequest<Order>({ method: 'GET', path: `/api/mp/orders/${seg(orderNo)}` });
}

/** POST /api/mp/orders/:orderNo/receive → the order, RECEIVED (only when its `actions` offer `receive`). */
export function receiveOrder(orderNo: string): Promise<Order> {
  return apiRequest<Order>({ method: 'POST', path: `/api/mp/orders/${seg(orderNo)}/receive` });
}
