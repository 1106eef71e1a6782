// The refund state machine through the API: every transition, every illegal one, the `actions` each answer
// offers, the order's status mirroring its open refund, and the event row every transition leaves.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  adminRefund,
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
import { expectError } from '../helpers/expect-error.ts';

let server: TestServer;
let base: string;
let admin: AdminSession;

// A 3 s gap between two refund calls of one order makes APPROVED observable for a second refund of an order.
const ORDER_GAP_S = 3;

beforeAll(async () => {
  server = await startServer({ env: { REFUND_ORDER_GAP_S: String(ORDER_GAP_S) } });
  base = server.baseUrl;
  admin = await adminSession(base);
});

afterAll(async () => {
  await server?.stop();
});


async function buyerOrder(token: string, orderNo: string) {
  const r = await asBuyer(base, token)('GET', `/api/mp/orders/${orderNo}`);
  expect(r.status).toBe(200);
  return r.body;
}

async function paidWithRefund(amountFen = 1000) {
  const token = await buyerLogin(base);
  const order = await placePaidOrder(base, token);
  const refund = await requestRefund(base, token, order.orderNo, amountFen, '尺码不合适');
  return { token, order, refund };
}

const approve = (refundNo: string) => admin.call('POST', `/api/admin/refunds/${refundNo}/approve`);
const reject = (refundNo: string, reason?: string) => admin.call('POST', `/api/admin/refunds/${refundNo}/reject`, reason === undefined ? {} : { reason });
const retry = (refundNo: string) => admin.call('POST', `/api/admin/refunds/${refundNo}/retry`);
const cancel = (token: string, refundNo: string) => asBuyer(base, token)('POST', `/api/mp/refunds/${refundNo}/cancel`);

describe('the happy path: REQUESTED → APPROVED → REFUNDING → REFUNDED', () => {
  it('each answer offers the right actions, the order mirrors the refund, and every transition is an event', async () => {
    const { token, order, refund } = await paidWithRefund(1000);
    expect(refund).toMatchObject({ status: 'REQUESTED', amountFen: 1000, orderNo: order.orderNo, reason: '尺码不合适', actions: ['cancel'], source: 'BUYER' });
    expect(refund.refundNo).toMatch(/^[0-9A-Za-z_-]{1,32}$/);

    // the buyer's and the merchant's view of REQUESTED
    const o1 = await buyerOrder(token, order.orderNo);
    expect(o1).toMatchObject({ status: 'REFUND_REQUESTED', refundedFen: 0, canRequestRefund: false, refundableFen: order.totalFen - 1000 });
    expect(o1.refunds.map((r: any) => [r.refundNo, r.actions])).toEqual([[refund.refundNo, ['cancel']]]);
    const a1 = await adminRefund(admin, refund.refundNo);
    expect(a1.status).toBe('REQUESTED');
    expect([...a1.actions].sort()).toEqual(['approve', 'reject']);
    expect(a1.order.status).toBe('REFUND_REQUESTED');
    expect(a1.order.buyer.openid).toEqual(expect.any(String));

    const approved = await approve(refund.refundNo);
    expect(approved.status).toBe(200);
    expect(['APPROVED', 'REFUNDING', 'REFUNDED']).toContain(approved.body.status);
    expect(approved.body.actions).toEqual([]);

    const done = await waitForRefundStatus(admin, refund.refundNo, 'REFUNDED');
    expect(done.actions).toEqual([]);
    expect(done.events.map((e: any) => [e.from, e.to, e.actor])).toEqual([
      [null, 'REQUESTED', 'buyer'],
      ['REQUESTED', 'APPROVED', 'merchant'],
      ['APPROVED', 'REFUNDING', 'dispatcher'],
      ['REFUNDING', 'REFUNDED', expect.stringMatching(/^wechat:(notify|query)$/)],
    ]);
    for (const e of done.events) expect(Number.isNaN(Date.parse(e.at))).toBe(false);
    expect(done.wechatCalls.some((c: any) => c.endpoint === '/secapi/pay/refund' && c.resultCode === 'SUCCESS')).toBe(true);

    const o2 = await buyerOrder(token, order.orderNo);
    expect(o2).toMatchObject({ status: 'PARTIALLY_REFUNDED', refundedFen: 1000, refundableFen: order.totalFen - 1000, canRequestRefund: true });
    const b = await asBuyer(base, token)('GET', `/api/mp/refunds/${refund.refundNo}`);
    expect(b.body).toMatchObject({ status: 'REFUNDED', actions: [], orderNo: order.orderNo, rejectReason: null, failReason: null });
    for (const f of ['refundNo', 'orderNo', 'status', 'amountFen', 'reason', 'rejectReason', 'failReason', 'createdAt', 'updatedAt']) {
      expect(b.body, f).toHaveProperty(f);
    }
    const sb = await sandboxRefund(server, refund.refundNo);
    expect(sb).toMatchObject({ outTradeNo: order.orderNo, refundFee: 1000, status: 'SUCCESS', calls: 1, fees: [1000] });
  });

  it('a full refund leaves the order REFUNDED with nothing refundable', async () => {
    const token = await buyerLogin(base);
    const order = await placePaidOrder(base, token);
    const refund = await requestRefund(base, token, order.orderNo, order.totalFen);
    expect((await approve(refund.refundNo)).status).toBe(200);
    await waitForRefundStatus(admin, refund.refundNo, 'REFUNDED');
    const o = await buyerOrder(token, order.orderNo);
    expect(o).toMatchObject({ status: 'REFUNDED', refundedFen: order.totalFen, refundableFen: 0, canRequestRefund: false });
  });

  it('while WeChat is working on it the refund is REFUNDING and so is the order', async () => {
    const { token, order, refund } = await paidWithRefund(500);
    await sandboxControl(server, 'PUT', '/sandbox/faults', { slowMs: 1500 });
    try {
      expect((await approve(refund.refundNo)).status).toBe(200);
      const r = await waitForRefundStatus(admin, refund.refundNo, 'REFUNDING', 5000);
      expect(r.actions).toEqual([]);
      expect(r.order.status).toBe('REFUNDING');
      expect((await buyerOrder(token, order.orderNo)).status).toBe('REFUNDING');
      // nothing anyone can do meanwhile
      expectError(await cancel(token, refund.refundNo), 409, 'INVALID_STATE');
      expectError(await reject(refund.refundNo, 'too late'), 409, 'INVALID_STATE');
      expectError(await retry(refund.refundNo), 409, 'INVALID_STATE');
    } finally {
      await sandboxControl(server, 'DELETE', '/sandbox/faults');
    }
    await waitForRefundStatus(admin, refund.refundNo, 'REFUNDED');
    expect((await buyerOrder(token, order.orderNo)).status).toBe('PARTIALLY_REFUNDED');
  });

  it('an approved refund waiting for its turn is APPROVED and the order REFUND_APPROVED', async () => {
    // a second refund of one order waits REFUND_ORDER_GAP_S after the first call: it is visibly APPROVED
    const { token, order, refund } = await paidWithRefund(100);
    expect((await approve(refund.refundNo)).status).toBe(200);
    await waitForRefundStatus(admin, refund.refundNo, 'REFUNDED');
    const second = await requestRefund(base, token, order.orderNo, 200);
    const ok = await approve(second.refundNo);
    expect(ok.status).toBe(200);
    expect(ok.body.status).toBe('APPROVED');
    const seen = await adminRefund(admin, second.refundNo);
    expect(seen.status).toBe('APPROVED');
    expect(seen.actions).toEqual([]);
    expect(seen.order.status).toBe('REFUND_APPROVED');
    expect((await buyerOrder(token, order.orderNo)).status).toBe('REFUND_APPROVED');
    // cancel, reject and approve again are all refused while APPROVED
    expectError(await cancel(token, second.refundNo), 409, 'INVALID_STATE');
    expectError(await reject(second.refundNo, 'changed my mind'), 409, 'INVALID_STATE');
    expectError(await approve(second.refundNo), 409, 'INVALID_STATE');
    const done = await waitForRefundStatus(admin, second.refundNo, 'REFUNDED', ORDER_GAP_S * 1000 + 10_000);
    expect(done.events.filter((e: any) => e.to === 'APPROVED')).toHaveLength(1);
    const o = await buyerOrder(token, order.orderNo);
    expect(o).toMatchObject({ status: 'PARTIALLY_REFUNDED', refundedFen: 300 });
  }, 30_000);
});

describe('reject and cancel', () => {
  it('the merchant rejects with a reason: REJECTED, the buyer sees why, the order is PAID again', async () => {
    const { token, order, refund } = await paidWithRefund(700);
    const r = await reject(refund.refundNo, '商品已使用，不支持退款');
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ status: 'REJECTED', rejectReason: '商品已使用，不支持退款', actions: [] });
    const b = await asBuyer(base, token)('GET', `/api/mp/refunds/${refund.refundNo}`);
    expect(b.body).toMatchObject({ status: 'REJECTED', rejectReason: '商品已使用，不支持退款', actions: [] });
    const o = await buyerOrder(token, order.orderNo);
    expect(o).toMatchObject({ status: 'PAID', refundedFen: 0, refundableFen: order.totalFen, canRequestRefund: true });
    const d = await adminRefund(admin, refund.refundNo);
    expect(d.events.map((e: any) => [e.from, e.to, e.actor])).toEqual([
      [null, 'REQUESTED', 'buyer'],
      ['REQUESTED', 'REJECTED', 'merchant'],
    ]);
    expect(d.events[1].note).toBe('商品已使用，不支持退款');
    // WeChat never heard of it
    expect(await sandboxRefund(server, refund.refundNo)).toBeUndefined();
  });

  it('reject needs a reason: missing, empty or blank is 400 and the refund stays REQUESTED', async () => {
    const { refund } = await paidWithRefund(100);
    for (const reason of [undefined, '', '   ']) {
      const r = await reject(refund.refundNo, reason);
      expectError(r, 400, 'VALIDATION_FAILED');
      expect(r.body.error.message).toContain('reason');
    }
    const num = await admin.call('POST', `/api/admin/refunds/${refund.refundNo}/reject`, { reason: 5 });
    expectError(num, 400, 'VALIDATION_FAILED');
    const d = await adminRefund(admin, refund.refundNo);
    expect(d.status).toBe('REQUESTED');
    expect(d.events).toHaveLength(1);
  });

  it('the buyer cancels: CANCELLED, the order is PAID again, and a new request may follow', async () => {
    const { token, order, refund } = await paidWithRefund(300);
    const r = await cancel(token, refund.refundNo);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ refundNo: refund.refundNo, status: 'CANCELLED', actions: [] });
    const o = await buyerOrder(token, order.orderNo);
    expect(o).toMatchObject({ status: 'PAID', refundedFen: 0, canRequestRefund: true, refundableFen: order.totalFen });
    const d = await adminRefund(admin, refund.refundNo);
    expect(d.actions).toEqual([]);
    expect(d.events.map((e: any) => [e.from, e.to, e.actor])).toEqual([
      [null, 'REQUESTED', 'buyer'],
      ['REQUESTED', 'CANCELLED', 'buyer'],
    ]);
    const next = await requestRefund(base, token, order.orderNo, 300);
    expect(next.refundNo).not.toBe(refund.refundNo);
  });
});

describe('illegal transitions are 409 INVALID_STATE and change nothing', () => {
  async function unchanged(refundNo: string, status: string, events: number) {
    const d = await adminRefund(admin, refundNo);
    expect(d.status).toBe(status);
    expect(d.events).toHaveLength(events);
  }

  it('approving twice: the second is 409', async () => {
    const { refund } = await paidWithRefund(100);
    expect((await approve(refund.refundNo)).status).toBe(200);
    expectError(await approve(refund.refundNo), 409, 'INVALID_STATE');
    const d = await waitForRefundStatus(admin, refund.refundNo, 'REFUNDED');
    expect(d.events.filter((e: any) => e.action === 'approve')).toHaveLength(1);
    expect((await sandboxRefund(server, refund.refundNo))?.calls).toBe(1);
  });

  it('reject or cancel after approve is 409', async () => {
    const { token, refund } = await paidWithRefund(100);
    expect((await approve(refund.refundNo)).status).toBe(200);
    expectError(await reject(refund.refundNo, 'no'), 409, 'INVALID_STATE');
    expectError(await cancel(token, refund.refundNo), 409, 'INVALID_STATE');
    const d = await waitForRefundStatus(admin, refund.refundNo, 'REFUNDED');
    expect(d.rejectReason).toBeNull();
    expect(d.events.map((e: any) => e.to)).toEqual(['REQUESTED', 'APPROVED', 'REFUNDING', 'REFUNDED']);
  });

  it('retry is only for FAILED: REQUESTED, REFUNDED, REJECTED and CANCELLED are 409', async () => {
    const { token, refund } = await paidWithRefund(100);
    expectError(await retry(refund.refundNo), 409, 'INVALID_STATE');
    await unchanged(refund.refundNo, 'REQUESTED', 1);
    expect((await approve(refund.refundNo)).status).toBe(200);
    await waitForRefundStatus(admin, refund.refundNo, 'REFUNDED');
    expectError(await retry(refund.refundNo), 409, 'INVALID_STATE');
    await unchanged(refund.refundNo, 'REFUNDED', 4);

    const rej = await paidWithRefund(100);
    expect((await reject(rej.refund.refundNo, 'no')).status).toBe(200);
    expectError(await retry(rej.refund.refundNo), 409, 'INVALID_STATE');

    const can = await paidWithRefund(100);
    expect((await cancel(can.token, can.refund.refundNo)).status).toBe(200);
    expectError(await retry(can.refund.refundNo), 409, 'INVALID_STATE');
    void token;
  });

  it('a REJECTED refund cannot be cancelled, approved or rejected again', async () => {
    const { token, refund } = await paidWithRefund(100);
    expect((await reject(refund.refundNo, 'no')).status).toBe(200);
    expectError(await cancel(token, refund.refundNo), 409, 'INVALID_STATE');
    expectError(await approve(refund.refundNo), 409, 'INVALID_STATE');
    expectError(await reject(refund.refundNo, 'again'), 409, 'INVALID_STATE');
    await unchanged(refund.refundNo, 'REJECTED', 2);
    expect(await sandboxRefund(server, refund.refundNo)).toBeUndefined();
  });

  it('a CANCELLED refund cannot be cancelled again, approved or rejected', async () => {
    const { token, refund } = await paidWithRefund(100);
    expect((await cancel(token, refund.refundNo)).status).toBe(200);
    expectError(await cancel(token, refund.refundNo), 409, 'INVALID_STATE');
    expectError(await approve(refund.refundNo), 409, 'INVALID_STATE');
    expectError(await reject(refund.refundNo, 'no'), 409, 'INVALID_STATE');
    await unchanged(refund.refundNo, 'CANCELLED', 2);
    expect(await sandboxRefund(server, refund.refundNo)).toBeUndefined();
  });

  it('a REFUNDED refund cannot be cancelled, approved or rejected', async () => {
    const { token, refund } = await paidWithRefund(100);
    expect((await approve(refund.refundNo)).status).toBe(200);
    await waitForRefundStatus(admin, refund.refundNo, 'REFUNDED');
    expectError(await cancel(token, refund.refundNo), 409, 'INVALID_STATE');
    expectError(await approve(refund.refundNo), 409, 'INVALID_STATE');
    expectError(await reject(refund.refundNo, 'no'), 409, 'INVALID_STATE');
    await unchanged(refund.refundNo, 'REFUNDED', 4);
  });

  it('acting on a refund that does not exist is 404', async () => {
    for (const r of [await approve('RNOPE0000000000000'), await reject('RNOPE0000000000000', 'x'), await retry('RNOPE0000000000000')]) {
      expectError(r, 404, 'NOT_FOUND');
    }
    expectError(await admin.call('GET', '/api/admin/refunds/RNOPE0000000000000'), 404, 'NOT_FOUND');
  });
});

describe('FAILED and retry', () => {
  it('a final WeChat error ends FAILED (order REFUND_FAILED, retry offered); retry goes back to APPROVED and then REFUNDED', async () => {
    const { token, order, refund } = await paidWithRefund(800);
    await sandboxControl(server, 'PUT', '/sandbox/faults', { refund: [{ code: 'USER_ACCOUNT_ABNORMAL', times: 1, outRefundNo: refund.refundNo }] });
    expect((await approve(refund.refundNo)).status).toBe(200);
    const failed = await waitForRefundStatus(admin, refund.refundNo, 'FAILED');
    expect(failed.failCode).toBe('USER_ACCOUNT_ABNORMAL');
    expect(failed.failReason).toEqual(expect.any(String));
    expect(failed.actions).toEqual(['retry']);
    expect(failed.order.status).toBe('REFUND_FAILED');
    expect(failed.events.at(-1)).toMatchObject({ from: 'REFUNDING', to: 'FAILED', actor: 'wechat:refund' });
    const o = await buyerOrder(token, order.orderNo);
    expect(o).toMatchObject({ status: 'REFUND_FAILED', refundedFen: 0, canRequestRefund: false });
    const mine = await asBuyer(base, token)('GET', `/api/mp/refunds/${refund.refundNo}`);
    expect(mine.body).toMatchObject({ status: 'FAILED', actions: [] });
    expect(mine.body.failReason).toEqual(expect.any(String));
    // FAILED is still open: no second request, no cancel, no approve
    expectError(await asBuyer(base, token)('POST', `/api/mp/orders/${order.orderNo}/refunds`, { amountFen: 1, reason: 'x' }), 409, 'REFUND_IN_PROGRESS');
    expectError(await cancel(token, refund.refundNo), 409, 'INVALID_STATE');
    expectError(await approve(refund.refundNo), 409, 'INVALID_STATE');

    const again = await retry(refund.refundNo);
    expect(again.status).toBe(200);
    expect(again.body.refundNo).toBe(refund.refundNo);
    expect(['APPROVED', 'REFUNDING', 'REFUNDED']).toContain(again.body.status);
    expect(again.body.actions).toEqual([]);
    expect(again.body.failCode).toBeNull();
    const done = await waitForRefundStatus(admin, refund.refundNo, 'REFUNDED', ORDER_GAP_S * 1000 + 10_000);
    expect(done.failCode).toBeNull();
    expect(done.events.map((e: any) => [e.from, e.to, e.actor])).toEqual([
      [null, 'REQUESTED', 'buyer'],
      ['REQUESTED', 'APPROVED', 'merchant'],
      ['APPROVED', 'REFUNDING', 'dispatcher'],
      ['REFUNDING', 'FAILED', 'wechat:refund'],
      ['FAILED', 'APPROVED', 'merchant'],
      ['APPROVED', 'REFUNDING', 'dispatcher'],
      ['REFUNDING', 'REFUNDED', expect.stringMatching(/^wechat:/)],
    ]);
    const sb = await sandboxRefund(server, refund.refundNo);
    expect(sb?.fees.every((f) => f === 800)).toBe(true);
    expect(sb?.calls).toBe(2);
    await waitFor(async () => (await buyerOrder(token, order.orderNo)).status === 'PARTIALLY_REFUNDED');
  }, 30_000);
});
