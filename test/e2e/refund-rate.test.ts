// The rate promise in each protocol, on whichever database the suite runs: a burst of approvals is sent to
// WeChat never above WXPAY_REFUND_QPS in any one-second window (as the sandbox counted the calls), and every
// refund ends REFUNDED once with its one fee. (Several instances sharing the cap: multi-instance.test.ts.)
import { afterAll, describe, expect, it } from 'vitest';
import { adminSession, asBuyer, buyerLogin, sandboxControl, waitFor } from '../helpers/api.ts';
import { onPostgres } from '../helpers/database.ts';
import { PROTOCOL_NAMES, protocolEnv } from '../helpers/protocols.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

const REFUNDS = 60;
const QPS = 20;
// On PostgreSQL, v2's cap is the multi-instance test's (three instances sharing it); here v3's two key modes.
const RUN = onPostgres ? PROTOCOL_NAMES.filter((p) => p !== 'v2') : PROTOCOL_NAMES;

/** The most calls in any one-second window. */
function busiestSecond(times: number[]): number {
  const sorted = [...times].sort((a, b) => a - b);
  let worst = 0;
  for (let i = 0, j = 0; i < sorted.length; i += 1) {
    while (sorted[j] <= sorted[i] - 1000) j += 1;
    worst = Math.max(worst, i - j + 1);
  }
  return worst;
}

const servers: TestServer[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
});

describe.each(RUN)('refund calls under the cap (%s)', (protocol) => {
  it(`${REFUNDS} approvals at once: at most ${QPS} calls in any second, each refund REFUNDED once`, async () => {
    const server = await startServer({ env: { ...protocolEnv(protocol), WXPAY_REFUND_QPS: String(QPS), BUYER_RATE_LIMIT_PER_MIN: '100000' } });
    servers.push(server);
    const admin = await adminSession(server.baseUrl);
    const product = await admin.call('POST', '/api/admin/products', { name: '限速商品', priceFen: 500, stock: REFUNDS });
    const token = await buyerLogin(server.baseUrl);
    const buyer = asBuyer(server.baseUrl, token);
    const refundNos: string[] = [];
    for (let i = 0; i < REFUNDS; i += 6) {
      const six = await Promise.all(
        Array.from({ length: 6 }, async () => {
          const o = await buyer('POST', '/api/mp/orders', { items: [{ productId: product.body.id, quantity: 1 }] });
          expect((await buyer('POST', `/api/mp/orders/${o.body.orderNo}/sandbox-pay`)).body.status).toBe('PAID');
          const r = await buyer('POST', `/api/mp/orders/${o.body.orderNo}/refunds`, { amountFen: 400, reason: '限速' });
          return r.body.refundNo as string;
        }),
      );
      refundNos.push(...six);
    }
    const approvals = await Promise.all(refundNos.map((no) => admin.call('POST', `/api/admin/refunds/${no}/approve`)));
    expect(approvals.map((a) => a.status)).toEqual(refundNos.map(() => 200));
    await waitFor(async () => (await admin.call('GET', '/api/admin/stats')).body.refunds.REFUNDED === REFUNDS, 60_000, 250);

    const calls = (await sandboxControl(server, 'GET', '/sandbox/refund-calls')).body.items as Array<{ at: number; outRefundNo: string; protocol: string }>;
    const mine = calls.filter((c) => refundNos.includes(c.outRefundNo));
    expect(new Set(mine.map((c) => c.protocol))).toEqual(new Set([protocol === 'v2' ? 'v2' : 'v3']));
    expect(busiestSecond(mine.map((c) => c.at))).toBeLessThanOrEqual(QPS);
    const atWechat = (await sandboxControl(server, 'GET', '/sandbox/refunds')).body.items as Array<{ outRefundNo: string; fees: number[]; status: string }>;
    const ours = atWechat.filter((r) => refundNos.includes(r.outRefundNo));
    expect(ours).toHaveLength(REFUNDS);
    for (const r of ours) {
      expect(new Set(r.fees)).toEqual(new Set([400]));
      expect(r.status).toBe('SUCCESS');
    }
  }, 120_000);
});
