// The platform SDK against the sandbox over real TLS: one shared token, renewal and one retry, WeChat's shipping
// and re-ship rules on a really paid trade, subscribe messages, failures and their classes, no token in the evidence.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../server/sandbox/start.ts';
import { WechatPlatformClient, type PlatformCallRecord } from '../../server/wechat/platform/client.ts';
import { maskPhone, type ShippingUpload } from '../../server/wechat/platform/shipping.ts';
import { MemoryTokenStore, type StoredToken } from '../../server/wechat/platform/token.ts';
import {
  control,
  paidTrade,
  platformCall,
  platformCalls,
  platformFaults,
  shippingUploadsOf,
  stableToken,
  startReceiver,
  subscribeMessages,
  tokenStats,
  type Receiver,
} from '../helpers/sandbox-client.ts';

let sandbox: Sandbox;
let receiver: Receiver;
let dataDir: string;
const clients: WechatPlatformClient[] = [];
/** Every call record any test got back, and every token any store held: checked against each other at the end. */
const records: PlatformCallRecord[] = [];
const tokensSeen = new Set<string>();

/** A MemoryTokenStore that remembers every token put into it. */
class WatchedStore extends MemoryTokenStore {
  override async put(t: StoredToken): Promise<void> {
    tokensSeen.add(t.accessToken);
    await super.put(t);
  }
}

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sandbox-platform-'));
  sandbox = await startSandbox({ dataDir, settleDelayMs: 50, notifyRetryScale: 0.001, latencyMs: { min: 0, max: 0 } });
  receiver = await startReceiver();
});

afterEach(async () => {
  await control(sandbox, 'DELETE', '/sandbox/faults'); // clears the platform faults too
});

afterAll(async () => {
  for (const c of clients) c.close();
  await sandbox?.close();
  await receiver?.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

function client(store = new WatchedStore(), over: { timeoutMs?: number; secret?: string } = {}): WechatPlatformClient {
  const c = new WechatPlatformClient({
    apiBase: sandbox.baseUrl,
    appid: sandbox.merchant.appid,
    secret: over.secret ?? sandbox.merchant.appSecret,
    tokenStore: store,
    ca: sandbox.caPem,
    timeoutMs: over.timeoutMs ?? 5000,
  });
  clients.push(c);
  return c;
}

/** Awaits a client call and keeps its record for the last test. */
async function kept<T extends { call: PlatformCallRecord }>(p: Promise<T>): Promise<T> {
  const r = await p;
  records.push(r.call);
  return r;
}

const upload = (t: { transactionId: string; openid: string }, over: Partial<ShippingUpload> = {}): ShippingUpload => ({
  transactionId: t.transactionId,
  openid: t.openid,
  expressCompany: 'SF',
  trackingNo: 'SF1000000001',
  itemDesc: '茶叶礼盒*1',
  receiverContact: maskPhone('13800000000'),
  ...over,
});

const callsOf = async (api: string) => (await platformCalls(sandbox)).filter((c) => c.api === api);

describe('the access token', () => {
  it('is fetched once for concurrent callers and shared by two clients through one store', async () => {
    await platformFaults(sandbox, { expireTokens: true }); // whatever earlier tests left: the next token is new
    const before = await tokenStats(sandbox);
    const trade = await paidTrade(sandbox, receiver, 100);
    const store = new WatchedStore();
    const a = client(store);
    const b = client(store);
    const first = await Promise.all([1, 2, 3, 4, 5].map(() => kept(a.getShippingOrder(trade.transactionId))));
    for (const r of first) expect(r.outcome).toMatchObject({ kind: 'ok', orderState: 1 });
    expect((await kept(b.getShippingOrder(trade.transactionId))).outcome.kind).toBe('ok');
    const after = await tokenStats(sandbox);
    expect(after.issued - before.issued).toBe(1);
    expect(after.requests - before.requests).toBe(1); // b found the token in the store
    expect(store.puts).toBe(1);
  });

  it('is renewed when less than 5 minutes are left (stable_token then answers the live token)', async () => {
    const live = await stableToken(sandbox);
    const store = new WatchedStore();
    await store.put({ accessToken: live.access_token!, expiresAt: new Date(Date.now() + 4 * 60_000) });
    const before = await tokenStats(sandbox);
    expect((await kept(client(store).getShippingOrder('4200000000000000000000000001'))).outcome).toMatchObject({ errcode: 10060001 });
    const after = await tokenStats(sandbox);
    expect(after.requests - before.requests).toBe(1);
    expect(after.issued).toBe(before.issued);
    const stored = await store.get();
    expect(stored!.accessToken).toBe(live.access_token);
    expect(stored!.expiresAt.getTime()).toBeGreaterThan(Date.now() + 60 * 60_000);
  });

  it('expired mid-way (fault): the call gets 42001, the client renews and retries once, and succeeds', async () => {
    const trade = await paidTrade(sandbox, receiver, 100);
    const store = new WatchedStore();
    const c = client(store);
    expect((await kept(c.getShippingOrder(trade.transactionId))).outcome.kind).toBe('ok');
    const oldToken = (await store.get())!.accessToken;
    const expired = await platformFaults(sandbox, { expireTokens: true });
    expect(expired.expiredTokens).toBeGreaterThanOrEqual(1);
    const before = (await callsOf('get_order')).length;

    const r = await kept(c.getShippingOrder(trade.transactionId));
    expect(r.outcome).toMatchObject({ kind: 'ok', orderState: 1 });
    expect(r.call.tokenRenewed).toBe(true);
    expect((await callsOf('get_order')).slice(before).map((x) => x.errcode)).toEqual([42001, 0]);
    expect((await store.get())!.accessToken).not.toBe(oldToken);
  });

  it('retries only once: a token refused twice is reported, as retryable', async () => {
    const c = client();
    await kept(c.getShippingOrder('4200000000000000000000000002')); // a token in hand
    await platformFaults(sandbox, { failNext: 2, errcode: 40001, api: 'get_order' });
    const before = (await callsOf('get_order')).length;
    const r = await kept(c.getShippingOrder('4200000000000000000000000002'));
    expect(r.outcome).toEqual({ kind: 'error', errcode: 40001, errmsg: expect.stringContaining('sandbox fault'), retryable: true });
    expect(r.call.tokenRenewed).toBe(true);
    expect((await callsOf('get_order')).length - before).toBe(2);
  });

  it('a wrong secret is a final error, and its record keeps neither the secret nor a token', async () => {
    const r = await kept(client(new WatchedStore(), { secret: 'not-the-secret-0123456789' }).getShippingOrder('4200000000000000000000000003'));
    expect(r.outcome).toMatchObject({ kind: 'error', errcode: 40125, retryable: false });
    expect(r.call.endpoint).toBe('/cgi-bin/stable_token');
    expect(r.call.request).toEqual({ grant_type: 'client_credential', appid: sandbox.merchant.appid });
    expect(JSON.stringify(r.call)).not.toContain('not-the-secret');
  });
});

describe('stable_token in the sandbox', () => {
  it('answers the same token while it lives, a new one when forced, and the old one is then refused', async () => {
    const a = await stableToken(sandbox);
    const b = await stableToken(sandbox, false);
    expect(a.access_token).toMatch(/^\d+_[\w-]{100,}$/);
    expect(b.access_token).toBe(a.access_token);
    expect(b.expires_in).toBeGreaterThan(0);
    expect(b.expires_in).toBeLessThanOrEqual(7200);
    const forced = await stableToken(sandbox, true);
    expect(forced.access_token).not.toBe(a.access_token);
    expect(forced.expires_in).toBe(7200);
    const withOld = await platformCall(sandbox, '/wxa/sec/order/get_order', { transaction_id: 'x' }, a.access_token);
    expect(withOld.json.errcode).toBe(40001);
    expect((await stableToken(sandbox)).access_token).toBe(forced.access_token);
  });

  it('checks appid, secret and grant_type, and every API checks the token', async () => {
    const m = sandbox.merchant;
    const ask = (body: unknown) => platformCall(sandbox, '/cgi-bin/stable_token', body);
    expect((await ask({ grant_type: 'client_credential', appid: 'wx0', secret: m.appSecret })).json.errcode).toBe(40013);
    expect((await ask({ grant_type: 'client_credential', appid: m.appid, secret: 'x' })).json.errcode).toBe(40125);
    expect((await ask({ grant_type: 'password', appid: m.appid, secret: m.appSecret })).json.errcode).toBe(40002);
    expect((await platformCall(sandbox, '/wxa/sec/order/get_order', { transaction_id: 'x' })).json.errcode).toBe(41001);
    expect((await platformCall(sandbox, '/wxa/sec/order/get_order', { transaction_id: 'x' }, 'unknown')).json.errcode).toBe(40001);
    const token = (await stableToken(sandbox)).access_token!;
    await platformFaults(sandbox, { expireTokens: true });
    expect((await platformCall(sandbox, '/cgi-bin/message/subscribe/send', {}, token)).json.errcode).toBe(42001);
  });
});

describe('shipping', () => {
  it('an upload for a transaction WeChat does not know is 10060001, final', async () => {
    const r = await kept(client().uploadShippingInfo(upload({ transactionId: '4200000000000000000000009999', openid: 'oNobody' })));
    expect(r.outcome).toMatchObject({ kind: 'error', errcode: 10060001, retryable: false });
    expect(r.call.endpoint).toBe('/wxa/sec/order/upload_shipping_info');
    const seen = await shippingUploadsOf(sandbox, '4200000000000000000000009999');
    expect(seen).toMatchObject({ accepted: 0, reships: 0, orderState: null });
    expect(seen.uploads.map((u: { errcode: number }) => u.errcode)).toEqual([10060001]);
  });

  it('a paid trade: the first upload ships it, the second is the one re-ship, the third is 10060003', async () => {
    const trade = await paidTrade(sandbox, receiver, 1000);
    const c = client();
    expect((await kept(c.getShippingOrder(trade.transactionId))).outcome).toMatchObject({ kind: 'ok', orderState: 1 });

    const first = await kept(c.uploadShippingInfo(upload(trade)));
    expect(first.outcome).toEqual({ kind: 'ok' });
    expect(first.call.request).toMatchObject({ order_key: { transaction_id: trade.transactionId }, payer: { openid: trade.openid } });
    expect(await shippingUploadsOf(sandbox, trade.transactionId)).toMatchObject({
      accepted: 1,
      reships: 0,
      orderState: 2,
      lastBody: { shipping_list: [{ tracking_no: 'SF1000000001', express_company: 'SF', contact: { receiver_contact: '138****0000' } }] },
    });
    const shipped = await kept(c.getShippingOrder(trade.transactionId));
    expect(shipped.outcome).toMatchObject({ kind: 'ok', orderState: 2, order: { shipping: { finish_shipping_count: 1 } } });

    const reship = await kept(c.uploadShippingInfo(upload(trade, { expressCompany: 'ZTO', trackingNo: 'ZTO2000000002', receiverContact: undefined })));
    expect(reship.outcome).toEqual({ kind: 'ok' });
    expect(await shippingUploadsOf(sandbox, trade.transactionId)).toMatchObject({
      accepted: 2,
      reships: 1,
      orderState: 2,
      lastBody: { shipping_list: [{ tracking_no: 'ZTO2000000002', express_company: 'ZTO' }] },
    });

    const third = await kept(c.uploadShippingInfo(upload(trade, { trackingNo: 'SF3000000003' })));
    expect(third.outcome).toMatchObject({ kind: 'error', errcode: 10060003, retryable: false });
    const record = await shippingUploadsOf(sandbox, trade.transactionId);
    expect(record).toMatchObject({ accepted: 2, reships: 1 });
    expect(record.uploads.map((u: { errcode: number; reship: boolean }) => [u.errcode, u.reship])).toEqual([
      [0, false],
      [0, true],
      [10060003, false],
    ]);
  });

  it('a confirmed receipt or a full refund ends shipping: order_state 3 / 5, and an upload is 10060004', async () => {
    const c = client();
    const received = await paidTrade(sandbox, receiver, 100);
    expect((await kept(c.uploadShippingInfo(upload(received)))).outcome.kind).toBe('ok');
    const confirmed = await control(sandbox, 'POST', `/sandbox/shipping-orders/${received.transactionId}/state`, { order_state: 3 });
    expect(confirmed).toMatchObject({ status: 200, json: { orderState: 3 } });
    expect((await kept(c.getShippingOrder(received.transactionId))).outcome).toMatchObject({ orderState: 3 });
    expect((await kept(c.uploadShippingInfo(upload(received, { trackingNo: 'SF9' })))).outcome).toMatchObject({ errcode: 10060004, retryable: false });

    const refunded = await paidTrade(sandbox, receiver, 100);
    const vendor = await control(sandbox, 'POST', '/sandbox/vendor-refund', { out_trade_no: refunded.outTradeNo, refund_fee: 100, notify_url: `${receiver.baseUrl}/notify/refund` });
    expect(vendor.status).toBe(200);
    expect((await kept(c.getShippingOrder(refunded.transactionId))).outcome).toMatchObject({ orderState: 5 });
    expect((await kept(c.uploadShippingInfo(upload(refunded)))).outcome).toMatchObject({ errcode: 10060004 });
    expect((await control(sandbox, 'POST', '/sandbox/shipping-orders/4200000000000000000000000005/state', { order_state: 4 })).status).toBe(409);
  });

  it('refuses another payer, and bodies that break WeChat’s rules', async () => {
    const trade = await paidTrade(sandbox, receiver, 100);
    const c = client();
    expect((await kept(c.uploadShippingInfo(upload({ ...trade, openid: 'oSomeoneElse' })))).outcome).toMatchObject({ errcode: 10060031, retryable: false });
    const token = (await stableToken(sandbox)).access_token!;
    const valid = {
      order_key: { order_number_type: 2, transaction_id: trade.transactionId },
      logistics_type: 1,
      delivery_mode: 1,
      shipping_list: [{ tracking_no: 'YT1', express_company: 'YTO', item_desc: '茶叶*1' }],
      upload_time: '2026-12-01T20:05:03.120+08:00',
      payer: { openid: trade.openid },
    };
    const entry = valid.shipping_list[0];
    const cases: [unknown, number][] = [
      ['{not json', 47001],
      [{ ...valid, payer: undefined }, 47001],
      [{ ...valid, shipping_list: [{ ...entry, express_company: 'NOPE' }] }, 10060014],
      [{ ...valid, shipping_list: [{ ...entry, express_company: 'SF' }] }, 10060014], // SF without a contact
      [{ ...valid, shipping_list: [{ ...entry, contact: { receiver_contact: '13800000000' } }] }, 10060014], // unmasked
      [{ ...valid, shipping_list: [{ ...entry, item_desc: '' }] }, 10060008],
      [{ ...valid, shipping_list: [{ ...entry, item_desc: 'x'.repeat(121) }] }, 10060009],
      [{ ...valid, shipping_list: [entry, entry] }, 268485228],
      [{ ...valid, upload_time: '2026-12-01 20:05:03' }, 268485216],
      [{ ...valid, logistics_type: 9 }, 10060005],
    ];
    for (const [body, errcode] of cases) {
      const r = await platformCall(sandbox, '/wxa/sec/order/upload_shipping_info', body, token);
      expect(r.json.errcode, JSON.stringify(body)).toBe(errcode);
    }
    expect(await shippingUploadsOf(sandbox, trade.transactionId)).toMatchObject({ accepted: 0, orderState: 1 });
    expect((await platformCall(sandbox, '/wxa/sec/order/upload_shipping_info', valid, token)).json).toMatchObject({ errcode: 0 });
  });
});

describe('subscribe messages', () => {
  it('are recorded for a known openid; 43101 for a buyer who did not subscribe is final; an unknown openid is 40003', async () => {
    const trade = await paidTrade(sandbox, receiver, 100);
    const c = client();
    const message = { touser: trade.openid, templateId: 'TPL_shipped', page: 'pages/orders/index', data: { thing1: '您的茶叶礼盒已经由顺丰速运发出请注意查收谢谢', character_string2: 'SF1000000001' } };
    const sent = await kept(c.sendSubscribeMessage(message));
    expect(sent.outcome).toMatchObject({ kind: 'ok', msgid: expect.any(String) });
    const stored = (await subscribeMessages(sandbox)).find((m) => m.msgid === Number((sent.outcome as { msgid: string }).msgid));
    expect(stored).toMatchObject({ touser: trade.openid, templateId: 'TPL_shipped', errcode: 0 });
    expect([...stored.body.data.thing1.value]).toHaveLength(20);

    await platformFaults(sandbox, { unsubscribed: [trade.openid] });
    expect((await kept(c.sendSubscribeMessage(message))).outcome).toMatchObject({ kind: 'error', errcode: 43101, retryable: false });
    expect((await kept(c.sendSubscribeMessage({ ...message, touser: 'oNeverSeen' }))).outcome).toMatchObject({ errcode: 40003, retryable: false });

    const token = (await stableToken(sandbox)).access_token!;
    const raw = (data: unknown) => platformCall(sandbox, '/cgi-bin/message/subscribe/send', { touser: trade.openid, template_id: 'T', data }, token);
    expect((await raw({ phrase1: { value: 'shipped' } })).json.errcode).toBe(47003); // a phrase is Chinese only
    expect((await raw({ thing1: { value: 'x'.repeat(21) } })).json.errcode).toBe(47003);
  });
});

describe('failures and their classes', () => {
  it('an errcode fault is answered without doing anything: -1 and 45009 are retryable', async () => {
    const trade = await paidTrade(sandbox, receiver, 100);
    const c = client();
    for (const errcode of [-1, 45009]) {
      await platformFaults(sandbox, { failNext: 1, errcode, api: 'upload_shipping_info' });
      const r = await kept(c.uploadShippingInfo(upload(trade)));
      expect(r.outcome).toMatchObject({ kind: 'error', errcode, retryable: true });
      expect(r.call.errcode).toBe(errcode);
    }
    expect(await shippingUploadsOf(sandbox, trade.transactionId)).toBeUndefined(); // WeChat saw no upload
  });

  it('a timeout and a dropped connection are retryable, with no errcode', async () => {
    const c = client(new WatchedStore(), { timeoutMs: 400 });
    await kept(c.getShippingOrder('4200000000000000000000000004')); // a token in hand
    await platformFaults(sandbox, { failNext: 1, mode: 'timeout', api: 'get_order' });
    const slow = await kept(c.getShippingOrder('4200000000000000000000000004'));
    expect(slow.outcome).toMatchObject({ kind: 'error', errcode: null, retryable: true });
    expect(slow.call.error).toMatch(/TIMEOUT/);
    await platformFaults(sandbox, { failNext: 1, mode: 'drop', api: 'get_order' });
    const dropped = await kept(c.getShippingOrder('4200000000000000000000000004'));
    expect(dropped.outcome).toMatchObject({ kind: 'error', errcode: null, retryable: true });
    expect(dropped.call.error).toMatch(/CONNECTION/);
  });

  it('a connection dropped after the upload was taken: get_order tells, so nobody uploads it again', async () => {
    const trade = await paidTrade(sandbox, receiver, 100);
    const c = client();
    await platformFaults(sandbox, { failNext: 1, mode: 'dropAfter', api: 'upload_shipping_info' });
    const r = await kept(c.uploadShippingInfo(upload(trade)));
    expect(r.outcome).toMatchObject({ kind: 'error', errcode: null, retryable: true });
    expect((await kept(c.getShippingOrder(trade.transactionId))).outcome).toMatchObject({ kind: 'ok', orderState: 2 });
    expect(await shippingUploadsOf(sandbox, trade.transactionId)).toMatchObject({ accepted: 1, reships: 0 });
  });
});

describe('the evidence', () => {
  it('no call record ever holds an access token or the app secret', () => {
    expect(records.length).toBeGreaterThan(20);
    expect(tokensSeen.size).toBeGreaterThan(1);
    for (const record of records) {
      const text = JSON.stringify(record);
      expect(text).not.toContain('access_token=');
      expect(text).not.toContain(sandbox.merchant.appSecret);
      for (const token of tokensSeen) expect(text).not.toContain(token);
    }
  });
});
