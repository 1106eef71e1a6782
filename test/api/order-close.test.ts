// Unpaid orders: closed after ORDER_CLOSE_AFTER_S with their stock given back — after asking WeChat
// (orderquery) whether the buyer paid after all.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminSession, asBuyer, buyerLogin, createProduct, waitFor, type AdminSession } from '../helpers/api.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;
let admin: AdminSession;

beforeAll(async () => {
  server = await startServer({ env: { ORDER_CLOSE_AFTER_S: '1' } });
  admin = await adminSession(server.baseUrl);
});
afterAll(async () => {
  await server?.stop();
});

async function stockOf(id: number): Promise<number> {
  const list = await admin.call('GET', '/api/admin/products');
  return list.body.items.find((p: { id: number }) => p.id === id).stock;
}

describe('an unpaid order', () => {
  it('is closed after ORDER_CLOSE_AFTER_S and its stock is given back; a paid one is not', async () => {
    const product = await createProduct(admin, { name: 'close: 1 元', priceFen: 100, stock: 10 });
    const b = asBuyer(server.baseUrl, await buyerLogin(server.baseUrl));
    const never = await b('POST', '/api/mp/orders', { items: [{ productId: product.id, quantity: 3 }] });
    const started = await b('POST', '/api/mp/orders', { items: [{ productId: product.id, quantity: 2 }] });
    expect((await b('POST', `/api/mp/orders/${started.body.orderNo}/pay`)).status).toBe(200); // WeChat knows it, NOTPAY
    const paid = await b('POST', '/api/mp/orders', { items: [{ productId: product.id, quantity: 1 }] });
    expect((await b('POST', `/api/mp/orders/${paid.body.orderNo}/sandbox-pay`)).body.status).toBe('PAID');
    expect(await stockOf(product.id)).toBe(4);

    for (const o of [never.body, started.body]) {
      await waitFor(async () => (await b('GET', `/api/mp/orders/${o.orderNo}`)).body.status === 'CLOSED', 15_000);
    }
    expect(await stockOf(product.id)).toBe(9); // 3 + 2 back; the paid one keeps its unit
    expect((await b('GET', `/api/mp/orders/${paid.body.orderNo}`)).body.status).toBe('PAID');
    const again = await b('POST', `/api/mp/orders/${never.body.orderNo}/pay`);
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('INVALID_STATE');
  });
});
