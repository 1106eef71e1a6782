// Two server processes on one SQLite file (docs/deploy.md allows it on one machine), one standalone sandbox:
// orders paid, refunds requested and approved through both at once, every answer a success, and every refund
// carried to REFUNDED once at WeChat. Before the adapter's BEGIN IMMEDIATE (server/db/sqlite-adapter.ts) a
// transaction that read before the other process wrote could not take the write lock: about a third of such
// requests failed with 500.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminSession, asBuyer, buyerLogin, type AdminSession } from '../helpers/api.ts';
import { pool, sandboxPayAsBuyer, startCluster, type Cluster } from '../helpers/cluster.ts';
import { onPostgres } from '../helpers/database.ts';

const ORDERS = 240;
const CONCURRENCY = 24;

describe.skipIf(onPostgres)('two processes on one SQLite file', () => {
  let cluster: Cluster;

  beforeAll(async () => {
    cluster = await startCluster(2, { WXPAY_REFUND_QPS: '100' });
  }, 120_000);

  afterAll(async () => {
    await cluster?.stop();
  });

  it(`takes ${ORDERS} orders, refund requests and approvals through both at once, each answered with success`, async () => {
    const { servers } = cluster;
    const via = (i: number) => servers[i % servers.length].baseUrl; // the test's own round-robin front
    const admins: AdminSession[] = await Promise.all(servers.map((s) => adminSession(s.baseUrl)));
    const product = await admins[0].call('POST', '/api/admin/products', { name: '双进程', priceFen: 300, stock: ORDERS });
    expect(product.status).toBe(201);
    const tokens = await Promise.all(Array.from({ length: 12 }, (_, i) => buyerLogin(via(i), `two-proc-${i}`)));

    const failures: string[] = [];
    const expectStatus = (what: string, r: { status: number; body: unknown }, status: number) => {
      if (r.status !== status) failures.push(`${what}: ${r.status} ${JSON.stringify(r.body)}`);
      return r.status === status;
    };

    const orderNos = await pool(Array.from({ length: ORDERS }, (_, i) => i), CONCURRENCY, async (i) => {
      const o = await asBuyer(via(i), tokens[i % tokens.length])('POST', '/api/mp/orders', { items: [{ productId: product.body.id, quantity: 1 }] });
      if (!expectStatus('order', o, 201)) return null;
      const paid = await sandboxPayAsBuyer(via(i + 1), tokens[i % tokens.length], o.body.orderNo);
      return expectStatus('pay', paid, 200) ? (o.body.orderNo as string) : null;
    });
    const refundNos = await pool(orderNos, CONCURRENCY, async (orderNo, i) => {
      if (!orderNo) return null;
      const r = await asBuyer(via(i), tokens[i % tokens.length])('POST', `/api/mp/orders/${orderNo}/refunds`, { amountFen: 300, reason: '双进程' });
      return expectStatus('refund request', r, 201) ? (r.body.refundNo as string) : null;
    });
    await pool(refundNos, CONCURRENCY, async (refundNo, i) => {
      if (refundNo) expectStatus('approve', await admins[i % admins.length].call('POST', `/api/admin/refunds/${refundNo}/approve`), 200);
    });
    // the servers' error lines go with a failure: a 500's cause is only in the log
    const errorLines = () => servers.flatMap((s) => s.logs().split('\n').filter((l) => /"level":(40|50)/.test(l))).slice(0, 10);
    expect(failures.slice(0, 5), `${failures.length} failed requests; logged:\n${failures.length ? errorLines().join('\n') : ''}`).toEqual([]);

    // both dispatchers share the QPS budget and the refunds: each refund reaches WeChat as one refund
    const deadline = Date.now() + 60_000;
    let stats: { refunds: Record<string, number> };
    do {
      await new Promise((r) => setTimeout(r, 500));
      stats = (await admins[1].call('GET', '/api/admin/stats')).body;
    } while (stats.refunds.REFUNDED !== ORDERS && Date.now() < deadline);
    expect(stats.refunds.REFUNDED).toBe(ORDERS);
    const atWechat = await cluster.sandbox.control('GET', '/sandbox/refunds');
    const mine = (atWechat.body.items as Array<{ outRefundNo: string; fees: number[]; status: string }>).filter((x) => refundNos.includes(x.outRefundNo));
    expect(mine).toHaveLength(ORDERS);
    for (const r of mine) expect([[...new Set(r.fees)], r.status]).toEqual([[300], 'SUCCESS']); // a resend carries the same fee
  }, 240_000);
});
