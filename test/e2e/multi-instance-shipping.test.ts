// Three instances on one PostgreSQL and one standalone sandbox: 300 paid orders shipped through the three
// admin APIs round-robin, in parallel; halfway one instance is SIGKILLed (uploads in flight) and comes back
// armed to die again right after WeChat accepts its next upload (before it records the answer), and is left
// dead. Every order ends UPLOADED, and WeChat holds exactly 300 payments, each with one accepted upload and
// no re-ship.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminSession, asBuyer, buyerLogin, TEST_ADDRESS, waitFor, type AdminSession, type HttpAnswer } from '../helpers/api.ts';
import { pool, sandboxPayAsBuyer, startCluster, type Cluster } from '../helpers/cluster.ts';
import { waitForExit } from '../helpers/crash.ts';
import { onPostgres, withDb } from '../helpers/database.ts';
import { GET_ORDER, shipVia, shippingAtWechat, UPLOAD } from '../helpers/shipping.ts';

const ORDERS = 300;
const CONCURRENCY = 12;

describe.skipIf(!onPostgres)('shipping from three instances on one PostgreSQL', () => {
  let cluster: Cluster;

  beforeAll(async () => {
    cluster = await startCluster(3);
  }, 120_000);

  afterAll(async () => {
    await cluster?.stop();
  });

  it('uploads 300 shipments through a crash: each accepted once, none re-shipped', async () => {
    const { servers } = cluster;
    let rr = 0;
    const base = () => servers[rr++ % servers.length].baseUrl; // the test's own round-robin front
    const admins: AdminSession[] = await Promise.all(servers.map((s) => adminSession(s.baseUrl)));
    const product = await admins[0].call('POST', '/api/admin/products', { name: '发货压测', priceFen: 300, stock: ORDERS });
    expect(product.status).toBe(201);

    const tokens = await Promise.all(Array.from({ length: 10 }, (_, i) => buyerLogin(base(), `ship-${i}`)));
    const orderNos = await pool(Array.from({ length: ORDERS }, (_, i) => i), CONCURRENCY, async (i) => {
      const buyer = asBuyer(base(), tokens[i % tokens.length]);
      const o = await buyer('POST', '/api/mp/orders', { items: [{ productId: product.body.id, quantity: 1 }], address: TEST_ADDRESS });
      expect(o.status, JSON.stringify(o.body)).toBe(201);
      const paid = await sandboxPayAsBuyer(base(), tokens[i % tokens.length], o.body.orderNo);
      expect(paid.body.status).toBe('PAID');
      return o.body.orderNo as string;
    });

    let crashed = false;
    await pool(orderNos, CONCURRENCY, async (orderNo, i) => {
      if (i === ORDERS / 2 && !crashed) {
        crashed = true;
        await servers[1].kill(); // SIGKILL, with ships and uploads in flight
        await cluster.restart(1, { WXMALL_TEST_FAULTS: 'outbox-after-call' });
        // it may already be dead again: its first sweep finds uploads due at once
        admins[1] = await adminSession(servers[1].baseUrl).catch(() => admins[1]);
      }
      // like nginx in front of them: an instance that is down (or dies mid-request) → the next one
      for (let attempt = 0; ; attempt += 1) {
        let r: HttpAnswer;
        try {
          r = await shipVia(admins[(i + attempt) % servers.length], orderNo);
        } catch (err) {
          if (attempt >= 5) throw err;
          await new Promise((resolve) => setTimeout(resolve, 100));
          continue;
        }
        // 409 after a retry: the first attempt did land (its answer was lost with the instance)
        if (attempt > 0 && r.status === 409 && r.body.error?.code === 'INVALID_STATE') return;
        expect(r.status, `${orderNo}: ${JSON.stringify(r.body)}`).toBe(200);
        return;
      }
    });
    // the restarted instance died right after its first send (WeChat had taken it); the other two carry on alone
    const end = await waitForExit(servers[1], 30_000);
    expect(end.signal).toBe('SIGKILL');

    const causes = orderNos.map((no) => `shipping:${no}`);
    await withDb(cluster.databaseUrl, async (db) => {
      await waitFor(async () => {
        const byStatus = await db.outboxMessage.groupBy({ by: ['status'], where: { causeKey: { in: causes } }, _count: true });
        const count = (s: string) => byStatus.find((x) => x.status === s)?._count ?? 0;
        if (count('FAILED') > 0) throw new Error(`${count('FAILED')} uploads FAILED`);
        return count('DONE') === ORDERS;
      }, 90_000, 250);

      const orders = await db.order.findMany({ where: { orderNo: { in: orderNos } }, select: { orderNo: true, shippingStatus: true, transactionId: true } });
      expect(orders).toHaveLength(ORDERS);
      for (const o of orders) expect(`${o.orderNo} ${o.shippingStatus}`).toBe(`${o.orderNo} SHIPPED`);

      // WeChat: exactly our 300 payments, each with one upload that was accepted, none re-shipped
      const { items, unkeyed } = await shippingAtWechat(cluster.sandbox.control);
      expect(unkeyed).toEqual([]);
      expect(items.map((x) => x.transactionId).sort()).toEqual(orders.map((o) => o.transactionId).sort());
      for (const x of items) {
        expect({ tx: x.transactionId, accepted: x.accepted, reships: x.reships, orderState: x.orderState, uploads: x.uploads.map((u) => u.errcode) }).toEqual({
          tx: x.transactionId,
          accepted: 1,
          reships: 0,
          orderState: 2,
          uploads: [0],
        });
      }

      // the upload the crash cut off was accepted by WeChat, its answer lost; another sender asked get_order
      // and sent nothing again
      const calls = await db.wechatCall.findMany({ where: { orderNo: { in: orderNos }, endpoint: { in: [UPLOAD, GET_ORDER] } }, orderBy: { id: 'asc' } });
      const byOrder = new Map<string, string[]>();
      for (const c of calls) byOrder.set(c.orderNo!, [...(byOrder.get(c.orderNo!) ?? []), c.endpoint]);
      const recovered = [...byOrder.values()].filter((e) => e[0] === UPLOAD && e.slice(1).every((x) => x === GET_ORDER) && e.length > 1);
      expect(recovered.length).toBeGreaterThanOrEqual(1);
      expect(byOrder.size).toBe(ORDERS);
    });

    // the merchant's order list says so, page by page from either live instance
    const listed = new Map<string, unknown>();
    for (let page = 1; page <= ORDERS / 100; page += 1) {
      const r = await admins[page % 2 === 0 ? 0 : 2].call('GET', `/api/admin/orders?shippingStatus=SHIPPED&pageSize=100&page=${page}`);
      expect(r.status).toBe(200);
      expect(r.body.total).toBe(ORDERS);
      for (const o of r.body.items as Array<{ orderNo: string; wechatShipping: unknown }>) listed.set(o.orderNo, o.wechatShipping);
    }
    expect([...listed.keys()].sort()).toEqual([...orderNos].sort());
    for (const [orderNo, w] of listed) expect({ orderNo, w }).toMatchObject({ orderNo, w: { status: 'UPLOADED', lastError: null } });
  }, 240_000);
});
