// APIv3 answer/notification verification in public-key mode: round trip, each refusal with its own reason, learning an unknown serial.
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import {
  answerMessage,
  combineKeys,
  headerValue,
  loadPublicKeyMode,
  publicKeyMode,
  verifySigned,
  verifySignedLearning,
  wechatpaySignatureHeaders,
  type WechatpayKeys,
} from '../../server/wechatpay-v3/verify.ts';

const KEY_ID = 'PUB_KEY_ID_0114232134912410000000000000';
const wechat = generateKeyPairSync('rsa', { modulusLength: 2048 });
const keys = publicKeyMode(KEY_ID, wechat.publicKey.export({ type: 'spki', format: 'pem' }).toString());
const NOW = new Date('2026-03-01T04:00:00Z');
const MIN = 60_000;
const body = '{"refund_id":"50000000382019052709732678859","out_refund_no":"RF20240101001","status":"PROCESSING","amount":{"refund":300,"total":1000}}';
const signedAt = (at: Date, b: string | Buffer = body) => ({ headers: wechatpaySignatureHeaders(wechat.privateKey, KEY_ID, b, { now: at }), body: b });

const tmp = mkdtempSync(join(tmpdir(), 'wx-v3-verify-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('verifySigned, public-key mode', () => {
  it('accepts a genuine answer, with headers in any case or as fetch Headers', () => {
    const msg = signedAt(NOW);
    expect(verifySigned(keys, msg, { now: NOW })).toEqual({ ok: true, serial: KEY_ID, timestamp: 1772337600, nonce: msg.headers['Wechatpay-Nonce'] });
    const lower = Object.fromEntries(Object.entries(msg.headers).map(([k, v]) => [k.toLowerCase(), v]));
    expect(verifySigned(keys, { headers: lower, body }, { now: NOW }).ok).toBe(true);
    expect(verifySigned(keys, { headers: new Headers(msg.headers), body: Buffer.from(body) }, { now: NOW }).ok).toBe(true);
  });

  it('the message is timestamp, nonce and the body bytes, each line ending in \\n (empty body too)', () => {
    expect(answerMessage('1772337600', 'abc', '{}').toString()).toBe('1772337600\nabc\n{}\n');
    expect(answerMessage('1772337600', 'abc', '').toString()).toBe('1772337600\nabc\n\n');
    const empty = signedAt(NOW, '');
    expect(verifySigned(keys, empty, { now: NOW }).ok).toBe(true); // a 204 answer is signed too
  });

  it('refuses a body changed after signing, even by whitespace', () => {
    const msg = signedAt(NOW);
    for (const changed of [body.replace('300', '3000'), `${body} `, body.replace('PROCESSING', 'SUCCESS')]) {
      expect(verifySigned(keys, { ...msg, body: changed }, { now: NOW })).toMatchObject({ ok: false, reason: 'BAD_SIGNATURE', serial: KEY_ID });
    }
  });

  it('refuses a bad signature: another nonce, garbage, a cut signature, the signature probe', () => {
    const msg = signedAt(NOW);
    const withHeader = (name: string, value: string) => ({ body, headers: { ...msg.headers, [name]: value } });
    expect(verifySigned(keys, withHeader('Wechatpay-Nonce', 'another'), { now: NOW }).ok).toBe(false);
    expect(verifySigned(keys, withHeader('Wechatpay-Signature', 'not base64!'), { now: NOW })).toMatchObject({ reason: 'BAD_SIGNATURE' });
    const cut = withHeader('Wechatpay-Signature', msg.headers['Wechatpay-Signature'].slice(8));
    expect(verifySigned(keys, cut, { now: NOW })).toMatchObject({ reason: 'BAD_SIGNATURE' });
    const probe = verifySigned(keys, withHeader('Wechatpay-Signature', 'WECHATPAY/SIGNTEST/' + msg.headers['Wechatpay-Signature']), { now: NOW });
    expect(probe).toMatchObject({ ok: false, reason: 'BAD_SIGNATURE', message: expect.stringContaining('probe') });
  });

  it('refuses a signature by another key under our key id', () => {
    const impostor = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const msg = { headers: wechatpaySignatureHeaders(impostor, KEY_ID, body, { now: NOW }), body };
    expect(verifySigned(keys, msg, { now: NOW })).toMatchObject({ ok: false, reason: 'BAD_SIGNATURE' });
  });

  it('refuses timestamps 6 minutes old and 6 minutes ahead; 5 minutes either way still passes', () => {
    expect(verifySigned(keys, signedAt(new Date(NOW.getTime() - 6 * MIN)), { now: NOW })).toMatchObject({
      ok: false,
      reason: 'STALE_TIMESTAMP',
      message: expect.stringContaining('old'),
    });
    expect(verifySigned(keys, signedAt(new Date(NOW.getTime() + 6 * MIN)), { now: NOW })).toMatchObject({
      ok: false,
      reason: 'STALE_TIMESTAMP',
      message: expect.stringContaining('future'),
    });
    expect(verifySigned(keys, signedAt(new Date(NOW.getTime() - 5 * MIN)), { now: NOW }).ok).toBe(true);
    expect(verifySigned(keys, signedAt(new Date(NOW.getTime() + 5 * MIN)), { now: NOW }).ok).toBe(true);
  });

  it('reports an unknown serial distinctly, before any signature work', () => {
    const msg = { headers: wechatpaySignatureHeaders(wechat.privateKey, 'PUB_KEY_ID_0199999999999999999999999999', body, { now: NOW }), body };
    expect(verifySigned(keys, msg, { now: NOW })).toMatchObject({ ok: false, reason: 'UNKNOWN_SERIAL', serial: 'PUB_KEY_ID_0199999999999999999999999999' });
  });

  it('refuses missing, repeated or malformed headers', () => {
    const msg = signedAt(NOW);
    const { ['Wechatpay-Serial']: _s, ...noSerial } = msg.headers;
    expect(verifySigned(keys, { headers: noSerial, body }, { now: NOW })).toMatchObject({
      reason: 'MISSING_HEADER',
      message: expect.stringContaining('Wechatpay-Serial'),
    });
    const doubled = { ...msg.headers, 'Wechatpay-Signature': [msg.headers['Wechatpay-Signature'], 'AAAA'] };
    expect(verifySigned(keys, { headers: doubled, body }, { now: NOW })).toMatchObject({ reason: 'MISSING_HEADER' });
    const letters = { headers: { ...msg.headers, 'Wechatpay-Timestamp': '17723376OO' }, body };
    expect(verifySigned(keys, letters, { now: NOW })).toMatchObject({ reason: 'BAD_TIMESTAMP' });
    expect(headerValue({ 'wechatpay-nonce': 'a', 'Wechatpay-Nonce': 'b' }, 'Wechatpay-Nonce')).toBeUndefined();
  });
});

describe('publicKeyMode', () => {
  it('loads pub_key.pem and answers only for its own id', () => {
    const path = join(tmp, 'pub_key.pem');
    writeFileSync(path, wechat.publicKey.export({ type: 'spki', format: 'pem' }));
    const loaded = loadPublicKeyMode(KEY_ID, path);
    expect(loaded.publicKey(KEY_ID, NOW)).toBeDefined();
    expect(loaded.publicKey('5157F09EFDC096DE15EBE81A47057A7232F1B8E1', NOW)).toBeUndefined();
    expect(verifySigned(loaded, signedAt(NOW), { now: NOW }).ok).toBe(true);
  });

  it('refuses an id without PUB_KEY_ID_, a non-key and a non-RSA key', () => {
    expect(() => publicKeyMode('0114232134912410000000000000', wechat.publicKey)).toThrow(/PUB_KEY_ID_/);
    expect(() => publicKeyMode(KEY_ID, 'not a key')).toThrow(/not a readable public key/);
    expect(() => publicKeyMode(KEY_ID, generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey)).toThrow(/not an RSA key/);
    expect(() => loadPublicKeyMode(KEY_ID, join(tmp, 'absent.pem'))).toThrow(/cannot read/);
  });
});

describe('verifySignedLearning', () => {
  const NEW_ID = 'PUB_KEY_ID_0122222222222222222222222222';
  const msg = { headers: wechatpaySignatureHeaders(wechat.privateKey, NEW_ID, body, { now: NOW }), body };

  it('asks the source once about an unknown serial, then verifies with what it learned', async () => {
    let learned = false;
    const source: WechatpayKeys = {
      publicKey: (serial) => (learned && serial === NEW_ID ? wechat.publicKey : undefined),
      learnSerial: vi.fn(async () => (learned = true)),
    };
    expect(await verifySignedLearning(source, msg, { now: NOW })).toMatchObject({ ok: true, serial: NEW_ID });
    expect(source.learnSerial).toHaveBeenCalledTimes(1);
    expect(source.learnSerial).toHaveBeenCalledWith(NEW_ID);
  });

  it('refuses when learning does not help or fails, still as UNKNOWN_SERIAL; never learns for other failures', async () => {
    const nothing: WechatpayKeys = { publicKey: () => undefined, learnSerial: vi.fn(async () => false) };
    expect(await verifySignedLearning(nothing, msg, { now: NOW })).toMatchObject({ ok: false, reason: 'UNKNOWN_SERIAL' });
    const broken: WechatpayKeys = { publicKey: () => undefined, learnSerial: async () => Promise.reject(new Error('ECONNRESET')) };
    expect(await verifySignedLearning(broken, msg, { now: NOW })).toMatchObject({ reason: 'UNKNOWN_SERIAL', message: expect.stringContaining('ECONNRESET') });
    const stale = { headers: wechatpaySignatureHeaders(wechat.privateKey, NEW_ID, body, { now: new Date(NOW.getTime() - 6 * MIN) }), body };
    expect(await verifySignedLearning(nothing, stale, { now: NOW })).toMatchObject({ reason: 'STALE_TIMESTAMP' });
    expect(nothing.learnSerial).toHaveBeenCalledTimes(1);
    // public-key mode cannot learn: the first answer stands
    expect(await verifySignedLearning(keys, msg, { now: NOW })).toMatchObject({ reason: 'UNKNOWN_SERIAL' });
  });

  it('combineKeys: during the switch-over either source verifies', () => {
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const second = publicKeyMode(NEW_ID, other.publicKey);
    const both = combineKeys(keys, second);
    expect(verifySigned(both, signedAt(NOW), { now: NOW }).ok).toBe(true);
    const bySecond = { headers: wechatpaySignatureHeaders(other.privateKey, NEW_ID, body, { now: NOW }), body };
    expect(verifySigned(both, bySecond, { now: NOW }).ok).toBe(true);
    expect(verifySigned(keys, bySecond, { now: NOW })).toMatchObject({ reason: 'UNKNOWN_SERIAL' });
    expect(both.learnSerial).toBeUndefined();
  });
});
