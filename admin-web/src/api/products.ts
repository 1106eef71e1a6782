// Admin product endpoints: every product (on sale or not), add one, change one. Prices are integer fen.
import { request } from './http';
import type { Product } from './types';

export interface NewProduct {
  name: string;
  priceFen: number;
  stock: number;
  description?: string | null;
  imageUrl?: string | null;
}

export type ProductChange = Partial<NewProduct> & { onSale?: boolean };

export function listProducts(): Promise<{ items: Product[] }> {
  return request<{ items: Product[] }>('/api/admin/products');
}

export function createProduct(body: NewProduct): Promise<Product> {
  return request<Product>('/api/admin/products', { method: 'POST', body });
}

export function updateProduct(id: number, change: ProductChange): Promise<Product> {
  return request<Product>(`/api/admin/products/${id}`, { method: 'PATCH', body: change });
}
