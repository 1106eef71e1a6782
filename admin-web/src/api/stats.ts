// Admin dashboard numbers: refunds per status and what was refunded today (China time).
import { request } from './http';
import type { AdminStats } from './types';

export function getStats(): Promise<AdminStats> {
  return request<AdminStats>('/api/admin/stats');
}
