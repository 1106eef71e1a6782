// Products: what buyers see on sale, and what the merchant manages. Orders keep their own copy of prices.
import type { Db } from '../db/client.ts';
import { notFound } from '../errors.ts';
import { isUniqueViolation } from '../db/errors.ts';

export interface ProductInput {
  name: string;
  priceFen: number;
  stock: number;
  description?: string | null;
  imageUrl?: string | null;
  onSale?: boolean;
}

interface ProductRow {
  id: number;
  name: string;
  description: string | null;
  imageUrl: string | null;
  priceFen: number;
  stock: number;
  onSale: boolean;
  createdAt: Date;
  updatedAt: Date;
}

export function productView(p: ProductRow) {
  return { ...p, createdAt: p.createdAt.toISOString(), updatedAt: p.updatedAt.toISOString() };
}

export async function listProducts(db: Db, onlyOnSale: boolean) {
  const rows = await db.product.findMany({ where: onlyOnSale ? { onSale: true } : {}, orderBy: { id: 'asc' } });
  return rows.map(productView);
}

export async function createProduct(db: Db, input: ProductInput) {
  const now = new Date();
  const p = await db.$transaction((tx) =>
    tx.product.create({
      data: {
        name: input.name,
        priceFen: input.priceFen,
        stock: input.stock,
        description: input.description ?? null,
        imageUrl: input.imageUrl ?? null,
        onSale: true,
        createdAt: now,
        updatedAt: now,
      },
    }),
  );
  return productView(p);
}

export async function updateProduct(db: Db, id: number, patch: Partial<ProductInput>) {
  const p = await db.$transaction(async (tx) => {
    const existing = await tx.product.findUnique({ where: { id } });
    if (!existing) throw notFound(`Product ${id}`);
    return tx.product.update({ where: { id }, data: { ...patch, updatedAt: new Date() } });
  });
  return productView(p);
}

const DEMO_PRODUCTS: ProductInput[] = [
  { name: '云南小粒咖啡豆 500g', priceFen: 6800, stock: 200, description: '中度烘焙，坚果与焦糖风味' },
  { name: '手冲滤杯套装', priceFen: 12900, stock: 50, description: '陶瓷滤杯 + 100 张滤纸' },
  { name: '冷萃咖啡 12 瓶装', priceFen: 9990, stock: 80, description: '无糖，冷藏保存' },
  { name: '试饮装 1 分钱', priceFen: 1, stock: 1000, description: '沙箱演示用：一分钱的订单' },
];

/**
 * Sandbox mode on an empty catalogue: a few demo products so the flow works at once. Several instances
 * may start together: the one that inserts the 'demo-seed' marker row (a primary key) seeds, once.
 */
export async function seedDemoProducts(db: Db): Promise<void> {
  if ((await db.product.count()) > 0) return;
  try {
    await db.$transaction(async (tx) => {
      await tx.rateSlot.create({ data: { name: 'demo-seed', nextAt: Date.now() } });
      const now = new Date();
      for (const p of DEMO_PRODUCTS) {
        await tx.product.create({ data: { ...p, description: p.description ?? null, onSale: true, createdAt: now, updatedAt: now } });
      }
    });
  } catch (err) {
    if (!isUniqueViolation(err)) throw err; // another instance seeded
  }
}
