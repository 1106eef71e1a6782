// Crash safety of the outbox (the shipping upload to WeChat): SIGKILL after the worker claimed the message
// and committed the claim but before it called WeChat (`outbox-before-call`), and after WeChat accepted the
// upload but before the answer was recorded (`outbox-after-call`). The restarted server finds the message
// PENDING with its lease, waits the lease out, asks WeChat's get_order first (the outcome is unknown), and
// ends with exactly one accepted upload: sent after the restart in the first case, never again in the second.
// Then the same promise without a crash: an answer lost on the way (the connection dropped after WeChat
// acted), also when asking get_order fails, and when the merchant retries a message the outbox gave up on.
import { afterEach, describe, expect, it } from 'vitest';
import { adminSession, buyerLogin, placePaidOrder, waitFor, type AdminSession } from '../helpers/api.ts';
import { freePort, startArmed, waitForExit } from '../helpers/crash.ts';
import { withDb } from '../helpers/database.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import {
  embeddedControl,
  GET_ORDER,
  platformCallsAt,
  shipVia,
  shippingAtWechat,
  shippingInDb,
  UPLOAD,
  waitUploaded,
} from '../helpers/shipping.ts';

const started: TestServer[] = [];
afterEach(async () => {
  await Promise.allSettled(started.splice(0).map((s) => s.stop()));
});

/** What WeChat holds of this payment: exactly one record, one accepted upload, no re-ship, shipped (2). */
async function uploadedOnceAtWechat(server: TestServer, transactionId: string) {
  const { items, unkeyed } = await shippingAtWechat(embeddedControl(server), transactionId);
  expect(unkeyed).toEqual([]);
  expect(items).toHaveLength(1);
  expect(items[0]).toMatchObject({ transactionId, accepted: 1, reships: 0, orderState: 2 });
  expect(items[0].uploads.map((u) => u.errcode)).toEqual([0]); // one upload reached WeChat's shipping logic, no refused one
  return items[0];
}

describe('killed while sending the shipping upload', () => {
  for (const point of ['outbox-before-call', 'outbox-after-call'] as const) {
    const wechatHadIt = point === 'outbox-after-call';

    it(`${point}: after the restart the order is UPLOADED, accepted once by WeChat, never re-shipped`, async () => {
      // a short WeChat deadline makes a short claim lease (3 × timeout + 5 s): the restart waits it out
      const env = { WXPAY_TIMEOUT_MS: '1000', PORT: String(await freePort()) };
      const armed = await startArmed(point, { env });
      expect(armed.died, armed.output).toBe(false);
      const first = armed.server!;
      started.push(first);
      const token = await buyerLogin(first.baseUrl);
      const order = await placePaidOrder(first.baseUrl, token);
      const admin = await adminSession(first.baseUrl);

      // the ship commits, then wakes the worker, which dies at its point: the answer may or may not get out
      const shipped = await shipVia(admin, order.orderNo).catch((err: Error) => err);
      if (!(shipped instanceof Error)) expect(shipped.status, JSON.stringify(shipped.body)).toBe(200);
      const end = await waitForExit(first, 20_000).catch((err: Error) => {
        throw new Error(`${err.message}: crash point ${point} was never reached\n${first.logs().slice(-3000)}`);
      });
      expect(end.signal, `the server should die by its crash point ${point}`).toBe('SIGKILL');

      // with the server down: shipped, the message claimed (PENDING, in flight, its lease ahead), nothing recorded
      const down = await shippingInDb(first.env.DATABASE_URL, order.orderNo);
      expect(down.shippingStatus).toBe('SHIPPED');
      expect(down.outbox).toMatchObject({ kind: 'wechat.shipping', status: 'PENDING', attempts: 1, lastError: null, doneAt: null, inFlightAt: expect.any(Date) });
      expect(down.outbox!.nextAttemptAt!.getTime()).toBeGreaterThan(down.outbox!.inFlightAt!.getTime());
      // after-call: the upload's evidence was kept by the handler before the worker died; before-call: no call
      expect(down.calls.map((c) => c.endpoint)).toEqual(wechatHadIt ? [UPLOAD] : []);

      const restartedAt = Date.now();
      const second = await startServer({ dataDir: first.dataDir, env });
      started.push(second);
      const admin2 = await adminSession(second.baseUrl);
      const o = await waitUploaded(admin2, order.orderNo, 30_000);
      expect(o).toMatchObject({ shippingStatus: 'SHIPPED', wechatShipping: { status: 'UPLOADED', lastError: null, attempts: 2 } });

      const atWechat = await uploadedOnceAtWechat(second, down.transactionId);
      // the embedded sandbox kept its state in the data folder: after-call, WeChat had the upload before the
      // crash and was only asked after it; before-call, the one upload went out after the restart
      if (wechatHadIt) expect(atWechat.uploads[0].at).toBeLessThan(restartedAt);
      else expect(atWechat.uploads[0].at).toBeGreaterThanOrEqual(restartedAt);

      const after = await shippingInDb(second.env.DATABASE_URL, order.orderNo);
      expect(after.outbox).toMatchObject({ status: 'DONE', attempts: 2, inFlightAt: null, lastError: null, nextAttemptAt: null });
      // the outcome was unknown, so WeChat was asked first: after-call it said shipped, and nothing was sent again
      expect(after.calls.map((c) => c.endpoint)).toEqual(wechatHadIt ? [UPLOAD, GET_ORDER] : [GET_ORDER, UPLOAD]);
      expect(after.calls.map((c) => c.error)).toEqual([null, null]);
      expect(second.logs()).not.toMatch(/"level":50/); // nothing logged as an error after the restart
    });
  }
});

describe('an upload whose answer was lost, without a crash', () => {
  /** A server whose platform token is already fetched (one order shipped and uploaded), so that the armed
   * platform faults meet the shipping calls and not the token's. */
  async function warmServer(env: Record<string, string> = {}) {
    const server = await startServer({ env });
    started.push(server);
    const admin = await adminSession(server.baseUrl);
    const token = await buyerLogin(server.baseUrl);
    const warm = await placePaidOrder(server.baseUrl, token);
    expect((await shipVia(admin, warm.orderNo)).status).toBe(200);
    await waitUploaded(admin, warm.orderNo);
    return { server, admin, token, control: embeddedControl(server) };
  }

  async function shipAnother(server: TestServer, admin: AdminSession, token: string) {
    const order = await placePaidOrder(server.baseUrl, token);
    const r = await shipVia(admin, order.orderNo);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    return order.orderNo as string;
  }

  it('WeChat accepted but the connection dropped, and the get_order that follows is lost too: not sent again until WeChat answers', async () => {
    const { server, admin, token, control } = await warmServer();
    // the next two platform calls are done by WeChat, then their connections cut: the upload, then get_order
    const armed = await control('POST', '/sandbox/platform/faults', { failNext: 2, mode: 'dropAfter' });
    expect(armed.status).toBe(200);
    const callsBefore = (await platformCallsAt(control)).length;
    const orderNo = await shipAnother(server, admin, token);

    const o = await waitUploaded(admin, orderNo);
    expect(o.wechatShipping).toMatchObject({ status: 'UPLOADED', lastError: null, attempts: 3 });
    const calls = (await platformCallsAt(control)).slice(callsBefore).map((c) => [c.api, c.errcode, c.fault]);
    expect(calls).toEqual([
      ['upload_shipping_info', 0, 'dropAfter'], // accepted; we never heard
      ['get_order', 0, 'dropAfter'], // asked; we never heard: still unknown, so no upload
      ['get_order', 0, null], // asked again: shipped
    ]);
    const db = await shippingInDb(server.env.DATABASE_URL, orderNo);
    expect(db.calls.map((c) => c.endpoint)).toEqual([UPLOAD, GET_ORDER, GET_ORDER]);
    expect(db.outbox).toMatchObject({ status: 'DONE', attempts: 3, inFlightAt: null });
    await uploadedOnceAtWechat(server, db.transactionId);
  });

  it('the merchant retries a message the outbox gave up on after an unknown outcome: WeChat is asked before anything is sent', async () => {
    // a long back-off keeps the message waiting after its first try, for the test to play the tries that follow
    const { server, admin, token, control } = await warmServer({ RETRY_BASE_MS: '120000' });
    expect((await control('POST', '/sandbox/platform/faults', { failNext: 1, mode: 'dropAfter', api: 'upload_shipping_info' })).status).toBe(200);
    const orderNo = await shipAnother(server, admin, token);
    const cause = `shipping:${orderNo}`;
    await waitFor(async () => (await shippingInDb(server.env.DATABASE_URL, orderNo)).outbox?.lastError, 15_000, 50);

    // the eleven tries that followed never reached WeChat (say it was down), and the outbox gave up: FAILED,
    // as the worker leaves a message after its last attempt
    const gaveUp = await withDb(server.env.DATABASE_URL, (db) =>
      db.outboxMessage.updateMany({
        where: { causeKey: cause, status: 'PENDING', attempts: 1, inFlightAt: null },
        data: { status: 'FAILED', attempts: 12, lastError: 'network: ECONNREFUSED', nextAttemptAt: null },
      }),
    );
    expect(gaveUp.count).toBe(1);
    expect((await admin.call('GET', `/api/admin/orders/${orderNo}`)).body.wechatShipping).toMatchObject({ status: 'FAILED', attempts: 12 });

    const retried = await admin.call('POST', `/api/admin/orders/${orderNo}/wechat-shipping/retry`);
    expect(retried.status, JSON.stringify(retried.body)).toBe(200);
    const o = await waitUploaded(admin, orderNo);
    expect(o.wechatShipping).toMatchObject({ status: 'UPLOADED', lastError: null, attempts: 1 });
    const db = await shippingInDb(server.env.DATABASE_URL, orderNo);
    // the upload that was accepted unheard, then (after the merchant's retry) get_order, which said shipped
    expect(db.calls.map((c) => c.endpoint)).toEqual([UPLOAD, GET_ORDER]);
    await uploadedOnceAtWechat(server, db.transactionId);
  });
});
