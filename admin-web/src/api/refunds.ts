// Admin refund endpoints, one function each: the queue, its CSV export, one refund's story, and the merchant's
// decisions (approve / reject a request, receive / refuse returned goods, retry a failed refund, send an abnormal
// one to the merchant's bank card).
import { request, withQuery } from './http';
import type { Page, RefundDetail, RefundListItem, RefundStatus, RefundType, Refund } from './types';

export interface RefundQuery {
  status?: RefundStatus;
  type?: RefundType;
  q?: string;
  from?: string;
  to?: string;
  sort?: 'newest' | 'oldest';
  page?: number;
  pageSize?: number;
}

/** The export takes the queue's filters but never q, sort or paging (the server refuses them). */
export type RefundExportQuery = Pick<RefundQuery, 'status' | 'type' | 'from' | 'to'>;

const refundPath = (refundNo: string) => `/api/admin/refunds/${encodeURIComponent(refundNo)}`;

export function listRefunds(query: RefundQuery): Promise<Page<RefundListItem>> {
  return request<Page<RefundListItem>>('/api/admin/refunds', { query: { ...query } });
}

/**
 * GET /api/admin/refunds/export.csv as a URL for the browser to download itself: a plain GET carries the
 * session cookie, and the file streams to disk instead of through memory.
 */
export function refundExportUrl(query: RefundExportQuery): string {
  const { status, type, from, to } = query;
  return withQuery('/api/admin/refunds/export.csv', { status, type, from, to });
}

export function getRefund(refundNo: string): Promise<RefundDetail> {
  return request<RefundDetail>(refundPath(refundNo));
}

export function approveRefund(refundNo: string): Promise<Refund> {
  return request<Refund>(`${refundPath(refundNo)}/approve`, { method: 'POST' });
}

export function rejectRefund(refundNo: string, reason: string): Promise<Refund> {
  return request<Refund>(`${refundPath(refundNo)}/reject`, { method: 'POST', body: { reason } });
}

export function retryRefund(refundNo: string): Promise<Refund> {
  return request<Refund>(`${refundPath(refundNo)}/retry`, { method: 'POST' });
}

export function receiveReturn(refundNo: string): Promise<Refund> {
  return request<Refund>(`${refundPath(refundNo)}/receive`, { method: 'POST' });
}

export function refuseReturn(refundNo: string, reason: string): Promise<Refund> {
  return request<Refund>(`${refundPath(refundNo)}/refuse`, { method: 'POST', body: { reason } });
}

/**
 * An ABNORMAL refund (the buyer's card can no longer take the money; APIv3 only) sent to the merchant's bank card
 * instead: REFUNDING until WeChat's answer, or FAILED again with WeChat's code if it refuses. The merchant then
 * pays the buyer another way.
 */
export function settleAbnormalRefund(refundNo: string): Promise<Refund> {
  return request<Refund>(`${refundPath(refundNo)}/abnormal`, { method: 'POST', body: { type: 'MERCHANT_BANK_CARD' } });
}
