// Platform-certificate mode: a /v3/certificates answer built with aes-gcm.ts, decrypted, checked and stored; newest, refresh timing, fetch on a new serial.
import { X509Certificate, generateKeyPairSync, type KeyObject } from 'node:crypto';
import forge from 'node-forge';
import { describe, expect, it, vi } from 'vitest';
import { decryptResourceJson, encryptResource } from '../../server/wechatpay-v3/aes-gcm.ts';
import {
  CertificatesError,
  PlatformCertificateStore,
  beijingTime,
  certificatesAnswerBody,
  parseCertificatesAnswer,
  type FetchCertificates,
} from '../../server/wechatpay-v3/certificates.ts';
import type { V3Notification, V3RefundNotifyResource } from '../../server/wechatpay-v3/types.ts';
import { verifySigned, verifySignedLearning, wechatpaySignatureHeaders, type SignedMessage } from '../../server/wechatpay-v3/verify.ts';

const API_V3_KEY = '0123456789abcdefghijklmnopqrstuv';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const T0 = new Date('2026-03-01T04:00:00Z');

type Platform = { serial: string; certPem: string; privateKey: KeyObject; effectiveAt: Date; expiresAt: Date };

/** A self-signed "WeChat Pay platform" certificate with a chosen serial (node-forge, like server/sandbox/pki.ts). */
function platformCert(serial: string, effectiveAt: Date, expiresAt: Date): Platform {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKey.export({ type: 'spki', format: 'pem' }).toString());
  cert.serialNumber = serial.toLowerCase();
  cert.validity.notBefore = new Date(effectiveAt.getTime() - DAY);
  cert.validity.notAfter = new Date(expiresAt.getTime() + 30 * DAY);
  const name = [{ name: 'commonName', value: 'Tenpay.com Root CA test' }];
  cert.setSubject(name);
  cert.setIssuer(name);
  const forgeKey = forge.pki.privateKeyFromPem(privateKey.export({ type: 'pkcs1', format: 'pem' }).toString());
  cert.sign(forgeKey, forge.md.sha256.create());
  return { serial, certPem: forge.pki.certificateToPem(cert), privateKey, effectiveAt, expiresAt };
}

const OLD = platformCert('3775B6A45ACD588826D15E583A95F5DD00000001', new Date(T0.getTime() - 900 * DAY), new Date(T0.getTime() + 20 * DAY));
const NEW = platformCert('5157F09EFDC096DE15EBE81A47057A7232F1B8E1', new Date(T0.getTime() - DAY), new Date(T0.getTime() + 5 * 365 * DAY));

/** The answer WeChat gives: the body lists `certs`, and the answer is signed by `signer`. */
function answer(certs: Platform[], signer: Platform, at: Date, key = API_V3_KEY): SignedMessage {
  const body = certificatesAnswerBody(certs, key);
  return { headers: wechatpaySignatureHeaders(signer.privateKey, signer.serial, body, { now: at }), body };
}

function store(fetch: FetchCertificates, clock: { now: Date }, extra: Partial<ConstructorParameters<typeof PlatformCertificateStore>[0]> = {}) {
  return new PlatformCertificateStore({ apiV3Key: API_V3_KEY, fetch, clock: () => clock.now, ...extra });
}

describe('parseCertificatesAnswer', () => {
  it('the built body has WeChat shape; each certificate decrypts and keeps its serial and times', () => {
    const body = JSON.parse(certificatesAnswerBody([OLD, NEW], API_V3_KEY));
    expect(body.data[1]).toMatchObject({
      serial_no: NEW.serial,
      effective_time: beijingTime(NEW.effectiveAt),
      expire_time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00$/),
      encrypt_certificate: { algorithm: 'AEAD_AES_256_GCM', associated_data: 'certificate', nonce: expect.stringMatching(/^.{12}$/) },
    });
    const certs = parseCertificatesAnswer(JSON.stringify(body), API_V3_KEY);
    expect(certs.map((c) => c.serialNo)).toEqual([OLD.serial, NEW.serial]);
    expect(certs[1].expiresAt.toISOString()).toBe(new Date(Math.floor(NEW.expiresAt.getTime() / 1000) * 1000).toISOString());
    expect(certs[1].effectiveAt.getTime()).toBe(Math.floor(NEW.effectiveAt.getTime() / 1000) * 1000);
    expect(new X509Certificate(certs[1].certPem).serialNumber).toBe(NEW.serial);
  });

  it('Beijing time is written with +08:00 and reads back as the same instant', () => {
    expect(beijingTime(new Date('2018-06-08T02:34:56Z'))).toBe('2018-06-08T10:34:56+08:00');
    expect(new Date('2018-06-08T10:34:56+08:00').toISOString()).toBe('2018-06-08T02:34:56.000Z');
  });

  it('refuses another APIv3 key, a serial_no that names another certificate, and malformed bodies', () => {
    const body = certificatesAnswerBody([NEW], API_V3_KEY);
    expect(() => parseCertificatesAnswer(body, 'vutsrqponmlkjihgfedcba9876543210')).toThrow(expect.objectContaining({ code: 'DECRYPT_FAILED' }));
    const swapped = JSON.parse(body);
    swapped.data[0].serial_no = OLD.serial;
    expect(() => parseCertificatesAnswer(JSON.stringify(swapped), API_V3_KEY)).toThrow(expect.objectContaining({ code: 'SERIAL_MISMATCH' }));
    const notCert = { data: [{ ...swapped.data[0], encrypt_certificate: encryptResource('hello', API_V3_KEY, { associatedData: 'certificate' }) }] };
    expect(() => parseCertificatesAnswer(JSON.stringify(notCert), API_V3_KEY)).toThrow(expect.objectContaining({ code: 'BAD_ANSWER' }));
    const badTime = JSON.stringify({ data: [{ ...swapped.data[0], expire_time: 'soon' }] });
    for (const bad of ['not json', '{}', '{"data":[]}', '{"data":[{"serial_no":"AB"}]}', badTime]) {
      expect(() => parseCertificatesAnswer(bad, API_V3_KEY)).toThrow(CertificatesError);
    }
  });
});

describe('PlatformCertificateStore', () => {
  it('downloads, checks the answer signature with the certificates it brings, and keeps them by serial', async () => {
    const clock = { now: T0 };
    const s = store(async () => answer([OLD, NEW], NEW, clock.now), clock);
    expect(s.needsRefresh()).toBe(true); // nothing yet
    await s.refresh();
    expect(s.list().map((c) => c.serialNo)).toEqual([NEW.serial, OLD.serial]);
    expect(s.publicKey(OLD.serial.toLowerCase(), T0)).toBeDefined();
    expect(s.get(NEW.serial)?.certPem).toBe(NEW.certPem);
  });

  it('chooses the newest certificate in effect, not one listed ahead of its effective time', async () => {
    const clock = { now: T0 };
    const upcoming = platformCert('6A3F00000000000000000000000000000000000A', new Date(T0.getTime() + DAY), new Date(T0.getTime() + 6 * 365 * DAY));
    const s = store(async () => answer([OLD, NEW, upcoming], NEW, clock.now), clock);
    await s.refresh();
    expect(s.newest()?.serialNo).toBe(NEW.serial);
    expect(s.newest(new Date(T0.getTime() + 2 * DAY))?.serialNo).toBe(upcoming.serial);
  });

  it('asks for a refresh periodically (12 h) and, at the latest, a day before the newest expires', async () => {
    const clock = { now: T0 };
    const s = store(async () => answer([NEW], NEW, clock.now), clock);
    await s.refresh();
    expect(s.needsRefresh()).toBe(false);
    expect(s.refreshDueAt().getTime()).toBe(T0.getTime() + 12 * HOUR);
    expect(s.needsRefresh(new Date(T0.getTime() + 12 * HOUR))).toBe(true);

    // Only OLD (20 days left): due 19 days after the download if the periodic refresh were longer
    const lazy = store(async () => answer([OLD], OLD, clock.now), clock, { refreshIntervalMs: 60 * DAY });
    await lazy.refresh();
    expect(lazy.refreshDueAt().getTime()).toBe(Math.floor(OLD.expiresAt.getTime() / 1000) * 1000 - DAY);
    expect(lazy.needsRefresh(new Date(T0.getTime() + 18 * DAY))).toBe(false);
    expect(lazy.needsRefresh(new Date(T0.getTime() + 19 * DAY))).toBe(true);
  });

  it('near expiry with no successor yet, it asks again no more than once a minute', async () => {
    const clock = { now: new Date(OLD.expiresAt.getTime() - 2 * HOUR) };
    const s = store(async () => answer([OLD], OLD, clock.now), clock);
    await s.refresh();
    expect(s.refreshDueAt().getTime()).toBe(clock.now.getTime() + 60_000);
  });

  it('a rotation: an answer signed by a certificate we do not hold yet is accepted when the answer brings it', async () => {
    const clock = { now: T0 };
    let listed = [OLD];
    let signer = OLD;
    const s = store(async () => answer(listed, signer, clock.now), clock);
    await s.refresh();
    expect(s.newest()?.serialNo).toBe(OLD.serial);
    listed = [OLD, NEW];
    signer = NEW;
    await s.refresh();
    expect(s.newest()?.serialNo).toBe(NEW.serial);
    // OLD stays usable until it expires, then is refused and dropped
    expect(s.publicKey(OLD.serial, T0)).toBeDefined();
    expect(s.publicKey(OLD.serial, new Date(OLD.expiresAt.getTime() + 1000))).toBeUndefined();
    clock.now = new Date(OLD.expiresAt.getTime() + 1000);
    listed = [NEW];
    await s.refresh();
    expect(s.list().map((c) => c.serialNo)).toEqual([NEW.serial]);
  });

  it('refuses an answer whose signature does not hold, or is stale, and adds nothing', async () => {
    const clock = { now: T0 };
    const forged = async (): Promise<SignedMessage> => {
      const a = answer([NEW], NEW, clock.now);
      return { ...a, body: certificatesAnswerBody([NEW], API_V3_KEY) }; // fresh nonces: the signed bytes differ
    };
    const s = store(forged, clock);
    await expect(s.refresh()).rejects.toMatchObject({ code: 'BAD_SIGNATURE' });
    expect(s.list()).toEqual([]);
    expect(s.lastError).toBeInstanceOf(CertificatesError);
    const stale = store(async () => answer([NEW], NEW, new Date(T0.getTime() - 10 * 60_000)), clock);
    await expect(stale.refresh()).rejects.toThrow(/Wechatpay-Timestamp/);
    // signed by a key that is neither in the answer nor held
    const stranger = platformCert('7B0000000000000000000000000000000000000B', T0, new Date(T0.getTime() + DAY));
    const unknown = store(async () => answer([NEW], stranger, clock.now), clock);
    await expect(unknown.refresh()).rejects.toThrow(/no WeChat Pay key/);
  });

  it('concurrent refreshes share one download', async () => {
    const clock = { now: T0 };
    const fetch = vi.fn(async () => answer([NEW], NEW, clock.now));
    const s = store(fetch, clock);
    await Promise.all([s.refresh(), s.refresh(), s.refresh()]);
    expect(fetch).toHaveBeenCalledTimes(1);
  });
});

describe('certificate mode end to end: a refund notification', () => {
  const resource: V3RefundNotifyResource = {
    mchid: '1900000109',
    transaction_id: '4200000001202401010000000001',
    out_trade_no: 'ORDER20240101001',
    refund_id: '50000000382019052709732678859',
    out_refund_no: 'RF20240101001',
    refund_status: 'SUCCESS',
    success_time: '2026-03-01T12:00:00+08:00',
    user_received_account: '支付用户零钱',
    amount: { total: 1000, refund: 300, payer_total: 1000, payer_refund: 300 },
  };
  const notification = (at: Date, signer: Platform): SignedMessage => {
    const envelope: V3Notification<'REFUND.SUCCESS'> = {
      id: 'EV-2018022511223320873',
      create_time: beijingTime(at),
      event_type: 'REFUND.SUCCESS',
      resource_type: 'encrypt-resource',
      summary: '退款成功',
      resource: { ...encryptResource(JSON.stringify(resource), API_V3_KEY, { associatedData: 'refund', originalType: 'refund' }), original_type: 'refund' },
    };
    const body = JSON.stringify(envelope);
    return { headers: wechatpaySignatureHeaders(signer.privateKey, signer.serial, body, { now: at }), body };
  };

  it('verifies with the store, then the resource decrypts to the refund', async () => {
    const clock = { now: T0 };
    const s = store(async () => answer([OLD, NEW], NEW, clock.now), clock);
    await s.refresh();
    const msg = notification(T0, OLD);
    expect(verifySigned(s, msg, { now: T0 })).toMatchObject({ ok: true, serial: OLD.serial });
    const envelope = JSON.parse(msg.body as string) as V3Notification;
    expect(decryptResourceJson(envelope.resource, API_V3_KEY)).toEqual(resource);
    const altered = { ...msg, body: (msg.body as string).replace('退款成功', '退款失败') };
    expect(verifySigned(s, altered, { now: T0 })).toMatchObject({ reason: 'BAD_SIGNATURE' });
  });

  it('a new serial is fetched once; a second unknown serial within the minute is refused without a download', async () => {
    const clock = { now: T0 };
    let listed = [OLD];
    const fetch = vi.fn(async () => answer(listed, OLD, clock.now));
    const s = store(fetch, clock);
    await s.refresh();
    listed = [OLD, NEW];
    clock.now = new Date(T0.getTime() + 2 * 60_000);
    const byNew = notification(clock.now, NEW);
    expect(verifySigned(s, byNew, { now: clock.now })).toMatchObject({ ok: false, reason: 'UNKNOWN_SERIAL' });
    expect(await verifySignedLearning(s, byNew, { now: clock.now })).toMatchObject({ ok: true, serial: NEW.serial });
    expect(fetch).toHaveBeenCalledTimes(2);

    const stranger = platformCert('7B0000000000000000000000000000000000000B', T0, new Date(T0.getTime() + DAY));
    const forged = notification(clock.now, stranger);
    expect(await verifySignedLearning(s, forged, { now: clock.now })).toMatchObject({ ok: false, reason: 'UNKNOWN_SERIAL' });
    expect(await verifySignedLearning(s, forged, { now: clock.now })).toMatchObject({ ok: false, reason: 'UNKNOWN_SERIAL' });
    expect(fetch).toHaveBeenCalledTimes(2); // the last download was under a minute ago
    clock.now = new Date(clock.now.getTime() + 61_000);
    expect(await verifySignedLearning(s, notification(clock.now, stranger), { now: clock.now })).toMatchObject({ reason: 'UNKNOWN_SERIAL' });
    expect(fetch).toHaveBeenCalledTimes(3);
  });

  it('notifications arriving together with a new serial wait for one shared download', async () => {
    const clock = { now: T0 };
    const fetch = vi.fn(async () => answer([OLD, NEW], NEW, clock.now));
    const s = store(fetch, clock);
    const results = await Promise.all([1, 2, 3].map(() => verifySignedLearning(s, notification(T0, NEW), { now: T0 })));
    expect(results.every((r) => r.ok)).toBe(true);
    expect(fetch).toHaveBeenCalledTimes(1);
  });

  it('a failed download is reported in the refusal and kept as lastError', async () => {
    const clock = { now: T0 };
    const s = store(async () => Promise.reject(new Error('connect ETIMEDOUT')), clock);
    expect(await verifySignedLearning(s, notification(T0, NEW), { now: T0 })).toMatchObject({
      ok: false,
      reason: 'UNKNOWN_SERIAL',
      message: expect.stringContaining('ETIMEDOUT'),
    });
    expect(s.lastError?.message).toContain('ETIMEDOUT');
    expect(s.refreshDueAt().getTime()).toBe(T0.getTime() + 60_000);
  });
});
