// The carriers a shipment may name (WeChat's delivery company codes), as the server lists them.
import { request } from './http';
import type { Carrier } from './types';

export function listCarriers(): Promise<{ items: Carrier[] }> {
  return request<{ items: Carrier[] }>('/api/admin/carriers');
}
