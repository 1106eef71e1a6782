// Admin order endpoints: the list (status, search, paging) and one order with its refunds.
import { request } from './http';
import type { Order, OrderStatus, Page } from './types';

export interface OrderQuery {
  status?: OrderStatus;
  q?: string;
  page?: number;
  pageSize?: number;
}

export function listOrders(query: OrderQuery): Promise<Page<Order>> {
  return request<Page<Order>>('/api/admin/orders', { query: { ...query } });
}

export function getOrder(orderNo: string): Promise<Order> {
  return request<Order>(`/api/admin/orders/${encodeURIComponent(orderNo)}`);
}
