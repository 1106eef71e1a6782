// The whole mall over WeChat Pay APIv3 (issue 13), against the sandbox speaking v3, in both of the mall's key
// modes: WeChat Pay's public key (PUB_KEY_ID_…) and platform certificates from /v3/certificates. Buyer pays
// (JSAPI prepay, RSA paySign, signed v3 pay notification), merchant approves, the refund goes out over v3 and
// comes back by notification or by query; ABNORMAL refunds are settled to the merchant's bank card; forged
// notifications change nothing; unpaid orders are closed at WeChat.
import { createPublicKey, generateKeyPairSync, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminSession, asBuyer, buyerLogin, placeOrder, placePaidOrder, requestRefund, sandboxControl, waitFor, waitForRefundStatus, type AdminSession } from '../helpers/api.ts';
import { withDb } from '../helpers/database.ts';
import { payResource, postV3Notify, refundResource, sandboxV3, v3Notification } from '../helpers/forge-v3.ts';
import { protocolEnv, V3_PROTOCOLS } from '../helpers/protocols.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

type Call = { endpoint: string; httpStatus: number | null; errCode: string | null };

describe.each(V3_PROTOCOLS)('APIv3 (%s)', (protocol) => {
  let server: TestServer;
  let admin: AdminSession;
  let token: string;

  beforeAll(async () => {
    // unpaid orders close after 4 s here, so the close-at-WeChat case needs no second server
    server = await startServer({ env: { ...protocolEnv(protocol), ORDER_CLOSE_AFTER_S: '4' } });
    admin = await adminSession(server.baseUrl);
    token = await buyerLogin(server.baseUrl);
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
  });

  const buyer = () => asBuyer(server.baseUrl, token);
  const detail = async (refundNo: string) => (await admin.call('GET', `/api/admin/refunds/${refundNo}`)).body;

  it('buyer pays over v3 (RSA paySign, signed pay notification), merchant approves, refunded over v3', async () => {
    const order = await placeOrder(server.baseUrl, token);
    const pay = await buyer()('POST', `/api/mp/orders/${order.orderNo}/pay`);
    expect(pay.status).toBe(200);
    expect(pay.body).toMatchObject({ signType: 'RSA', package: expect.stringMatching(/^prepay_id=/), sandbox: true });
    // paySign is SHA256withRSA by the merchant key over appId\ntimeStamp\nnonceStr\npackage\n
    const merchantCert = readFileSync(`${server.dataDir}/sandbox/apiclient_cert.pem`);
    const { appid } = sandboxV3(server);
    const message = `${appid}\n${pay.body.timeStamp}\n${pay.body.nonceStr}\n${pay.body.package}\n`;
    expect(verify('sha256', Buffer.from(message), createPublicKey(merchantCert), Buffer.from(pay.body.paySign, 'base64'))).toBe(true);

    const paid = await buyer()('POST', `/api/mp/orders/${order.orderNo}/sandbox-pay`);
    expect(paid.body.status).toBe('PAID');
    const refund = await requestRefund(server.baseUrl, token, order.orderNo, 300);
    expect((await admin.call('POST', `/api/admin/refunds/${refund.refundNo}/approve`)).status).toBe(200);
    await waitForRefundStatus(admin, refund.refundNo, 'REFUNDED');
    const d = await detail(refund.refundNo);
    const calls = d.wechatCalls as Call[];
    expect(calls.map((c) => c.endpoint)).toContain('POST /v3/refund/domestic/refunds');
    expect(calls.some((c) => c.endpoint.startsWith('/secapi'))).toBe(false); // nothing went out over v2
    expect(d.events.at(-1)).toMatchObject({ to: 'REFUNDED', actor: 'wechat:notify' });
    const atWechat = (await sandboxControl(server, 'GET', '/sandbox/refunds')).body.items.find((x: { outRefundNo: string }) => x.outRefundNo === refund.refundNo);
    expect(atWechat).toMatchObject({ protocol: 'v3', refundFee: 300, status: 'SUCCESS' });
  });

  it('lost notifications: the reconciler’s v3 query settles the refund', async () => {
    await sandboxControl(server, 'PUT', '/sandbox/faults', { loseNotifications: 1 });
    const order = await placePaidOrder(server.baseUrl, token);
    const refund = await requestRefund(server.baseUrl, token, order.orderNo, 200);
    await admin.call('POST', `/api/admin/refunds/${refund.refundNo}/approve`);
    await waitForRefundStatus(admin, refund.refundNo, 'REFUNDED');
    const d = await detail(refund.refundNo);
    expect(d.events.at(-1)).toMatchObject({ to: 'REFUNDED', actor: 'wechat:query' });
    expect((d.wechatCalls as Call[]).some((c) => c.endpoint === `GET /v3/refund/domestic/refunds/${refund.refundNo}`)).toBe(true);
  });

  it('retryable v3 errors are retried with the same out_refund_no; a final one is shown with WeChat’s code', async () => {
    const order = await placePaidOrder(server.baseUrl, token);
    const retried = await requestRefund(server.baseUrl, token, order.orderNo, 100);
    await sandboxControl(server, 'PUT', '/sandbox/faults', { refund: [{ code: 'SYSTEM_ERROR', times: 1, outRefundNo: retried.refundNo }, { code: 'NOT_ENOUGH', times: 1, outRefundNo: retried.refundNo }] });
    await admin.call('POST', `/api/admin/refunds/${retried.refundNo}/approve`);
    await waitForRefundStatus(admin, retried.refundNo, 'REFUNDED');
    const statuses = ((await detail(retried.refundNo)).wechatCalls as Call[]).filter((c) => c.endpoint === 'POST /v3/refund/domestic/refunds').map((c) => c.httpStatus);
    expect(statuses.slice(0, 2)).toEqual([500, 403]);

    const other = await placePaidOrder(server.baseUrl, token);
    const refused = await requestRefund(server.baseUrl, token, other.orderNo, 100);
    await sandboxControl(server, 'PUT', '/sandbox/faults', { refund: [{ code: 'PARAM_ERROR', times: 1, outRefundNo: refused.refundNo }] });
    await admin.call('POST', `/api/admin/refunds/${refused.refundNo}/approve`);
    const failed = await waitForRefundStatus(admin, refused.refundNo, 'FAILED');
    expect(failed.failCode).toBe('PARAM_ERROR');
    expect(failed.actions).toContain('retry');
    expect(failed.actions).not.toContain('settle_abnormal');
  });

  it('ABNORMAL: FAILED with what to do, then sent to the merchant’s bank card and REFUNDED', async () => {
    const order = await placePaidOrder(server.baseUrl, token);
    const refund = await requestRefund(server.baseUrl, token, order.orderNo, 250);
    await sandboxControl(server, 'PUT', '/sandbox/faults', { settleAs: [{ status: 'ABNORMAL', times: 1, outRefundNo: refund.refundNo }] });
    await admin.call('POST', `/api/admin/refunds/${refund.refundNo}/approve`);
    const failed = await waitForRefundStatus(admin, refund.refundNo, 'FAILED');
    expect(failed).toMatchObject({ failCode: 'ABNORMAL', failReason: expect.stringContaining('退至商户银行卡') });
    expect(failed.actions).toEqual(expect.arrayContaining(['retry', 'settle_abnormal']));
    const o = (await buyer()('GET', `/api/mp/orders/${order.orderNo}`)).body;
    expect(o).toMatchObject({ status: 'REFUND_FAILED', refundedFen: 0 });

    expect((await admin.call('POST', `/api/admin/refunds/${refund.refundNo}/abnormal`, { type: 'USER_BANK_CARD' })).status).toBe(400);
    const settled = await admin.call('POST', `/api/admin/refunds/${refund.refundNo}/abnormal`, { type: 'MERCHANT_BANK_CARD' });
    expect(settled.status).toBe(200);
    expect(settled.body.status).toBe('REFUNDING');
    // a second click while it is with WeChat changes nothing
    expect((await admin.call('POST', `/api/admin/refunds/${refund.refundNo}/abnormal`, { type: 'MERCHANT_BANK_CARD' })).status).toBe(409);
    await waitForRefundStatus(admin, refund.refundNo, 'REFUNDED');
    const d = await detail(refund.refundNo);
    expect(d.events.map((e: { action: string }) => e.action)).toEqual(['request', 'approve', 'dispatch', 'fail', 'settle_abnormal', 'succeed']);
    expect(d.events.find((e: { action: string }) => e.action === 'settle_abnormal')).toMatchObject({ from: 'FAILED', to: 'REFUNDING', actor: expect.stringContaining('merchant') });
    expect((d.wechatCalls as Call[]).some((c) => c.endpoint.endsWith('/apply-abnormal-refund'))).toBe(true);
    const after = (await buyer()('GET', `/api/mp/orders/${order.orderNo}`)).body;
    expect(after.refundedFen).toBe(250);
  });

  it('a refund that is not ABNORMAL cannot be sent to the bank card (409, nothing changes)', async () => {
    const order = await placePaidOrder(server.baseUrl, token);
    const refund = await requestRefund(server.baseUrl, token, order.orderNo, 100);
    const r = await admin.call('POST', `/api/admin/refunds/${refund.refundNo}/abnormal`, { type: 'MERCHANT_BANK_CARD' });
    expect(r.status).toBe(409);
    expect((await detail(refund.refundNo)).status).toBe('REQUESTED');
  });

  it('duplicate v3 notifications: every copy answered, the money applied once', async () => {
    const order = await placePaidOrder(server.baseUrl, token);
    const refund = await requestRefund(server.baseUrl, token, order.orderNo, 150);
    await sandboxControl(server, 'PUT', '/sandbox/faults', { duplicateNotifications: 1 });
    await admin.call('POST', `/api/admin/refunds/${refund.refundNo}/approve`);
    await waitForRefundStatus(admin, refund.refundNo, 'REFUNDED');
    // the copies are all answered and stored: one applied, the rest duplicates
    const stored = await waitFor(
      () =>
        withDb(server.env.DATABASE_URL, async (db) => {
          const rows = await db.notification.findMany({ where: { refundNo: refund.refundNo } });
          return rows.length >= 2 && rows;
        }),
      10_000,
      200,
    );
    expect(stored.map((n) => n.outcome).sort()).toEqual(['applied', 'duplicate']);
    const d = await detail(refund.refundNo);
    expect(d.events.filter((e: { action: string }) => e.action === 'succeed')).toHaveLength(1);
    expect((await buyer()('GET', `/api/mp/orders/${order.orderNo}`)).body.refundedFen).toBe(150);
  });

  it('an unpaid order is closed at WeChat (v3 close) before its stock comes back', async () => {
    const order = await placeOrder(server.baseUrl, token);
    expect((await buyer()('POST', `/api/mp/orders/${order.orderNo}/pay`)).status).toBe(200); // WeChat holds a prepay
    await waitFor(async () => (await buyer()('GET', `/api/mp/orders/${order.orderNo}`)).body.status === 'CLOSED', 20_000, 250);
    // WeChat will take no payment for it now
    const pay = await sandboxControl(server, 'POST', '/sandbox/pay', { out_trade_no: order.orderNo });
    expect(pay.status).toBe(409);
  });

  it('forged v3 notifications are refused 4xx {"code":"FAIL"} and change nothing; a genuine one pays', async () => {
    const m = sandboxV3(server);
    const order = await placeOrder(server.baseUrl, token);
    const openid = 'o-forged';
    const resource = payResource(m, { outTradeNo: order.orderNo, total: order.totalFen, openid });
    const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const forgeries = {
      'bad signature': v3Notification(m, 'pay', resource, { tamper: (b) => b.replace('"summary":"支付成功"', '"summary":"支付成功 "') }),
      'stale timestamp': v3Notification(m, 'pay', resource, { now: new Date(Date.now() - 10 * 60_000) }),
      'unknown serial': v3Notification(m, 'pay', resource, { signWith: { key: stranger, serial: 'PUB_KEY_ID_0000000000000000000000000000000' } }),
      'wrong key': v3Notification(m, 'pay', resource, { signWith: { key: stranger, serial: m.publicKeyId } }),
      'wrong APIv3 key': v3Notification(m, 'pay', resource, { apiV3Key: 'W'.repeat(32) }),
      'another amount': v3Notification(m, 'pay', { ...resource, amount: { ...resource.amount, total: 1, payer_total: 1 } }),
    };
    for (const [name, n] of Object.entries(forgeries)) {
      const r = await postV3Notify(server.baseUrl, 'pay', n);
      expect(r.status, name).toBeGreaterThanOrEqual(400);
      expect(r.status, name).toBeLessThan(500);
      expect(r.json, name).toMatchObject({ code: 'FAIL', message: expect.any(String) });
      expect((await buyer()('GET', `/api/mp/orders/${order.orderNo}`)).body.status, name).toBe('UNPAID');
    }
    const genuine = v3Notification(m, 'pay', resource);
    if (protocol === 'v3-public-key') {
      expect((await postV3Notify(server.baseUrl, 'pay', genuine)).status).toBe(204);
      expect((await buyer()('GET', `/api/mp/orders/${order.orderNo}`)).body.status).toBe('PAID');
      expect((await postV3Notify(server.baseUrl, 'pay', genuine)).status).toBe(204); // a duplicate: nothing more
    } else {
      // platform-certificate mode trusts only certificates from /v3/certificates: the public key's signature is an unknown serial
      expect((await postV3Notify(server.baseUrl, 'pay', genuine)).status).toBe(400);
      expect((await buyer()('GET', `/api/mp/orders/${order.orderNo}`)).body.status).toBe('UNPAID');
    }
  });

  it('a forged v3 refund notification moves no money', async () => {
    const m = sandboxV3(server);
    const order = await placePaidOrder(server.baseUrl, token);
    const refund = await requestRefund(server.baseUrl, token, order.orderNo, 100);
    const resource = refundResource(m, { outRefundNo: refund.refundNo, outTradeNo: order.orderNo, total: order.totalFen, refund: 100 });
    const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    for (const n of [
      v3Notification(m, 'refund', resource, { signWith: { key: stranger, serial: m.publicKeyId } }),
      v3Notification(m, 'refund', resource, { apiV3Key: 'W'.repeat(32) }),
      v3Notification(m, 'refund', resource, { now: new Date(Date.now() - 6 * 60_000) }),
    ]) {
      expect((await postV3Notify(server.baseUrl, 'refund', n)).status).toBe(400);
    }
    // even a genuine-looking one cannot settle a refund that never went to WeChat
    if (protocol === 'v3-public-key') expect((await postV3Notify(server.baseUrl, 'refund', v3Notification(m, 'refund', resource))).status).toBe(400);
    expect((await detail(refund.refundNo)).status).toBe('REQUESTED');
    expect((await buyer()('GET', `/api/mp/orders/${order.orderNo}`)).body.refundedFen).toBe(0);
  });

  it('hostile bodies on the v3 routes: 4xx {"code":"FAIL"}, stored as received, nothing else changes', async () => {
    const bodies = ['', 'not json', '{"id":1}', '[]', JSON.stringify({ resource: { ciphertext: 'AAAA', nonce: 'x', algorithm: 'AEAD_AES_256_GCM' } })];
    for (const kind of ['pay', 'refund'] as const) {
      for (const body of bodies) {
        const res = await fetch(`${server.baseUrl}/api/wxpay/v3/notify/${kind}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
        expect(res.status, `${kind} ${body}`).toBe(400);
        expect(await res.json()).toMatchObject({ code: 'FAIL' });
      }
    }
    const big = await fetch(`${server.baseUrl}/api/wxpay/v3/notify/refund`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: 'x'.repeat(64 * 1024 + 1) });
    expect(big.status).toBe(413);
    expect(await big.json()).toMatchObject({ code: 'FAIL' });
    const rejected = await withDb(server.env.DATABASE_URL, (db) => db.notification.count({ where: { outcome: 'rejected', body: 'not json' } }));
    expect(rejected).toBe(2);
  });

  it('no secret in the logs or in the stored calls: APIv3 key, merchant private key, Authorization', async () => {
    const m = sandboxV3(server);
    const keyLines = readFileSync(`${server.dataDir}/sandbox/apiclient_key.pem`, 'utf8')
      .split('\n')
      .filter((l) => l.length >= 40 && !l.startsWith('-----'));
    const calls = await withDb(server.env.DATABASE_URL, (db) => db.wechatCall.findMany({ where: { endpoint: { startsWith: 'POST /v3/' } } }));
    expect(calls.length).toBeGreaterThan(0);
    const stored = JSON.stringify(calls);
    for (const secret of [m.apiV3Key, ...keyLines.slice(0, 3)]) {
      expect(server.logs().includes(secret)).toBe(false);
      expect(stored.includes(secret)).toBe(false);
    }
    expect(stored).not.toMatch(/WECHATPAY2-SHA256-RSA2048/);
  });
});
