// The product form as typed (all text) ↔ the API's body. Checked here, field by field, with the server's own
// limits (name 1–60, price 1 fen–¥1,000,000, stock 0–1,000,000, description ≤ 500, http(s) image URL ≤ 500),
// so the merchant reads what is wrong next to the field instead of a 400 after saving.
import type { NewProduct, ProductChange } from '../../api/products';
import type { Product } from '../../api/types';
import type { MessageKey } from '../../i18n/messages';
import { fenToYuanText, formatFen, parseYuan } from '../../utils/money';

export interface ProductForm {
  name: string;
  price: string;
  stock: string;
  description: string;
  imageUrl: string;
  onSale: boolean;
}

export type ProductField = Exclude<keyof ProductForm, 'onSale'>;
export type FieldError = { key: MessageKey; params?: Record<string, string> };
export type FormCheck = { ok: true; body: NewProduct & { onSale: boolean } } | { ok: false; errors: Partial<Record<ProductField, FieldError>> };

export const MAX_PRICE_FEN = 100_000_000;
const MAX_STOCK = 1_000_000;

export function emptyForm(): ProductForm {
  return { name: '', price: '', stock: '', description: '', imageUrl: '', onSale: true };
}

export function formOf(product: Product): ProductForm {
  return {
    name: product.name,
    price: fenToYuanText(product.priceFen),
    stock: String(product.stock),
    description: product.description ?? '',
    imageUrl: product.imageUrl ?? '',
    onSale: product.onSale,
  };
}

function isHttpUrl(text: string): boolean {
  if (!/^https?:\/\//i.test(text)) return false;
  try {
    return Boolean(new URL(text).host);
  } catch {
    return false;
  }
}

export function checkProductForm(form: ProductForm): FormCheck {
  const errors: Partial<Record<ProductField, FieldError>> = {};
  const name = form.name.trim();
  if (!name) errors.name = { key: 'products.nameRequired' };
  else if (name.length > 60) errors.name = { key: 'products.nameTooLong' };

  const price = parseYuan(form.price, { minFen: 1, maxFen: MAX_PRICE_FEN });
  if (!price.ok) errors.price = { key: `price.${price.problem}`, params: { max: formatFen(MAX_PRICE_FEN) } };

  const stockText = form.stock.trim();
  const stock = /^\d{1,7}$/.test(stockText) ? Number(stockText) : Number.NaN;
  if (!stockText) errors.stock = { key: 'products.stockRequired' };
  else if (!(stock <= MAX_STOCK)) errors.stock = { key: 'products.stockInvalid' };

  const description = form.description.trim();
  if (description.length > 500) errors.description = { key: 'products.descriptionTooLong' };

  const imageUrl = form.imageUrl.trim();
  if (imageUrl.length > 500) errors.imageUrl = { key: 'products.imageUrlTooLong' };
  else if (imageUrl && !isHttpUrl(imageUrl)) errors.imageUrl = { key: 'products.imageUrlInvalid' };

  if (Object.keys(errors).length > 0 || !price.ok) return { ok: false, errors };
  return {
    ok: true,
    body: { name, priceFen: price.fen, stock, description: description || null, imageUrl: imageUrl || null, onSale: form.onSale },
  };
}

/** Only what the merchant changed, so a PATCH never rewrites a field someone else just set. */
export function changesTo(product: Product, body: NewProduct & { onSale: boolean }): ProductChange {
  const change: ProductChange = {};
  if (body.name !== product.name) change.name = body.name;
  if (body.priceFen !== product.priceFen) change.priceFen = body.priceFen;
  if (body.stock !== product.stock) change.stock = body.stock;
  if ((body.description ?? null) !== (product.description ?? null)) change.description = body.description;
  if ((body.imageUrl ?? null) !== (product.imageUrl ?? null)) change.imageUrl = body.imageUrl;
  if (body.onSale !== product.onSale) change.onSale = body.onSale;
  return change;
}
