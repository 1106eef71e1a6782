// GET /api/mp/products: what is on sale.
import { apiRequest } from './request';
import type { ListResult, Product } from './types';

export async function listProducts(): Promise<Product[]> {
  const res = await apiRequest<ListResult<Product>>({ method: 'GET', path: '/api/mp/products' });
  return res.items;
}
