// Admin refund endpoints, one function each: the queue, one refund's story, and the merchant's decisions.
import { request } from './http';
import type { Page, RefundDetail, RefundListItem, RefundStatus, Refund } from './types';

export interface RefundQuery {
  status?: RefundStatus;
  q?: string;
  from?: string;
  to?: string;
  sort?: 'newest' | 'oldest';
  page?: number;
  pageSize?: number;
}

export function listRefunds(query: RefundQuery): Promise<Page<RefundListItem>> {
  return request<Page<RefundListItem>>('/api/admin/refunds', { query: { ...query } });
}

export function getRefund(refundNo: string): Promise<RefundDetail> {
  return request<RefundDetail>(`/api/admin/refunds/${encodeURIComponent(refundNo)}`);
}

export function approveRefund(refundNo: string): Promise<Refund> {
  return request<Refund>(`/api/admin/refunds/${encodeURIComponent(refundNo)}/approve`, { method: 'POST' });
}

export function rejectRefund(refundNo: string, reason: string): Promise<Refund> {
  return request<Refund>(`/api/admin/refunds/${encodeURIComponent(refundNo)}/reject`, {
    method: 'POST',
    body: { reason },
  });
}

export function retryRefund(refundNo: string): Promise<Refund> {
  return request<Refund>(`/api/admin/refunds/${encodeURIComponent(refundNo)}/retry`, { method: 'POST' });
}
