// WeChat's callbacks, forged and genuine, as raw XML: what is believed, what is refused with FAIL and
// changes nothing, duplicates, refunds made on the merchant platform, and notifications about nothing of ours.
// The sandbox here settles refunds only when told to (a 10-minute settle delay), so the forged
// notifications are what moves a REFUNDING refund.
import { withDb } from '../helpers/database.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postNotify, payNotification, refundNotification, sandboxCredentials, WRONG_KEY, type MerchantCredentials } from '../helpers/forge.ts';
import {
  adminRefund,
  adminSession,
  asBuyer,
  buyerLogin,
  placeOrder,
  placePaidOrder,
  requestRefund,
  sandboxControl,
  waitForRefundStatus,
  type AdminSession,
} from '../helpers/api.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;
let base: string;
let admin: AdminSession;
let m: MerchantCredentials;

const SUCCESS_REPLY = '<xml><return_code><![CDATA[SUCCESS]]></return_code><return_msg><![CDATA[OK]]></return_msg></xml>';

beforeAll(async () => {
  server = await startServer({ env: { SANDBOX_SETTLE_DELAY_MS: '600000' } });
  base = server.baseUrl;
  admin = await adminSession(base);
  m = sandboxCredentials(server);
});

afterAll(async () => {
  await server?.stop();
});

async function adminOrder(orderNo: string) {
  const r = await admin.call('GET', `/api/admin/orders/${orderNo}`);
  expect(r.status).toBe(200);
  return r.body;
}

/** An unpaid order and what a pay notification for it needs. */
async function unpaidOrder() {
  const token = await buyerLogin(base);
  const order = await placeOrder(base, token);
  const o = await adminOrder(order.orderNo);
  return { token, order, pay: { outTradeNo: order.orderNo, totalFee: order.totalFen, openid: o.buyer.openid as string } };
}

/** A refund WeChat has accepted and not yet settled (REFUNDING). */
async function refundingRefund(amountFen = 500) {
  const token = await buyerLogin(base);
  const order = await placePaidOrder(base, token);
  const refund = await requestRefund(base, token, order.orderNo, amountFen);
  expect((await admin.call('POST', `/api/admin/refunds/${refund.refundNo}/approve`)).status).toBe(200);
  const r = await waitForRefundStatus(admin, refund.refundNo, 'REFUNDING');
  // wait until WeChat answered the call (accepted), so the forged result is about a refund WeChat has
  await new Promise((res) => setTimeout(res, 300));
  expect(r.status).toBe('REFUNDING');
  return { token, order, refund, info: { outRefundNo: refund.refundNo, outTradeNo: order.orderNo, totalFee: order.totalFen, refundFee: amountFen } };
}

async function unchanged(refundNo: string, status: string, events: number) {
  const d = await adminRefund(admin, refundNo);
  expect(d.status).toBe(status);
  expect(d.events).toHaveLength(events);
  return d;
}

/** A merchant id that is surely not the sandbox's (whose last two digits are random, 10–99). */
function anotherMchId(): string {
  return m.mchId === '1900000099' ? '1900000098' : '1900000099';
}

describe('pay notifications', () => {
  it('a correctly signed one with the right amount makes the order PAID, and the reply is WeChat’s SUCCESS XML', async () => {
    const { token, pay } = await unpaidOrder();
    const r = await postNotify(base, 'pay', payNotification(m, pay));
    expect(r.status).toBe(200);
    expect(r.text).toBe(SUCCESS_REPLY);
    const o = (await asBuyer(base, token)('GET', `/api/mp/orders/${pay.outTradeNo}`)).body;
    expect(o.status).toBe('PAID');
    expect(o.paidAt).not.toBeNull();
  });

  it('HMAC-SHA256 signed ones are accepted too', async () => {
    const { token, pay } = await unpaidOrder();
    const r = await postNotify(base, 'pay', payNotification(m, pay, { signType: 'HMAC-SHA256' }));
    expect(r.returnCode).toBe('SUCCESS');
    expect((await asBuyer(base, token)('GET', `/api/mp/orders/${pay.outTradeNo}`)).body.status).toBe('PAID');
  });

  it('a wrong signature (another key, or a field changed after signing) is FAIL and the order stays UNPAID', async () => {
    const { token, pay } = await unpaidOrder();
    for (const xml of [
      payNotification(m, pay, { signWith: WRONG_KEY }),
      payNotification(m, pay, { tamper: { openid: 'oSomeoneElse' } }),
      payNotification(m, pay, { tamper: { sign: '' } }),
    ]) {
      const r = await postNotify(base, 'pay', xml);
      expect(r.returnCode, r.text).toBe('FAIL');
      expect(r.returnMsg).toBeTruthy();
    }
    expect((await asBuyer(base, token)('GET', `/api/mp/orders/${pay.outTradeNo}`)).body).toMatchObject({ status: 'UNPAID', paidAt: null });
  });

  it('a correctly signed one with the wrong total_fee is FAIL and the order stays UNPAID', async () => {
    const { token, pay } = await unpaidOrder();
    for (const totalFee of [1, pay.totalFee - 1, pay.totalFee + 1]) {
      const r = await postNotify(base, 'pay', payNotification(m, { ...pay, totalFee }));
      expect(r.returnCode).toBe('FAIL');
    }
    expect((await asBuyer(base, token)('GET', `/api/mp/orders/${pay.outTradeNo}`)).body.status).toBe('UNPAID');
  });

  it('signed, but naming another appid or mch_id: FAIL, UNPAID', async () => {
    const { token, pay } = await unpaidOrder();
    for (const overrides of [{ appid: 'wx0000000000000000' }, { mch_id: anotherMchId() }]) {
      const r = await postNotify(base, 'pay', payNotification(m, pay, { overrides }));
      expect(r.returnCode).toBe('FAIL');
    }
    expect((await asBuyer(base, token)('GET', `/api/mp/orders/${pay.outTradeNo}`)).body.status).toBe('UNPAID');
  });

  it('a duplicate is answered SUCCESS and changes nothing', async () => {
    const { token, pay } = await unpaidOrder();
    const xml = payNotification(m, pay);
    expect((await postNotify(base, 'pay', xml)).returnCode).toBe('SUCCESS');
    const first = (await asBuyer(base, token)('GET', `/api/mp/orders/${pay.outTradeNo}`)).body;
    await new Promise((res) => setTimeout(res, 20));
    expect((await postNotify(base, 'pay', xml)).text).toBe(SUCCESS_REPLY);
    // even a fresh notification of the same payment (new nonce) changes nothing
    expect((await postNotify(base, 'pay', payNotification(m, pay))).returnCode).toBe('SUCCESS');
    const again = (await asBuyer(base, token)('GET', `/api/mp/orders/${pay.outTradeNo}`)).body;
    expect(again).toEqual(first);
  });

  it('malformed, empty, DOCTYPE-bearing or nested XML is FAIL', async () => {
    for (const body of ['', 'not xml', '<xml><return_code>SUCCESS', '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><xml><a>&e;</a></xml>', '<xml><a><b>1</b></a></xml>']) {
      const r = await postNotify(base, 'pay', body);
      expect(r.returnCode, JSON.stringify(body)).toBe('FAIL');
      expect(r.text).not.toContain('/etc/passwd');
      expect(r.text).not.toMatch(/\bat .*\.ts:\d+/);
    }
  });
});

describe('refund notifications', () => {
  it('a genuine SUCCESS makes the refund REFUNDED, and a duplicate changes nothing twice', async () => {
    const { token, order, refund, info } = await refundingRefund(500);
    const xml = refundNotification(m, info);
    const r = await postNotify(base, 'refund', xml);
    expect(r.text).toBe(SUCCESS_REPLY);
    const d = await unchanged(refund.refundNo, 'REFUNDED', 4);
    expect(d.events.at(-1)).toMatchObject({ from: 'REFUNDING', to: 'REFUNDED', actor: 'wechat:notify' });
    const o1 = (await asBuyer(base, token)('GET', `/api/mp/orders/${order.orderNo}`)).body;
    expect(o1).toMatchObject({ status: 'PARTIALLY_REFUNDED', refundedFen: 500 });

    expect((await postNotify(base, 'refund', xml)).text).toBe(SUCCESS_REPLY);
    expect((await postNotify(base, 'refund', refundNotification(m, info))).returnCode).toBe('SUCCESS');
    await unchanged(refund.refundNo, 'REFUNDED', 4);
    const o2 = (await asBuyer(base, token)('GET', `/api/mp/orders/${order.orderNo}`)).body;
    expect(o2.refundedFen).toBe(500);
  });

  it('encrypted with another key: FAIL, nothing changes', async () => {
    const { refund, info } = await refundingRefund();
    const r = await postNotify(base, 'refund', refundNotification(m, info, { encryptWith: WRONG_KEY }));
    expect(r.returnCode).toBe('FAIL');
    await unchanged(refund.refundNo, 'REFUNDING', 3);
  });

  it('naming another mch_id or appid: FAIL, nothing changes', async () => {
    const { refund, info } = await refundingRefund();
    expect((await postNotify(base, 'refund', refundNotification(m, info, { mchId: anotherMchId() }))).returnCode).toBe('FAIL');
    expect((await postNotify(base, 'refund', refundNotification(m, info, { appid: 'wx0000000000000000' }))).returnCode).toBe('FAIL');
    await unchanged(refund.refundNo, 'REFUNDING', 3);
  });

  it('disagreeing with our record (refund_fee, total_fee, out_trade_no): FAIL, nothing changes', async () => {
    const { refund, info } = await refundingRefund(500);
    const other = await placePaidOrder(base, await buyerLogin(base));
    for (const wrong of [{ refundFee: 499 }, { refundFee: 501 }, { totalFee: info.totalFee + 1 }, { outTradeNo: other.orderNo }]) {
      const r = await postNotify(base, 'refund', refundNotification(m, { ...info, ...wrong }));
      expect(r.returnCode, JSON.stringify(wrong)).toBe('FAIL');
    }
    await unchanged(refund.refundNo, 'REFUNDING', 3);
    const o = await adminOrder(info.outTradeNo);
    expect(o.refundedFen).toBe(0);
  });

  it('garbage req_info or a malformed body: FAIL', async () => {
    const { refund } = await refundingRefund();
    for (const body of [
      `<xml><return_code>SUCCESS</return_code><appid>${m.appid}</appid><mch_id>${m.mchId}</mch_id><req_info>not base64!</req_info></xml>`,
      `<xml><return_code>SUCCESS</return_code><appid>${m.appid}</appid><mch_id>${m.mchId}</mch_id></xml>`,
      '<xml>',
    ]) {
      expect((await postNotify(base, 'refund', body)).returnCode).toBe('FAIL');
    }
    await unchanged(refund.refundNo, 'REFUNDING', 3);
  });

  it('CHANGE makes the refund FAILED with failCode CHANGE and a reason; REFUNDCLOSE likewise', async () => {
    for (const status of ['CHANGE', 'REFUNDCLOSE'] as const) {
      const { token, order, refund, info } = await refundingRefund(300);
      const r = await postNotify(base, 'refund', refundNotification(m, { ...info, status }));
      expect(r.returnCode).toBe('SUCCESS');
      const d = await unchanged(refund.refundNo, 'FAILED', 4);
      expect(d.failCode).toBe(status);
      expect(d.failReason).toEqual(expect.any(String));
      expect(d.actions).toEqual(['retry']);
      expect(d.events.at(-1)).toMatchObject({ from: 'REFUNDING', to: 'FAILED', actor: 'wechat:notify' });
      const o = (await asBuyer(base, token)('GET', `/api/mp/orders/${order.orderNo}`)).body;
      expect(o).toMatchObject({ status: 'REFUND_FAILED', refundedFen: 0 });
      // its duplicate changes nothing
      expect((await postNotify(base, 'refund', refundNotification(m, { ...info, status }))).returnCode).toBe('SUCCESS');
      await unchanged(refund.refundNo, 'FAILED', 4);
    }
  });

  it('a SUCCESS for a refund that was never sent to WeChat (REQUESTED) is refused and changes nothing', async () => {
    const token = await buyerLogin(base);
    const order = await placePaidOrder(base, token);
    const refund = await requestRefund(base, token, order.orderNo, 100);
    const r = await postNotify(base, 'refund', refundNotification(m, { outRefundNo: refund.refundNo, outTradeNo: order.orderNo, totalFee: order.totalFen, refundFee: 100 }));
    expect(r.returnCode).toBe('FAIL');
    await unchanged(refund.refundNo, 'REQUESTED', 1);
    expect((await adminOrder(order.orderNo)).refundedFen).toBe(0);
  });

  it('the sandbox settling the refund sends a genuine notification that finishes it', async () => {
    const { refund } = await refundingRefund(200);
    const s = await sandboxControl(server, 'POST', `/sandbox/refunds/${refund.refundNo}/settle`, { status: 'SUCCESS' });
    expect(s.status).toBe(200);
    expect(s.body.delivered).toBe(true);
    await unchanged(refund.refundNo, 'REFUNDED', 4);
  });

  it('about nothing of ours: SUCCESS, and nothing of ours changes', async () => {
    const before = (await admin.call('GET', '/api/admin/refunds?pageSize=1')).body.total;
    const r = await postNotify(
      base,
      'refund',
      refundNotification(m, { outRefundNo: 'RNOTOURS00000001', outTradeNo: 'MNOTOURS00000001', totalFee: 1000, refundFee: 100 }),
    );
    expect(r.text).toBe(SUCCESS_REPLY);
    expect((await admin.call('GET', '/api/admin/refunds?pageSize=1')).body.total).toBe(before);
  });
});

describe('refunds made on the merchant platform (VENDOR_PLATFORM)', () => {
  it('are recorded on the order: refundedFen includes them, source VENDOR_PLATFORM, less left to ask for', async () => {
    const token = await buyerLogin(base);
    const order = await placePaidOrder(base, token);
    const v = await sandboxControl(server, 'POST', '/sandbox/vendor-refund', {
      out_trade_no: order.orderNo,
      refund_fee: 800,
      notify_url: `${base}/api/wxpay/notify/refund`,
    });
    expect(v.status, JSON.stringify(v.body)).toBe(200);
    expect(v.body.delivered).toBe(true);
    const o = (await asBuyer(base, token)('GET', `/api/mp/orders/${order.orderNo}`)).body;
    expect(o).toMatchObject({ status: 'PARTIALLY_REFUNDED', refundedFen: 800, refundableFen: order.totalFen - 800 });
    expect(o.refunds).toHaveLength(1);
    expect(o.refunds[0]).toMatchObject({ refundNo: v.body.outRefundNo, status: 'REFUNDED', amountFen: 800, source: 'VENDOR_PLATFORM', actions: [] });
    const d = await adminRefund(admin, v.body.outRefundNo);
    expect(d.events).toEqual([expect.objectContaining({ from: null, to: 'REFUNDED', actor: 'wechat:notify' })]);
    // the buyer can no longer ask for the whole order
    const tooMuch = await asBuyer(base, token)('POST', `/api/mp/orders/${order.orderNo}/refunds`, { amountFen: order.totalFen - 799, reason: 'x' });
    expect(tooMuch.status).toBe(422);
    expect(tooMuch.body.error.code).toBe('REFUND_AMOUNT_EXCEEDS');
    const ok = await asBuyer(base, token)('POST', `/api/mp/orders/${order.orderNo}/refunds`, { amountFen: order.totalFen - 800, reason: 'x' });
    expect(ok.status).toBe(201);
    // its duplicate is not recorded twice
    const again = await postNotify(
      base,
      'refund',
      refundNotification(m, { outRefundNo: v.body.outRefundNo, outTradeNo: order.orderNo, totalFee: order.totalFen, refundFee: 800, source: 'VENDOR_PLATFORM' }),
    );
    expect(again.returnCode).toBe('SUCCESS');
    const o2 = (await asBuyer(base, token)('GET', `/api/mp/orders/${order.orderNo}`)).body;
    expect(o2.refundedFen).toBe(800);
    expect(o2.refunds).toHaveLength(2);
  });

  it('one made while a refund of ours is open keeps the order showing ours, and both count once settled', async () => {
    const { token, order, refund, info } = await refundingRefund(1000);
    const v = await sandboxControl(server, 'POST', '/sandbox/vendor-refund', { out_trade_no: order.orderNo, refund_fee: 600 });
    expect(v.status, JSON.stringify(v.body)).toBe(200);
    const o = (await asBuyer(base, token)('GET', `/api/mp/orders/${order.orderNo}`)).body;
    expect(o).toMatchObject({ status: 'REFUNDING', refundedFen: 600 });
    expect((await postNotify(base, 'refund', refundNotification(m, info))).returnCode).toBe('SUCCESS');
    await unchanged(refund.refundNo, 'REFUNDED', 4);
    const o2 = (await asBuyer(base, token)('GET', `/api/mp/orders/${order.orderNo}`)).body;
    expect(o2).toMatchObject({ status: 'PARTIALLY_REFUNDED', refundedFen: 1600 });
  });
});

describe('platform refunds at the edges of our own limits', () => {
  it('one made after the buyer withdrew 50 requests is still recorded (WeChat never saw those 50)', async () => {
    const token = await buyerLogin(base);
    const b = asBuyer(base, token);
    const order = await placePaidOrder(base, token);
    for (let i = 0; i < 50; i++) {
      const r = await requestRefund(base, token, order.orderNo, 1);
      expect((await b('POST', `/api/mp/refunds/${r.refundNo}/cancel`)).status).toBe(200);
    }
    const v = await sandboxControl(server, 'POST', '/sandbox/vendor-refund', {
      out_trade_no: order.orderNo,
      refund_fee: 100,
      notify_url: `${base}/api/wxpay/notify/refund`,
    });
    expect(v.status, JSON.stringify(v.body)).toBe(200);
    // WeChat took the money out; our record must say so
    expect(v.body.delivered, 'the server refused WeChat’s notification of the platform refund').toBe(true);
    const o = (await b('GET', `/api/mp/orders/${order.orderNo}`)).body;
    expect(o).toMatchObject({ refundedFen: 100, status: 'PARTIALLY_REFUNDED' });
  }, 20_000);

  it('a platform refund of the whole order while a request is open: what may be asked never goes negative', async () => {
    const token = await buyerLogin(base);
    const order = await placePaidOrder(base, token);
    const r = await requestRefund(base, token, order.orderNo, 1000);
    const v = await sandboxControl(server, 'POST', '/sandbox/vendor-refund', {
      out_trade_no: order.orderNo,
      refund_fee: order.totalFen,
      notify_url: `${base}/api/wxpay/notify/refund`,
    });
    expect(v.status).toBe(200);
    expect(v.body.delivered).toBe(true);
    const o = (await asBuyer(base, token)('GET', `/api/mp/orders/${order.orderNo}`)).body;
    expect(o.refundedFen).toBe(order.totalFen);
    expect(o.canRequestRefund).toBe(false);
    expect(o.refundableFen, 'refundableFen is what a new request may ask for').toBe(0);
    const a = await adminOrder(order.orderNo);
    expect(a.refundableFen).toBe(0);
    void r;
  });

  it('a SUCCESS that would refund more than the order was paid is answered with FAIL XML, stored, and changes nothing', async () => {
    const token = await buyerLogin(base);
    const order = await placePaidOrder(base, token);
    const r = await requestRefund(base, token, order.orderNo, order.totalFen);
    expect((await admin.call('POST', `/api/admin/refunds/${r.refundNo}/approve`)).status).toBe(200);
    await waitForRefundStatus(admin, r.refundNo, 'REFUNDING');
    expect((await postNotify(base, 'refund', refundNotification(m, { outRefundNo: r.refundNo, outTradeNo: order.orderNo, totalFee: order.totalFen, refundFee: order.totalFen }))).returnCode).toBe('SUCCESS');
    await waitForRefundStatus(admin, r.refundNo, 'REFUNDED');
    const xml = refundNotification(m, { outRefundNo: 'VENDOROVERTOTAL01', outTradeNo: order.orderNo, totalFee: order.totalFen, refundFee: 1, source: 'VENDOR_PLATFORM' });
    const answer = await postNotify(base, 'refund', xml);
    expect(answer.text, `HTTP ${answer.status}`).toMatch(/^<xml><return_code><!\[CDATA\[FAIL\]\]><\/return_code>/);
    const o = (await asBuyer(base, token)('GET', `/api/mp/orders/${order.orderNo}`)).body;
    expect(o).toMatchObject({ refundedFen: order.totalFen, status: 'REFUNDED' });
    expect(o.refunds).toHaveLength(1);
    const stored = await withDb(server.env.DATABASE_URL, (db) => db.notification.count({ where: { body: xml } }));
    expect(stored, 'the refused notification was not stored as received').toBe(1);
  });
});

describe('every notification is stored as received', () => {
  it('accepted and refused bodies alike are kept byte for byte', async () => {
    const { pay } = await unpaidOrder();
    const bodies = [payNotification(m, pay, { signWith: WRONG_KEY }), payNotification(m, pay), '<xml>broken'];
    for (const b of bodies) await postNotify(base, 'pay', b);
    await withDb(server.env.DATABASE_URL, async (db) => {
      for (const b of bodies) expect(await db.notification.count({ where: { body: b } }), b).toBe(1);
    });
  });
});
