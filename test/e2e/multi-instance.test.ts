// Three instances on one PostgreSQL and one shared sandbox, behind the test's own round-robin client:
// 1,000 refunds requested and approved across them (200 over APIv3), one instance SIGKILLed halfway and restarted.
// Every refund ends final, WeChat sees each refund once with one fee, and never more calls than the cap.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminSession, asBuyer, buyerLogin, http, waitFor, type AdminSession } from '../helpers/api.ts';
import { pool, startSharedSandbox, type SharedSandbox } from '../helpers/cluster.ts';
import { freshDatabaseUrl, onPostgres } from '../helpers/database.ts';
import { protocolEnv, type Protocol } from '../helpers/protocols.ts';
import { newDataDir, startServer, type TestServer } from '../helpers/server.ts';

const QPS = 100;
// APIv2 with the full thousand; APIv3 (platform-certificate mode: every instance downloads and checks the
// certificates itself) with fewer, enough to run into the cap for two seconds
const RUNS = [
  { protocol: 'v2', refunds: 1000 },
  { protocol: 'v3-certificate', refunds: 200 },
] as const satisfies ReadonlyArray<{ protocol: Protocol; refunds: number }>;

for (const { protocol, refunds: REFUNDS } of RUNS)
describe.skipIf(!onPostgres)(`several instances on one PostgreSQL (${protocol})`, () => {
  let sandbox: SharedSandbox;
  const servers: TestServer[] = [];
  const dataDirs: string[] = [];
  let env: Record<string, string>;

  beforeAll(async () => {
    sandbox = await startSharedSandbox();
    const databaseUrl = await freshDatabaseUrl(sandbox.dataDir);
    env = { ...protocolEnv(protocol), SANDBOX_URL: sandbox.url, SANDBOX_DATA_DIR: sandbox.dataDir, WXPAY_REFUND_QPS: String(QPS), BUYER_RATE_LIMIT_PER_MIN: '100000' };
    for (let i = 0; i < 3; i += 1) {
      const dir = newDataDir();
      mkdirSync(dir, { recursive: true });
      writeFileSync(path.join(dir, 'database-url.txt'), databaseUrl); // all three on the same database
      dataDirs.push(dir);
    }
    // all three start at once: the migrations run exactly once under the advisory lock
    servers.push(...(await Promise.all(dataDirs.map((dataDir) => startServer({ dataDir, env })))));
  }, 120_000);

  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()));
    await sandbox?.stop();
  });

  it(`carries ${REFUNDS} refunds to REFUNDED through a crash, once each, under the QPS cap`, async () => {
    let rr = 0;
    const base = () => servers[rr++ % servers.length].baseUrl; // the test's own round-robin front
    const admins: AdminSession[] = await Promise.all(servers.map((s) => adminSession(s.baseUrl)));
    const product = await admins[0].call('POST', '/api/admin/products', { name: '压测商品', priceFen: 300, stock: REFUNDS * 2 });
    expect(product.status).toBe(201);

    const tokens = await Promise.all(Array.from({ length: 20 }, (_, i) => buyerLogin(base(), `multi-${i}`)));
    const orders = await pool(Array.from({ length: REFUNDS }, (_, i) => i), 16, async (i) => {
      const b = asBuyer(base(), tokens[i % tokens.length]);
      const o = await b('POST', '/api/mp/orders', { items: [{ productId: product.body.id, quantity: 1 }] });
      const paid = await asBuyer(base(), tokens[i % tokens.length])('POST', `/api/mp/orders/${o.body.orderNo}/sandbox-pay`);
      expect(paid.body.status).toBe('PAID');
      return { orderNo: o.body.orderNo as string, token: tokens[i % tokens.length] };
    });
    const refunds = await pool(orders, 16, async (o) => {
      const r = await asBuyer(base(), o.token)('POST', `/api/mp/orders/${o.orderNo}/refunds`, { amountFen: 200, reason: '压测' });
      expect(r.status).toBe(201);
      return r.body.refundNo as string;
    });

    let killed = false;
    await pool(refunds, 8, async (refundNo, i) => {
      if (i === REFUNDS / 2 && !killed) {
        killed = true;
        await servers[1].kill(); // SIGKILL, as a crash would, with refunds in flight
        servers[1] = await startServer({ dataDir: dataDirs[1], env });
        admins[1] = await adminSession(servers[1].baseUrl);
      }
      // like nginx in front of them: an instance that is down (or dies mid-request) → the next one
      for (let attempt = 0; ; attempt += 1) {
        const k = (i + attempt) % servers.length;
        try {
          const a = await admins[k].call('POST', `/api/admin/refunds/${refundNo}/approve`);
          // 409 after a retry: the first attempt did land (the answer was lost with the instance)
          if (a.status === 409 && attempt > 0) break;
          expect(a.status).toBe(200);
          break;
        } catch (err) {
          if (attempt >= 5) throw err;
          await new Promise((r) => setTimeout(r, 200));
        }
      }
    });

    await waitFor(async () => {
      const stats = await admins[0].call('GET', '/api/admin/stats');
      return stats.body.refunds.REFUNDED === REFUNDS && stats.body;
    }, 120_000, 500);

    const seen = await sandbox.control('GET', '/sandbox/refunds');
    const mine = (seen.body.items as Array<{ outRefundNo: string; fees: number[]; status: string }>).filter((x) => refunds.includes(x.outRefundNo));
    expect(mine).toHaveLength(REFUNDS); // each refund is one refund at WeChat…
    for (const r of mine) {
      expect(new Set(r.fees)).toEqual(new Set([200])); // …always with the same fee
      expect(r.status).toBe('SUCCESS');
    }
    const calls = await sandbox.control('GET', '/sandbox/refund-calls');
    const times = (calls.body.items as Array<{ at: number }>).map((c) => c.at).sort((a, b) => a - b);
    let worst = 0;
    for (let i = 0, j = 0; i < times.length; i += 1) {
      while (times[j] <= times[i] - 1000) j += 1;
      worst = Math.max(worst, i - j + 1);
    }
    expect(worst).toBeLessThanOrEqual(QPS); // no one-second window above the cap, across all instances

    for (const s of servers) {
      const order = await http('GET', `${s.baseUrl}/healthz`);
      expect(order.status).toBe(200);
    }
  }, 300_000);
});
