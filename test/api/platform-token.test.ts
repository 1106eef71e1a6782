// WeChat's access token through the real server: fetched once and kept in the database (PlatformToken),
// renewed when WeChat says it expired in the middle of the day's work (the upload that met the expired
// token still goes through, once), never shown in a log or an admin answer; and, on PostgreSQL, one token
// shared by two instances: fetched by one, used by the other, renewed by one, picked up by the other.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminSession, buyerLogin, placePaidOrder, type AdminSession } from '../helpers/api.ts';
import { startCluster, type Cluster } from '../helpers/cluster.ts';
import { onPostgres, withDb } from '../helpers/database.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { embeddedControl, platformCallsAt, shipVia, shippingAtWechat, shippingInDb, waitUploaded, type SandboxControl } from '../helpers/shipping.ts';

async function tokenRows(databaseUrl: string) {
  return withDb(databaseUrl, (db) => db.platformToken.findMany());
}

async function tokenStats(control: SandboxControl) {
  const r = await control('GET', '/sandbox/tokens');
  expect(r.status).toBe(200);
  return r.body as { issued: number; live: number; requests: number };
}

/** Ships through `admin` and waits for WeChat to have it: one accepted upload, no re-ship. Keeps the admin
 * answers in `shown`. */
async function shipAndUpload(admin: AdminSession, control: SandboxControl, databaseUrl: string, orderNo: string, shown: unknown[] = []) {
  const shipped = await shipVia(admin, orderNo);
  expect(shipped.status, JSON.stringify(shipped.body)).toBe(200);
  shown.push(shipped.body, await waitUploaded(admin, orderNo));
  const { transactionId } = await shippingInDb(databaseUrl, orderNo);
  const { items } = await shippingAtWechat(control, transactionId);
  expect(items.map((i) => [i.accepted, i.reships, i.uploads.length])).toEqual([[1, 0, 1]]);
}

/** The platform calls WeChat saw since `from`, as [api, errcode]. */
async function callsSince(control: SandboxControl, from: number) {
  return (await platformCallsAt(control)).slice(from).map((c) => [c.api, c.errcode]);
}

describe('the platform token of one server', () => {
  let server: TestServer;
  let admin: AdminSession;
  let control: SandboxControl;

  beforeAll(async () => {
    server = await startServer();
    admin = await adminSession(server.baseUrl);
    control = embeddedControl(server);
  });

  afterAll(async () => {
    await server?.stop();
  });

  it('expires mid-way: the next upload is refused once, renewed, sent once; the row holds the new token; no token is shown anywhere', async () => {
    const url = server.env.DATABASE_URL;
    const shown: unknown[] = []; // every admin answer
    const buyer = await buyerLogin(server.baseUrl);
    const first = await placePaidOrder(server.baseUrl, buyer);
    const second = await placePaidOrder(server.baseUrl, buyer);
    expect(await tokenRows(url)).toEqual([]);
    expect(await tokenStats(control)).toMatchObject({ issued: 0, requests: 0 });

    await shipAndUpload(admin, control, url, first.orderNo, shown);
    const [before, ...more] = await tokenRows(url);
    expect(more).toEqual([]);
    expect(before.accessToken).toMatch(/^86_/);
    expect(await tokenStats(control)).toMatchObject({ issued: 1, live: 1, requests: 1 });

    const expired = await control('POST', '/sandbox/platform/faults', { expireTokens: true });
    expect(expired.status).toBe(200);
    expect(expired.body.expiredTokens).toBe(1);
    expect(await tokenStats(control)).toMatchObject({ issued: 1, live: 0 });

    const from = (await platformCallsAt(control)).length;
    await shipAndUpload(admin, control, url, second.orderNo, shown);
    // the cached token was refused (42001, before the shipping logic), one stable_token, the upload again
    expect(await callsSince(control, from)).toEqual([
      ['upload_shipping_info', 42001],
      ['stable_token', 0],
      ['upload_shipping_info', 0],
    ]);
    const [after, ...others] = await tokenRows(url);
    expect(others).toEqual([]);
    expect(after.accessToken).not.toBe(before.accessToken);
    expect(after.expiresAt.getTime()).toBeGreaterThan(before.expiresAt.getTime());
    expect(await tokenStats(control)).toMatchObject({ issued: 2, live: 1, requests: 2 });
    // the renewed call is one call of ours, recorded once, without an error
    const calls = (await shippingInDb(url, second.orderNo)).calls;
    expect(calls.map((c) => [c.endpoint, c.error])).toEqual([['/wxa/sec/order/upload_shipping_info', null]]);

    // no token in an admin answer (the ship, the order, the list, the dashboard), the log, or the evidence
    for (const p of [`/api/admin/orders/${first.orderNo}`, `/api/admin/orders/${second.orderNo}`, '/api/admin/orders?pageSize=100', '/api/admin/stats']) {
      const r = await admin.call('GET', p);
      expect(r.status).toBe(200);
      shown.push(r.body);
    }
    const answers = JSON.stringify(shown);
    const evidence = await withDb(url, (db) => db.wechatCall.findMany()).then((rows) => JSON.stringify(rows));
    for (const t of [before.accessToken, after.accessToken]) {
      expect(answers.includes(t), 'a token in an admin answer').toBe(false);
      expect(server.logs().includes(t), 'a token in the server log').toBe(false);
      expect(evidence.includes(t), 'a token in the WechatCall rows').toBe(false);
    }
  });
});

describe.skipIf(!onPostgres)('one platform token for two instances on one PostgreSQL', () => {
  let cluster: Cluster;
  const paused = new Set<TestServer>();
  // SIGSTOP holds one instance still (its cached token kept, its worker silent) so that the other is the one
  // that sends: which instance fetches, reads or renews the token is then certain
  function pause(s: TestServer) {
    s.child.kill('SIGSTOP');
    paused.add(s);
  }
  function resume(s: TestServer) {
    s.child.kill('SIGCONT');
    paused.delete(s);
  }

  beforeAll(async () => {
    cluster = await startCluster(2);
  }, 120_000);

  afterAll(async () => {
    for (const s of paused) resume(s);
    await cluster?.stop();
  });

  it('one fetches it, the other uses it; after expiry one renews it and the other picks the new one up', async () => {
    const [a, b] = cluster.servers;
    const [adminA, adminB] = await Promise.all([adminSession(a.baseUrl), adminSession(b.baseUrl)]);
    const control = cluster.sandbox.control;
    const url = cluster.databaseUrl;
    const buyer = await buyerLogin(a.baseUrl);
    const orders: string[] = [];
    for (let i = 0; i < 4; i += 1) orders.push((await placePaidOrder(a.baseUrl, buyer)).orderNo);
    const from = (await platformCallsAt(control)).length;

    pause(b);
    await shipAndUpload(adminA, control, url, orders[0]); // A fetches the token and stores it
    resume(b);
    pause(a);
    await shipAndUpload(adminB, control, url, orders[1]); // B finds it in the database
    expect(await tokenStats(control)).toMatchObject({ issued: 1, requests: 1 });
    const [shared] = await tokenRows(url);

    expect((await control('POST', '/sandbox/platform/faults', { expireTokens: true })).body.expiredTokens).toBe(1);
    await shipAndUpload(adminB, control, url, orders[2]); // B meets the expired token and renews it
    resume(a);
    pause(b);
    await shipAndUpload(adminA, control, url, orders[3]); // A's cached token is refused: it takes B's new one
    resume(b);

    expect(await callsSince(control, from)).toEqual([
      ['stable_token', 0],
      ['upload_shipping_info', 0],
      ['upload_shipping_info', 0],
      ['upload_shipping_info', 42001],
      ['stable_token', 0],
      ['upload_shipping_info', 0],
      ['upload_shipping_info', 42001],
      ['upload_shipping_info', 0],
    ]);
    expect(await tokenStats(control)).toMatchObject({ issued: 2, live: 1, requests: 2 });
    const rows = await tokenRows(url);
    expect(rows).toHaveLength(1);
    expect(rows[0].accessToken).not.toBe(shared.accessToken);
    for (const s of [a, b]) expect(s.logs().includes(rows[0].accessToken) || s.logs().includes(shared.accessToken)).toBe(false);
  });
});
