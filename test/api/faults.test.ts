// WeChat misbehaving, through the sandbox's faults: retryable errors, final errors, lost answers, lost and
// duplicated notifications, CHANGE/REFUNDCLOSE settlements, slowness past the timeout, and a crash.
// Whatever happens, a refund goes to WeChat with one out_refund_no and one fee, and money leaves once.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  adminSession,
  asBuyer,
  buyerLogin,
  placePaidOrder,
  requestRefund,
  sandboxControl,
  sandboxRefund,
  waitFor,
  waitForRefundStatus,
  type AdminSession,
} from '../helpers/api.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;
let base: string;
let admin: AdminSession;

beforeAll(async () => {
  server = await startServer();
  base = server.baseUrl;
  admin = await adminSession(base);
});

afterEach(async () => {
  if (server.child.exitCode === null) await sandboxControl(server, 'DELETE', '/sandbox/faults');
});

afterAll(async () => {
  await server?.stop();
});

async function newRefund(amountFen = 700) {
  const token = await buyerLogin(base);
  const order = await placePaidOrder(base, token);
  const refund = await requestRefund(base, token, order.orderNo, amountFen);
  return { token, order, refund, amountFen };
}

async function faults(body: unknown) {
  const r = await sandboxControl(server, 'PUT', '/sandbox/faults', body);
  expect(r.status, JSON.stringify(r.body)).toBe(200);
}

async function approve(refundNo: string) {
  const r = await admin.call('POST', `/api/admin/refunds/${refundNo}/approve`);
  expect(r.status, JSON.stringify(r.body)).toBe(200);
}

/** WeChat's record: exactly one refund for the order, with this number, and every call carried the same fee. */
async function expectOneRefundAtWechat(orderNo: string, refundNo: string, fee: number, minCalls = 1) {
  const all = (await sandboxControl(server, 'GET', `/sandbox/refunds?outTradeNo=${orderNo}`)).body.items;
  expect(all.map((r: any) => r.outRefundNo)).toEqual([refundNo]);
  const r = await sandboxRefund(server, refundNo);
  expect(r).toBeDefined();
  expect(r!.refundFee).toBe(fee);
  expect(r!.calls).toBeGreaterThanOrEqual(minCalls);
  expect(r!.fees).toEqual(Array(r!.calls).fill(fee));
  return r!;
}

describe('retryable errors are retried with the same out_refund_no and fee', () => {
  for (const code of ['SYSTEMERROR', 'NOTENOUGH', 'BIZERR_NEED_RETRY', 'FREQUENCY_LIMITED']) {
    it(`${code} once: still ends REFUNDED, WeChat saw the same refund at least twice`, async () => {
      const { token, order, refund, amountFen } = await newRefund();
      await faults({ refund: [{ code, times: 1, outRefundNo: refund.refundNo }] });
      await approve(refund.refundNo);
      const done = await waitForRefundStatus(admin, refund.refundNo, 'REFUNDED');
      expect(done.failCode).toBeNull();
      expect(done.wechatCalls.map((c: any) => c.errCode)).toContain(code);
      expect(done.wechatCalls.at(-1)).toMatchObject({ endpoint: '/secapi/pay/refund', resultCode: 'SUCCESS' });
      expect(done.events.filter((e: any) => e.to === 'REFUNDING')).toHaveLength(1);
      await expectOneRefundAtWechat(order.orderNo, refund.refundNo, amountFen, 2);
      const o = (await asBuyer(base, token)('GET', `/api/mp/orders/${order.orderNo}`)).body;
      expect(o.refundedFen).toBe(amountFen);
    });
  }

  it('SYSTEMERROR three times in a row: four calls, one refund', async () => {
    const { order, refund, amountFen } = await newRefund();
    await faults({ refund: [{ code: 'SYSTEMERROR', times: 3, outRefundNo: refund.refundNo }] });
    await approve(refund.refundNo);
    await waitForRefundStatus(admin, refund.refundNo, 'REFUNDED');
    const r = await expectOneRefundAtWechat(order.orderNo, refund.refundNo, amountFen, 4);
    expect(r.calls).toBe(4);
  });
});

describe('final errors need the merchant', () => {
  it('USER_ACCOUNT_ABNORMAL: FAILED with WeChat’s code and description; retry sends the same refund and it ends REFUNDED', async () => {
    const { token, order, refund, amountFen } = await newRefund();
    await faults({ refund: [{ code: 'USER_ACCOUNT_ABNORMAL', times: 1, outRefundNo: refund.refundNo }] });
    await approve(refund.refundNo);
    const failed = await waitForRefundStatus(admin, refund.refundNo, 'FAILED');
    expect(failed.failCode).toBe('USER_ACCOUNT_ABNORMAL');
    expect(failed.failReason).toEqual(expect.any(String));
    expect(failed.failReason.length).toBeGreaterThan(0);
    expect(failed.actions).toEqual(['retry']);
    expect(failed.wechatCalls).toHaveLength(1);
    expect(failed.wechatCalls[0]).toMatchObject({ endpoint: '/secapi/pay/refund', errCode: 'USER_ACCOUNT_ABNORMAL', errCodeDes: expect.any(String) });
    // not retried on its own
    await new Promise((r) => setTimeout(r, 500));
    expect((await sandboxRefund(server, refund.refundNo))?.calls ?? 0).toBeLessThanOrEqual(1);

    const retried = await admin.call('POST', `/api/admin/refunds/${refund.refundNo}/retry`);
    expect(retried.status).toBe(200);
    expect(retried.body.refundNo).toBe(refund.refundNo);
    expect(retried.body.amountFen).toBe(amountFen);
    const done = await waitForRefundStatus(admin, refund.refundNo, 'REFUNDED');
    expect(done.failCode).toBeNull();
    await expectOneRefundAtWechat(order.orderNo, refund.refundNo, amountFen, 1);
    const o = (await asBuyer(base, token)('GET', `/api/mp/orders/${order.orderNo}`)).body;
    expect(o).toMatchObject({ status: 'PARTIALLY_REFUNDED', refundedFen: amountFen });
  });
});

describe('lost answers, lost and duplicated notifications', () => {
  it('WeChat accepts but the answer is lost (dropAfterAccept): resent with the same number, one refund, REFUNDED', async () => {
    const { order, refund, amountFen } = await newRefund();
    await faults({ dropAfterAccept: 1 });
    await approve(refund.refundNo);
    const done = await waitForRefundStatus(admin, refund.refundNo, 'REFUNDED');
    expect(done.events.filter((e: any) => e.to === 'REFUNDED')).toHaveLength(1);
    // the fault did bite: our first call got no answer
    expect(done.wechatCalls[0].endpoint).toBe('/secapi/pay/refund');
    expect(done.wechatCalls[0].resultCode).toBeNull();
    expect(done.wechatCalls[0].error).toEqual(expect.any(String));
    await expectOneRefundAtWechat(order.orderNo, refund.refundNo, amountFen, 1);
  });

  it('the answer comes after our timeout (slow WeChat): one refund, REFUNDED once WeChat is quick again', async () => {
    const { order, refund, amountFen } = await newRefund();
    await faults({ slowMs: 3500 }); // WXPAY_TIMEOUT_MS is 3000 in FAST_ENV
    await approve(refund.refundNo);
    await waitFor(async () => ((await sandboxRefund(server, refund.refundNo))?.calls ?? 0) >= 1, 5000);
    await new Promise((r) => setTimeout(r, 3200));
    await faults({ slowMs: 0 });
    const done = await waitForRefundStatus(admin, refund.refundNo, 'REFUNDED', 20_000);
    expect(done.wechatCalls.some((c: any) => c.error !== null || c.httpStatus === null)).toBe(true);
    await expectOneRefundAtWechat(order.orderNo, refund.refundNo, amountFen, 1);
  }, 30_000);

  it('the notification is lost: the reconciler’s /pay/refundquery settles it', async () => {
    const { order, refund, amountFen } = await newRefund();
    await faults({ loseNotifications: 1 });
    await approve(refund.refundNo);
    const done = await waitForRefundStatus(admin, refund.refundNo, 'REFUNDED', 15_000);
    expect(done.events.at(-1)).toMatchObject({ from: 'REFUNDING', to: 'REFUNDED', actor: 'wechat:query' });
    expect(done.wechatCalls.map((c: any) => c.endpoint)).toContain('/pay/refundquery');
    await expectOneRefundAtWechat(order.orderNo, refund.refundNo, amountFen, 1);
  });

  it('the notification arrives twice: REFUNDED once, refundedFen counted once', async () => {
    const { token, order, refund, amountFen } = await newRefund();
    await faults({ duplicateNotifications: 1 });
    await approve(refund.refundNo);
    await waitForRefundStatus(admin, refund.refundNo, 'REFUNDED');
    await new Promise((r) => setTimeout(r, 300));
    const d = (await admin.call('GET', `/api/admin/refunds/${refund.refundNo}`)).body;
    expect(d.events.filter((e: any) => e.to === 'REFUNDED')).toHaveLength(1);
    const o = (await asBuyer(base, token)('GET', `/api/mp/orders/${order.orderNo}`)).body;
    expect(o.refundedFen).toBe(amountFen);
  });
});

describe('WeChat settles it otherwise', () => {
  it('settleAs CHANGE: FAILED with failCode CHANGE and a reason; the order shows REFUND_FAILED', async () => {
    const { token, order, refund } = await newRefund();
    await faults({ settleAs: [{ status: 'CHANGE', times: 1, outRefundNo: refund.refundNo }] });
    await approve(refund.refundNo);
    const failed = await waitForRefundStatus(admin, refund.refundNo, 'FAILED');
    expect(failed.failCode).toBe('CHANGE');
    expect(failed.failReason).toEqual(expect.any(String));
    expect(failed.actions).toEqual(['retry']);
    const o = (await asBuyer(base, token)('GET', `/api/mp/orders/${order.orderNo}`)).body;
    expect(o).toMatchObject({ status: 'REFUND_FAILED', refundedFen: 0 });
  });

  it('settleAs REFUNDCLOSE: FAILED; retry reopens the same refund at WeChat and it ends REFUNDED', async () => {
    const { token, order, refund, amountFen } = await newRefund();
    await faults({ settleAs: [{ status: 'REFUNDCLOSE', times: 1, outRefundNo: refund.refundNo }] });
    await approve(refund.refundNo);
    const failed = await waitForRefundStatus(admin, refund.refundNo, 'FAILED');
    expect(failed.failCode).toBe('REFUNDCLOSE');
    expect((await admin.call('POST', `/api/admin/refunds/${refund.refundNo}/retry`)).status).toBe(200);
    await waitForRefundStatus(admin, refund.refundNo, 'REFUNDED');
    const r = await expectOneRefundAtWechat(order.orderNo, refund.refundNo, amountFen, 2);
    expect(r.status).toBe('SUCCESS');
    const o = (await asBuyer(base, token)('GET', `/api/mp/orders/${order.orderNo}`)).body;
    expect(o.refundedFen).toBe(amountFen);
  });
});

describe('a crash does not lose a refund (runs last: restarts the server)', () => {
  it('killed while WeChat works on an accepted refund whose notification is lost: after restart it ends REFUNDED, once', async () => {
    const { token, order, refund, amountFen } = await newRefund();
    await faults({ loseNotifications: 1, slowMs: 0 });
    await approve(refund.refundNo);
    await waitFor(async () => (await sandboxRefund(server, refund.refundNo))?.calls === 1, 5000);
    await server.kill();
    server = await startServer({ dataDir: server.dataDir });
    base = server.baseUrl;
    admin = await adminSession(base);
    await waitForRefundStatus(admin, refund.refundNo, 'REFUNDED', 15_000);
    await expectOneRefundAtWechat(order.orderNo, refund.refundNo, amountFen, 1);
    const o = (await asBuyer(base, token)('GET', `/api/mp/orders/${order.orderNo}`)).body;
    expect(o.refundedFen).toBe(amountFen);
  }, 40_000);
});
