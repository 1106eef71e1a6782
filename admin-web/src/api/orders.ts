// Admin order endpoints: the list (status, shipping status, search, paging), one order with its refunds and
// shipping moves, shipping it, and sending its shipment to WeChat again.
import { request } from './http';
import type { Order, OrderDetail, OrderStatus, Page, ShippingStatus } from './types';

export interface OrderQuery {
  status?: OrderStatus;
  shippingStatus?: ShippingStatus;
  q?: string;
  page?: number;
  pageSize?: number;
}

export interface ShipBody {
  carrier: string;
  trackingNo: string;
}

const orderPath = (orderNo: string) => `/api/admin/orders/${encodeURIComponent(orderNo)}`;

export function listOrders(query: OrderQuery): Promise<Page<Order>> {
  return request<Page<Order>>('/api/admin/orders', { query: { ...query } });
}

export function getOrder(orderNo: string): Promise<OrderDetail> {
  return request<OrderDetail>(orderPath(orderNo));
}

export function shipOrder(orderNo: string, body: ShipBody): Promise<Order> {
  return request<Order>(`${orderPath(orderNo)}/ship`, { method: 'POST', body });
}

export function retryWechatShipping(orderNo: string): Promise<Order> {
  return request<Order>(`${orderPath(orderNo)}/wechat-shipping/retry`, { method: 'POST' });
}
