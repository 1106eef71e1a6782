// The rules a refund request must pass (docs/lifecycle.md): whole fen from 1 to what is
// left, one open at a time, partial refunds up to the total, paid orders only, at most 50, within 365 days,
// and Idempotency-Key.
import { createDb } from '../../server/db/client.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  adminSession,
  asBuyer,
  buyerLogin,
  createProduct,
  placeOrder,
  placePaidOrderOf,
  requestRefund,
  waitForRefundStatus,
  type AdminSession,
} from '../helpers/api.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { expectError } from '../helpers/expect-error.ts';

let server: TestServer;
let base: string;
let admin: AdminSession;
let productId: number; // 300 fen, plenty of stock

beforeAll(async () => {
  server = await startServer();
  base = server.baseUrl;
  admin = await adminSession(base);
  productId = (await createProduct(admin, { name: 'rules: 3 元', priceFen: 300, stock: 10_000 })).id;
});

afterAll(async () => {
  await server?.stop();
});


async function paidOrder() {
  const token = await buyerLogin(base);
  const order = await placePaidOrderOf(base, token, productId);
  const b = asBuyer(base, token);
  const ask = (amountFen: unknown, headers: Record<string, string> = {}, reason: unknown = '不想要了') =>
    b('POST', `/api/mp/orders/${order.orderNo}/refunds`, { amountFen, reason }, headers);
  const get = async () => (await b('GET', `/api/mp/orders/${order.orderNo}`)).body;
  return { token, order, b, ask, get };
}

async function approveAndSettle(refundNo: string) {
  const r = await admin.call('POST', `/api/admin/refunds/${refundNo}/approve`);
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return waitForRefundStatus(admin, refundNo, 'REFUNDED');
}

describe('the amount', () => {
  it('0, negative, 1.5, "100", null, missing or absurdly large is 400 naming amountFen, and nothing is created', async () => {
    const { b, order, get } = await paidOrder();
    for (const amountFen of [0, -1, 1.5, '100', null, undefined, 1e12, Number.MAX_SAFE_INTEGER + 2]) {
      const r = await b('POST', `/api/mp/orders/${order.orderNo}/refunds`, { amountFen, reason: '不想要了' });
      expectError(r, 400, 'VALIDATION_FAILED');
      expect(r.body.error.message, String(amountFen)).toContain('amountFen');
    }
    const o = await get();
    expect(o.refunds).toEqual([]);
    expect(o.status).toBe('PAID');
  });

  it('a long reason full of emoji is accepted and the refund still goes through WeChat', async () => {
    const { ask, get } = await paidOrder();
    const reason = '😀 不想要了 🎉' + '理由'.repeat(90);
    expect(reason.length).toBeLessThanOrEqual(200);
    const r = await ask(100, {}, reason);
    expect(r.status).toBe(201);
    expect(r.body.reason).toBe(reason);
    await approveAndSettle(r.body.refundNo);
    expect((await get()).refundedFen).toBe(100);
  });

  it('a missing or empty reason is 400 naming reason', async () => {
    const { b, order, get } = await paidOrder();
    for (const body of [{ amountFen: 100 }, { amountFen: 100, reason: '' }, { amountFen: 100, reason: 7 }]) {
      const r = await b('POST', `/api/mp/orders/${order.orderNo}/refunds`, body);
      expectError(r, 400, 'VALIDATION_FAILED');
      expect(r.body.error.message).toContain('reason');
    }
    expect((await get()).refunds).toEqual([]);
  });

  it('more than was paid is 422 REFUND_AMOUNT_EXCEEDS; exactly what was paid is fine', async () => {
    const { ask, get } = await paidOrder();
    expectError(await ask(301), 422, 'REFUND_AMOUNT_EXCEEDS');
    expect((await get()).refunds).toEqual([]);
    const ok = await ask(300);
    expect(ok.status).toBe(201);
    expect(ok.body).toMatchObject({ status: 'REQUESTED', amountFen: 300 });
  });
});

describe('one open refund per order', () => {
  it('a second request while one is REQUESTED is 409 REFUND_IN_PROGRESS', async () => {
    const { ask, get } = await paidOrder();
    expect((await ask(100)).status).toBe(201);
    expectError(await ask(100), 409, 'REFUND_IN_PROGRESS');
    expectError(await ask(1), 409, 'REFUND_IN_PROGRESS');
    const o = await get();
    expect(o.refunds).toHaveLength(1);
    expect(o.canRequestRefund).toBe(false);
  });

  it('an unpaid order cannot be refunded: 409 INVALID_STATE', async () => {
    const token = await buyerLogin(base);
    const products = (await asBuyer(base, token)('GET', '/api/mp/products')).body.items;
    const order = await placeOrder(base, token, { productIndex: products.findIndex((p: any) => p.id === productId) });
    const r = await asBuyer(base, token)('POST', `/api/mp/orders/${order.orderNo}/refunds`, { amountFen: 1, reason: 'x' });
    expectError(r, 409, 'INVALID_STATE');
    const o = (await asBuyer(base, token)('GET', `/api/mp/orders/${order.orderNo}`)).body;
    expect(o).toMatchObject({ status: 'UNPAID', refunds: [], canRequestRefund: false, refundableFen: 0 });
  });
});

describe('partial refunds up to the total', () => {
  it('100 + 150 + 50 of 300: each within what is left, then nothing is left (422)', async () => {
    const { ask, get } = await paidOrder();
    const r1 = await ask(100);
    expect(r1.status).toBe(201);
    expect((await get()).refundableFen).toBe(200);
    await approveAndSettle(r1.body.refundNo);
    expect(await get()).toMatchObject({ status: 'PARTIALLY_REFUNDED', refundedFen: 100, refundableFen: 200, canRequestRefund: true });

    expectError(await ask(201), 422, 'REFUND_AMOUNT_EXCEEDS');
    // a rejected request in between: the order goes back to PARTIALLY_REFUNDED, not PAID
    const rej = await ask(10);
    expect((await get()).status).toBe('REFUND_REQUESTED');
    expect((await admin.call('POST', `/api/admin/refunds/${rej.body.refundNo}/reject`, { reason: 'no' })).status).toBe(200);
    expect(await get()).toMatchObject({ status: 'PARTIALLY_REFUNDED', refundedFen: 100, refundableFen: 200 });
    const r2 = await ask(150);
    expect(r2.status).toBe(201);
    await approveAndSettle(r2.body.refundNo);
    expect(await get()).toMatchObject({ status: 'PARTIALLY_REFUNDED', refundedFen: 250, refundableFen: 50 });

    expectError(await ask(51), 422, 'REFUND_AMOUNT_EXCEEDS');
    const r3 = await ask(50);
    expect(r3.status).toBe(201);
    await approveAndSettle(r3.body.refundNo);
    const done = await get();
    expect(done).toMatchObject({ status: 'REFUNDED', refundedFen: 300, refundableFen: 0, canRequestRefund: false });
    expect(done.refunds.map((r: any) => r.amountFen)).toEqual([50, 150, 10, 100]); // newest first

    expectError(await ask(1), 422, 'REFUND_AMOUNT_EXCEEDS');
    expect((await get()).refunds).toHaveLength(4);
  });

  it('a rejected or cancelled request gives its amount back to what may be asked', async () => {
    const { ask, get, b } = await paidOrder();
    const r1 = await ask(300);
    expect((await admin.call('POST', `/api/admin/refunds/${r1.body.refundNo}/reject`, { reason: '不行' })).status).toBe(200);
    expect((await get()).refundableFen).toBe(300);
    const r2 = await ask(300);
    expect(r2.status).toBe(201);
    expect((await b('POST', `/api/mp/refunds/${r2.body.refundNo}/cancel`)).status).toBe(200);
    expect(await get()).toMatchObject({ status: 'PAID', refundableFen: 300, refundedFen: 0, canRequestRefund: true });
    expect((await ask(300)).status).toBe(201);
  });
});

describe('at most 50 refunds per order', () => {
  // WeChat's limit counts the refunds it received: a request withdrawn before that gives its place back.
  it('withdrawn requests do not count; after 50 refunds the 51st is 422 REFUND_LIMIT_REACHED', async () => {
    const { ask, get, b } = await paidOrder();
    for (let i = 0; i < 3; i++) {
      const r = await ask(1);
      expect(r.status).toBe(201);
      expect((await b('POST', `/api/mp/refunds/${r.body.refundNo}/cancel`)).status).toBe(200);
    }
    const rej = await ask(1);
    expect((await admin.call('POST', `/api/admin/refunds/${rej.body.refundNo}/reject`, { reason: 'no' })).status).toBe(200);
    for (let i = 0; i < 50; i++) {
      const r = await ask(1);
      expect(r.status, `refund #${i + 1}: ${JSON.stringify(r.body)}`).toBe(201);
      await approveAndSettle(r.body.refundNo);
    }
    const before = await get();
    expect(before.refunds).toHaveLength(54);
    expect(before).toMatchObject({ canRequestRefund: false, refundedFen: 50 });
    expectError(await ask(1), 422, 'REFUND_LIMIT_REACHED');
    const after = await get();
    expect(after.refunds).toHaveLength(54);
    expect(after).toMatchObject({ status: 'PARTIALLY_REFUNDED', refundedFen: 50 });
  }, 90_000);
});

describe('365 days after payment', () => {
  /** Moves the payment into the past, in whichever database the server runs on (SQLite or PostgreSQL). */
  async function setPaidAt(orderNo: string, daysAgo: number) {
    const db = await createDb(server.env.DATABASE_URL);
    try {
      const when = new Date(Date.now() - daysAgo * 24 * 3600_000);
      const res = await db.$transaction((tx) => tx.order.updateMany({ where: { orderNo }, data: { paidAt: when } }));
      expect(res.count).toBe(1);
    } finally {
      await db.$disconnect();
    }
  }

  it('paid 366 days ago: 422 REFUND_WINDOW_EXPIRED and canRequestRefund false', async () => {
    const { order, ask, get } = await paidOrder();
    await setPaidAt(order.orderNo, 366);
    const o = await get();
    expect(Date.now() - Date.parse(o.paidAt)).toBeGreaterThan(365 * 24 * 3600_000);
    expect(o.canRequestRefund).toBe(false);
    expectError(await ask(100), 422, 'REFUND_WINDOW_EXPIRED');
    expect((await get()).refunds).toEqual([]);
  });

  it('paid 364 days ago: still allowed', async () => {
    const { order, ask, get } = await paidOrder();
    await setPaidAt(order.orderNo, 364);
    expect((await get()).canRequestRefund).toBe(true);
    expect((await ask(100)).status).toBe(201);
  });
});

describe('Idempotency-Key', () => {
  it('the same key and body again: 201, the same refund, nothing created', async () => {
    const { ask, get } = await paidOrder();
    const h = { 'Idempotency-Key': 'story-double-tap-1' };
    const first = await ask(120, h);
    expect(first.status).toBe(201);
    const second = await ask(120, h);
    expect(second.status).toBe(201);
    expect(second.body.refundNo).toBe(first.body.refundNo);
    expect(second.body).toMatchObject({ status: 'REQUESTED', amountFen: 120 });
    const o = await get();
    expect(o.refunds).toHaveLength(1);
    const d = await admin.call('GET', `/api/admin/refunds/${first.body.refundNo}`);
    expect(d.body.events).toHaveLength(1);
  });

  it('the same key with a different body is 400 and creates nothing', async () => {
    const { ask, get, token } = await paidOrder();
    const h = { 'Idempotency-Key': 'story-changed-body' };
    const first = await ask(120, h);
    expect(first.status).toBe(201);
    expectError(await ask(121, h), 400, 'VALIDATION_FAILED');
    expectError(await ask(120, h, '另一个理由'), 400, 'VALIDATION_FAILED');
    expect((await get()).refunds).toHaveLength(1);
    // the same key on another order of the same buyer is a different request too
    const other = await placePaidOrderOf(base, token, productId);
    const onOther = await asBuyer(base, token)('POST', `/api/mp/orders/${other.orderNo}/refunds`, { amountFen: 120, reason: '不想要了' }, h);
    expectError(onOther, 400, 'VALIDATION_FAILED');
    expect((await asBuyer(base, token)('GET', `/api/mp/orders/${other.orderNo}`)).body.refunds).toEqual([]);
  });

  it('a replayed key returns its refund as it is now, even after it was cancelled, and creates nothing', async () => {
    const { ask, get, b } = await paidOrder();
    const h = { 'Idempotency-Key': 'story-replay-after-cancel' };
    const first = await ask(90, h);
    expect((await b('POST', `/api/mp/refunds/${first.body.refundNo}/cancel`)).status).toBe(200);
    const again = await ask(90, h);
    expect(again.status).toBe(201);
    expect(again.body).toMatchObject({ refundNo: first.body.refundNo, status: 'CANCELLED' });
    expect((await get()).refunds).toHaveLength(1);
  });

  it("keys belong to one buyer: another buyer's same key makes their own refund", async () => {
    const a = await paidOrder();
    const c = await paidOrder();
    const h = { 'Idempotency-Key': 'story-shared-key' };
    const ra = await a.ask(100, h);
    const rc = await c.ask(100, h);
    expect(ra.status).toBe(201);
    expect(rc.status).toBe(201);
    expect(rc.body.refundNo).not.toBe(ra.body.refundNo);
    expect(rc.body.orderNo).toBe(c.order.orderNo);
  });

  it('a key that is too long is 400 naming Idempotency-Key', async () => {
    const { ask, get } = await paidOrder();
    const r = await ask(100, { 'Idempotency-Key': 'k'.repeat(129) });
    expectError(r, 400, 'VALIDATION_FAILED');
    expect(r.body.error.message).toContain('Idempotency-Key');
    expect((await get()).refunds).toEqual([]);
  });

  it('ten concurrent requests with one key: one refund, and every answer is that refund', async () => {
    const { ask, get } = await paidOrder();
    const h = { 'Idempotency-Key': 'story-ten-taps-at-once' };
    const answers = await Promise.all(Array.from({ length: 10 }, () => ask(130, h)));
    expect(answers.map((a) => a.status)).toEqual(Array(10).fill(201));
    const nos = new Set(answers.map((a) => a.body.refundNo));
    expect(nos.size).toBe(1);
    const o = await get();
    expect(o.refunds).toHaveLength(1);
    expect(o.refunds[0].refundNo).toBe([...nos][0]);
  });
});
