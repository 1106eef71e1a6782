// WeChat sends the same refund notification several times at once, and a query result can land in the same
// instant. Whatever the interleaving (PostgreSQL really runs them concurrently), every copy is answered
// SUCCESS, the money is applied once and the refund has one `succeed` event: a lost compare-and-set while
// settling is a duplicate, not a conflict (docs/architecture.md "Races").
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyWechatResult, type WechatRefundResult } from '../../server/refunds/outcome.ts';
import { withDb } from '../helpers/database.ts';
import { postNotify, refundNotification, sandboxCredentials, type MerchantCredentials } from '../helpers/forge.ts';
import { adminRefund, adminSession, asBuyer, buyerLogin, placePaidOrder, requestRefund, waitForRefundStatus, type AdminSession } from '../helpers/api.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

const SUCCESS_REPLY = '<xml><return_code><![CDATA[SUCCESS]]></return_code><return_msg><![CDATA[OK]]></return_msg></xml>';

let server: TestServer;
let admin: AdminSession;
let m: MerchantCredentials;

beforeAll(async () => {
  // the sandbox settles nothing by itself and the reconciler stays away: the test's copies are all that arrive
  server = await startServer({ env: { SANDBOX_SETTLE_DELAY_MS: '600000', REFUND_QUERY_AFTER_S: '600' } });
  admin = await adminSession(server.baseUrl);
  m = sandboxCredentials(server);
});

afterAll(async () => {
  await server?.stop();
});

/** A refund WeChat accepted and has not settled (REFUNDING, acceptedAt set). */
async function refundingRefund(amountFen: number) {
  const token = await buyerLogin(server.baseUrl);
  const order = await placePaidOrder(server.baseUrl, token);
  const refund = await requestRefund(server.baseUrl, token, order.orderNo, amountFen);
  expect((await admin.call('POST', `/api/admin/refunds/${refund.refundNo}/approve`)).status).toBe(200);
  await waitForRefundStatus(admin, refund.refundNo, 'REFUNDING');
  await withDb(server.env.DATABASE_URL, async (db) => {
    for (let i = 0; i < 100; i++) {
      const r = await db.refund.findUniqueOrThrow({ where: { refundNo: refund.refundNo } });
      if (r.acceptedAt) return;
      await new Promise((res) => setTimeout(res, 50));
    }
    throw new Error('WeChat never accepted the refund call');
  });
  return { token, order, refund, info: { outRefundNo: refund.refundNo, outTradeNo: order.orderNo, totalFee: order.totalFen, refundFee: amountFen } };
}

async function settledOnce(token: string, orderNo: string, refundNo: string, amountFen: number) {
  const d = await adminRefund(admin, refundNo);
  expect(d.status).toBe('REFUNDED');
  expect(d.events.filter((e: { action: string }) => e.action === 'succeed')).toHaveLength(1);
  const o = (await asBuyer(server.baseUrl, token)('GET', `/api/mp/orders/${orderNo}`)).body;
  expect(o.refundedFen).toBe(amountFen);
  expect(o.status).toBe('PARTIALLY_REFUNDED');
}

describe('duplicates that arrive together', () => {
  it('twenty copies of one SUCCESS notification at the same moment: all answered SUCCESS, money once, one event', async () => {
    const { token, order, refund, info } = await refundingRefund(700);
    const xml = refundNotification(m, info);
    const answers = await Promise.all(Array.from({ length: 20 }, () => postNotify(server.baseUrl, 'refund', xml)));
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(200));
    for (const a of answers) expect(a.text).toBe(SUCCESS_REPLY);
    await settledOnce(token, order.orderNo, refund.refundNo, 700);
    // each copy is stored: one applied, the rest duplicates, none an error
    const stored = await withDb(server.env.DATABASE_URL, (db) => db.notification.findMany({ where: { refundNo: refund.refundNo } }));
    expect(stored.map((n) => n.outcome).sort()).toEqual(['applied', ...Array(19).fill('duplicate')]);
  });

  it('notifications racing query results (another instance’s reconciler): every answer SUCCESS, money once', async () => {
    const { token, order, refund, info } = await refundingRefund(900);
    const xml = refundNotification(m, info);
    const query: WechatRefundResult = {
      outRefundNo: refund.refundNo,
      outTradeNo: order.orderNo,
      refundId: `50000${Date.now()}`,
      state: 'SUCCESS',
      word: 'SUCCESS',
      refundFee: 900,
      totalFee: null,
      requestSource: null,
      via: 'query',
    };
    const [notified, queried] = await withDb(server.env.DATABASE_URL, (db) =>
      Promise.all([
        Promise.all(Array.from({ length: 10 }, () => postNotify(server.baseUrl, 'refund', xml))),
        Promise.all(Array.from({ length: 10 }, () => applyWechatResult(db, query))),
      ]),
    );
    for (const a of notified) expect(a.text).toBe(SUCCESS_REPLY);
    const kinds = queried.map((q) => q.kind);
    for (const k of kinds) expect(['applied', 'duplicate']).toContain(k);
    await settledOnce(token, order.orderNo, refund.refundNo, 900);
  });

  it('a CHANGE notification copied ten times at once: FAILED once, every copy SUCCESS', async () => {
    const { token, order, refund, info } = await refundingRefund(300);
    const xml = refundNotification(m, { ...info, status: 'CHANGE' });
    const answers = await Promise.all(Array.from({ length: 10 }, () => postNotify(server.baseUrl, 'refund', xml)));
    for (const a of answers) expect(a.text).toBe(SUCCESS_REPLY);
    const d = await adminRefund(admin, refund.refundNo);
    expect(d.status).toBe('FAILED');
    expect(d.events.filter((e: { action: string }) => e.action === 'fail')).toHaveLength(1);
    const o = (await asBuyer(server.baseUrl, token)('GET', `/api/mp/orders/${order.orderNo}`)).body;
    expect(o).toMatchObject({ status: 'REFUND_FAILED', refundedFen: 0 });
  });
});
