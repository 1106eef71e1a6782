// APIv3 notifications as WeChat POSTs them, over real HTTPS to a local receiver: verified on the raw bytes, then JSON, envelope, AES-GCM resource; resource validation.
import { X509Certificate, createPrivateKey } from 'node:crypto';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueServerCert, makeCa, newKeyPair, type KeyPair } from '../../server/sandbox/pki.ts';
import { encryptResource } from '../../server/wechatpay-v3/aes-gcm.ts';
import { PlatformCertificateStore, certificatesAnswerBody } from '../../server/wechatpay-v3/certificates.ts';
import { payNotifyResource, readV3Notification, refundNotifyResource, type V3NotifyRead } from '../../server/wechatpay-v3/notify.ts';
import { publicKeyMode, wechatpaySignatureHeaders, type WechatpayKeys } from '../../server/wechatpay-v3/verify.ts';

const PUB_KEY_ID = 'PUB_KEY_ID_0119000001092024010100000000000';
const API_V3_KEY = '0123456789abcdefghijklmnopqrstuv';
const MIN = 60_000;
const DAY = 24 * 60 * MIN;

const refundResource = {
  mchid: '1900000109',
  transaction_id: '1217752501201407033233368018',
  out_trade_no: 'ORDER20240101001',
  refund_id: '50000000382019052709732678859',
  out_refund_no: 'RF20240101001',
  refund_status: 'SUCCESS',
  success_time: '2024-01-01T10:40:00+08:00',
  user_received_account: '招商银行信用卡0403',
  amount: { total: 1000, refund: 300, payer_total: 1000, payer_refund: 300 },
};

const payResource = {
  appid: 'wxd930ea5d5a258f4f',
  mchid: '1900000109',
  out_trade_no: 'ORDER20240101001',
  transaction_id: '1217752501201407033233368018',
  trade_type: 'JSAPI',
  trade_state: 'SUCCESS',
  trade_state_desc: '支付成功',
  bank_type: 'CMC',
  attach: '',
  success_time: '2024-01-01T10:34:56+08:00',
  payer: { openid: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o' },
  amount: { total: 1000, payer_total: 1000, currency: 'CNY', payer_currency: 'CNY' },
};

function envelope(resource: unknown, opts: { key?: string; eventType?: string; originalType?: string; associatedData?: string } = {}) {
  const originalType = opts.originalType ?? 'refund';
  return {
    id: 'EV-2018022511223320873',
    create_time: '2024-01-01T10:40:01+08:00',
    resource_type: 'encrypt-resource',
    event_type: opts.eventType ?? 'REFUND.SUCCESS',
    summary: '退款成功',
    resource: {
      original_type: originalType,
      ...encryptResource(JSON.stringify(resource), opts.key ?? API_V3_KEY, { associatedData: opts.associatedData ?? originalType }),
    },
  };
}

let tlsCa: string;
let wechat: KeyPair;
let server: https.Server;
let url: string;
/** Which key source the receiver verifies with (public-key mode unless a test swaps it). */
let receiverKeys: WechatpayKeys;
let lastRead: V3NotifyRead | null = null;

/** POSTs like WeChat: the body signed (or not) with the given headers; resolves with our reply. */
function post(body: string, headers: Record<string, string>): Promise<{ status: number; body: string; read: V3NotifyRead }> {
  return new Promise((resolve, reject) => {
    lastRead = null;
    const req = https.request(url, { method: 'POST', ca: tlsCa, headers: { 'content-type': 'application/json', ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), read: lastRead! }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

function signed(body: string, opts: { key?: string; serial?: string; at?: Date; bytes?: string } = {}): Record<string, string> {
  return wechatpaySignatureHeaders(createPrivateKey(opts.key ?? wechat.keyPem), opts.serial ?? PUB_KEY_ID, opts.bytes ?? body, { now: opts.at });
}

beforeAll(async () => {
  const caPair = newKeyPair();
  tlsCa = makeCa(caPair);
  const leafPair = newKeyPair();
  const leaf = issueServerCert({ certPem: tlsCa, keyPem: caPair.keyPem }, leafPair, ['127.0.0.1']);
  wechat = newKeyPair();
  receiverKeys = publicKeyMode(PUB_KEY_ID, wechat.publicPem);
  // The receiving end as a route would be: raw body bytes and Node's headers straight into readV3Notification.
  server = https.createServer({ key: leafPair.keyPem, cert: leaf }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void readV3Notification(receiverKeys, API_V3_KEY, { headers: req.headers, body: Buffer.concat(chunks) }).then((read) => {
        lastRead = read;
        if (read.ok) res.writeHead(204).end();
        else res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ code: 'FAIL', message: read.reason }));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/api/wxpay/v3/notify/refund`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('readV3Notification', () => {
  it('a genuine refund notification verifies, decrypts and validates', async () => {
    const body = JSON.stringify(envelope(refundResource));
    const r = await post(body, signed(body));
    expect(r.status).toBe(204);
    expect(r.read.ok).toBe(true);
    if (!r.read.ok) return;
    expect(r.read.notification).toMatchObject({ id: 'EV-2018022511223320873', event_type: 'REFUND.SUCCESS', resource_type: 'encrypt-resource' });
    expect(r.read.resource).toEqual(refundResource);
    expect(refundNotifyResource(r.read.resource)).toEqual({ ok: true, value: refundResource });
  });

  it('a genuine pay notification decrypts and validates', async () => {
    const body = JSON.stringify(envelope(payResource, { eventType: 'TRANSACTION.SUCCESS', originalType: 'transaction' }));
    const r = await post(body, signed(body));
    expect(r.read.ok).toBe(true);
    if (!r.read.ok) return;
    expect(payNotifyResource(r.read.resource)).toEqual({ ok: true, value: payResource });
  });

  const refusals: Array<[string, () => { body: string; headers: Record<string, string> }, string]> = [
    [
      'a body changed after signing',
      () => {
        const body = JSON.stringify(envelope(refundResource));
        return { body: body.replace('REFUND.SUCCESS', 'REFUND.CLOSED'), headers: signed(body) };
      },
      'BAD_SIGNATURE',
    ],
    [
      'a signature by another key',
      () => {
        const body = JSON.stringify(envelope(refundResource));
        return { body, headers: signed(body, { key: newKeyPair().keyPem }) };
      },
      'BAD_SIGNATURE',
    ],
    [
      'a timestamp 6 minutes old (a replay)',
      () => {
        const body = JSON.stringify(envelope(refundResource));
        return { body, headers: signed(body, { at: new Date(Date.now() - 6 * MIN) }) };
      },
      'STALE_TIMESTAMP',
    ],
    [
      'an unknown serial',
      () => {
        const body = JSON.stringify(envelope(refundResource));
        return { body, headers: signed(body, { serial: 'PUB_KEY_ID_0119999999999999999999999999999' }) };
      },
      'UNKNOWN_SERIAL',
    ],
    ['no signature headers', () => ({ body: JSON.stringify(envelope(refundResource)), headers: {} }), 'MISSING_HEADER'],
    [
      'a resource encrypted with another APIv3 key',
      () => {
        const body = JSON.stringify(envelope(refundResource, { key: 'vutsrqponmlkjihgfedcba9876543210' }));
        return { body, headers: signed(body) };
      },
      'DECRYPT_FAILED',
    ],
    [
      'associated_data changed in a signed envelope',
      () => {
        const env = envelope(refundResource);
        env.resource.associated_data = 'transaction';
        const body = JSON.stringify(env);
        return { body, headers: signed(body) };
      },
      'DECRYPT_FAILED',
    ],
    [
      'malformed JSON, correctly signed',
      () => {
        const body = '{"id":"EV-1","resource":';
        return { body, headers: signed(body) };
      },
      'BAD_JSON',
    ],
    [
      'a signed envelope without a resource',
      () => {
        const { resource: _drop, ...rest } = envelope(refundResource);
        const body = JSON.stringify(rest);
        return { body, headers: signed(body) };
      },
      'BAD_ENVELOPE',
    ],
    [
      'a signed envelope with another algorithm',
      () => {
        const env = envelope(refundResource);
        env.resource.algorithm = 'AEAD_AES_128_GCM';
        const body = JSON.stringify(env);
        return { body, headers: signed(body) };
      },
      'BAD_ENVELOPE',
    ],
  ];
  for (const [name, make, code] of refusals) {
    it(`refuses ${name}: ${code}`, async () => {
      const { body, headers } = make();
      const r = await post(body, headers);
      expect(r.read).toMatchObject({ ok: false, code });
      if (r.read.ok) return;
      expect(r.read.reason.startsWith(`${code}: `)).toBe(true);
      expect(r.read.reason.length).toBeGreaterThan(code.length + 2);
      expect(r.status).toBe(400);
      expect(JSON.parse(r.body)).toEqual({ code: 'FAIL', message: r.read.reason });
    });
  }

  it('platform-certificate mode: a new serial is fetched on sight, then the notification verifies', async () => {
    const pair = newKeyPair();
    const certPem = makeCa(pair); // self-signed, so a "platform certificate" with its own random serial
    const serial = new X509Certificate(certPem).serialNumber.toUpperCase();
    let downloads = 0;
    const store = new PlatformCertificateStore({
      apiV3Key: API_V3_KEY,
      fetch: async () => {
        downloads += 1;
        const body = certificatesAnswerBody([{ certPem, effectiveAt: new Date(Date.now() - DAY), expiresAt: new Date(Date.now() + 30 * DAY) }], API_V3_KEY);
        return { headers: signed(body, { key: pair.keyPem, serial }), body };
      },
    });
    receiverKeys = store;
    try {
      const body = JSON.stringify(envelope(refundResource));
      const r = await post(body, signed(body, { key: pair.keyPem, serial }));
      expect(r.read.ok).toBe(true);
      expect(downloads).toBe(1);
      // A serial the download does not bring is still refused (and not downloaded again within the minute).
      const other = await post(body, signed(body, { key: newKeyPair().keyPem, serial: 'ABCDEF0123456789' }));
      expect(other.read).toMatchObject({ ok: false, code: 'UNKNOWN_SERIAL' });
      expect(downloads).toBe(1);
    } finally {
      receiverKeys = publicKeyMode(PUB_KEY_ID, wechat.publicPem);
    }
  });

  it('checks the clock it is given', async () => {
    const body = JSON.stringify(envelope(refundResource));
    const at = new Date('2026-03-01T04:00:00Z');
    const headers = signed(body, { at });
    const keys = publicKeyMode(PUB_KEY_ID, wechat.publicPem);
    expect((await readV3Notification(keys, API_V3_KEY, { headers, body: Buffer.from(body) }, { now: new Date(at.getTime() + 4 * MIN) })).ok).toBe(true);
    expect(await readV3Notification(keys, API_V3_KEY, { headers, body: Buffer.from(body) }, { now: new Date(at.getTime() + 6 * MIN) })).toMatchObject({
      ok: false,
      code: 'STALE_TIMESTAMP',
    });
  });
});

describe('refundNotifyResource', () => {
  const withAmount = (a: Record<string, unknown>) => ({ ...refundResource, amount: { ...refundResource.amount, ...a } });
  const bad: Array<[string, unknown, string]> = [
    ['a PROCESSING status (never notified)', { ...refundResource, refund_status: 'PROCESSING' }, 'refund_status'],
    ['an unknown status', { ...refundResource, refund_status: 'REFUNDCLOSE' }, 'refund_status'],
    ['amount.refund as a string', withAmount({ refund: '300' }), 'amount.refund'],
    ['amount.refund with a fraction', withAmount({ refund: 3.5 }), 'amount.refund'],
    ['amount.refund zero', withAmount({ refund: 0 }), 'amount.refund'],
    ['amount.total negative', withAmount({ total: -1000 }), 'amount.total'],
    ['amount.refund beyond a safe integer', withAmount({ refund: 2 ** 53 }), 'amount.refund'],
    ['amount.refund above amount.total', withAmount({ refund: 1001 }), 'amount.refund'],
    ['amount.payer_refund missing', withAmount({ payer_refund: undefined }), 'amount.payer_refund'],
    ['no refund_id', { ...refundResource, refund_id: undefined }, 'refund_id'],
    ['an empty out_refund_no', { ...refundResource, out_refund_no: '' }, 'out_refund_no'],
    ['an out_refund_no outside WeChat’s alphabet', { ...refundResource, out_refund_no: 'RF 1<script>' }, 'out_refund_no'],
    ['no mchid', { ...refundResource, mchid: undefined }, 'mchid'],
    ['not an object', 'SUCCESS', '(root)'],
  ];
  for (const [name, x, field] of bad) {
    it(`refuses ${name}`, () => {
      const r = refundNotifyResource(x);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.reason).toContain(field);
    });
  }

  it('accepts CLOSED and ABNORMAL without success_time, with payer amounts of 0, and drops unknown fields', () => {
    const { success_time: _s, ...noTime } = refundResource;
    for (const status of ['CLOSED', 'ABNORMAL']) {
      const r = refundNotifyResource({ ...noTime, refund_status: status, amount: { total: 1000, refund: 300, payer_total: 0, payer_refund: 0 }, extra: 1 });
      expect(r).toMatchObject({ ok: true, value: { refund_status: status, amount: { payer_refund: 0 } } });
      if (r.ok) expect(r.value).not.toHaveProperty('extra');
    }
  });
});

describe('payNotifyResource', () => {
  const bad: Array<[string, unknown, string]> = [
    ['another currency', { ...payResource, amount: { ...payResource.amount, currency: 'USD' } }, 'amount.currency'],
    ['a total of 0', { ...payResource, amount: { ...payResource.amount, total: 0 } }, 'amount.total'],
    ['a total as a string', { ...payResource, amount: { ...payResource.amount, total: '1000' } }, 'amount.total'],
    ['no payer openid', { ...payResource, payer: {} }, 'payer.openid'],
    ['an unknown trade_state', { ...payResource, trade_state: 'PAID' }, 'trade_state'],
    ['no transaction_id', { ...payResource, transaction_id: undefined }, 'transaction_id'],
  ];
  for (const [name, x, field] of bad) {
    it(`refuses ${name}`, () => {
      const r = payNotifyResource(x);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.reason).toContain(field);
    });
  }
});
