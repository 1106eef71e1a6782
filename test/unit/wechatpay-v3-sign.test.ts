// APIv3 request signing: the signed message, the Authorization header (parsed back), and the merchant key and serial from p12 / PEM.
import { createPublicKey, generateKeyPairSync, verify } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CertError } from '../../server/wechatpay/cert.ts';
import {
  AUTH_SCHEMA,
  canonicalUrl,
  loadMerchantSigner,
  merchantSigner,
  parseAuthorization,
  requestHeaders,
  requestMessage,
  signRequest,
} from '../../server/wechatpay-v3/sign.ts';
import { verifyWithKey } from '../../server/wechatpay-v3/verify.ts';
import { FIXTURE_PASSPHRASE, fixture } from '../fixtures/wechatpay/pki.ts';

const MCH_ID = '1900000109';
const FIXTURE_SERIAL = '4CDAC54D2747471713135007'; // test/fixtures/wechatpay/README.txt
const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signer = merchantSigner(MCH_ID, '5157f09efdc096de15ebe81a47057a7232f1b8e1', privateKey);
const NOW = new Date('2026-03-01T04:00:00Z'); // 1772337600
const tmp = mkdtempSync(join(tmpdir(), 'wx-v3-sign-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('the signed message', () => {
  it('is METHOD, path+query, timestamp, nonce and body, each line ending in \\n', () => {
    expect(requestMessage('post', '/v3/refund/domestic/refunds', '1554208460', 'NONCE1', '{"a":1}')).toBe(
      'POST\n/v3/refund/domestic/refunds\n1554208460\nNONCE1\n{"a":1}\n',
    );
    // GET: an empty body still ends the message with its own \n
    expect(requestMessage('GET', '/v3/certificates', '1554208460', 'N', '')).toBe('GET\n/v3/certificates\n1554208460\nN\n\n');
  });

  it('signs the path and query only, never the scheme or host', () => {
    expect(canonicalUrl('https://api.mch.weixin.qq.com/v3/refund/domestic/refunds/RF1?sub_mchid=1900000109')).toBe(
      '/v3/refund/domestic/refunds/RF1?sub_mchid=1900000109',
    );
    expect(canonicalUrl('https://api2.mch.weixin.qq.com/v3/certificates')).toBe('/v3/certificates');
    expect(canonicalUrl('/v3/certificates?x=1')).toBe('/v3/certificates?x=1');
  });
});

describe('signRequest and the Authorization header', () => {
  const body = '{"out_refund_no":"RF20240101001","reason":"商品退货","amount":{"refund":300,"total":1000,"currency":"CNY"}}';
  const url = 'https://api.mch.weixin.qq.com/v3/refund/domestic/refunds';
  const signed = signRequest(signer, { method: 'POST', url, body }, { now: NOW, nonce: 'C5AB1B9E2D3F4A5B6C7D8E9F0A1B2C3D' });

  it('has the schema and five quoted items, and parses back to what was signed', () => {
    expect(signed.authorization.startsWith(`${AUTH_SCHEMA} mchid="${MCH_ID}",nonce_str="`)).toBe(true);
    expect(parseAuthorization(signed.authorization)).toEqual({
      mchid: MCH_ID,
      nonce_str: 'C5AB1B9E2D3F4A5B6C7D8E9F0A1B2C3D',
      signature: signed.signature,
      timestamp: '1772337600',
      serial_no: '5157F09EFDC096DE15EBE81A47057A7232F1B8E1', // uppercased, as WeChat shows it
    });
    expect(signed.message).toBe(`POST\n/v3/refund/domestic/refunds\n1772337600\nC5AB1B9E2D3F4A5B6C7D8E9F0A1B2C3D\n${body}\n`);
  });

  it('the signature is SHA256withRSA over the UTF-8 message, checkable with the merchant public key', () => {
    expect(verify('sha256', Buffer.from(signed.message, 'utf8'), publicKey, Buffer.from(signed.signature, 'base64'))).toBe(true);
    expect(verifyWithKey(signed.message, signed.signature, publicKey)).toBe(true);
    expect(verifyWithKey(signed.message.replace('300', '301'), signed.signature, publicKey)).toBe(false);
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey;
    expect(verifyWithKey(signed.message, signed.signature, other)).toBe(false);
  });

  it('a fresh request gets a fresh 32-character nonce and the current time', () => {
    const a = signRequest(signer, { method: 'GET', url: '/v3/certificates' });
    const b = signRequest(signer, { method: 'GET', url: '/v3/certificates' });
    expect(a.nonce).toMatch(/^[0-9A-F]{32}$/);
    expect(a.nonce).not.toBe(b.nonce);
    expect(Math.abs(Number(a.timestamp) - Date.now() / 1000)).toBeLessThan(5);
  });

  it('parseAuthorization accepts any item order and refuses other schemas, gaps and duplicates', () => {
    const f = parseAuthorization(signed.authorization)!;
    const reordered =
      `${AUTH_SCHEMA} serial_no="${f.serial_no}",timestamp="${f.timestamp}",` +
      `signature="${f.signature}",nonce_str="${f.nonce_str}",mchid="${f.mchid}"`;
    expect(parseAuthorization(reordered)).toEqual(f);
    expect(parseAuthorization(signed.authorization.replace(AUTH_SCHEMA, 'WECHATPAY2-SHA256-RSA4096'))).toBeNull();
    expect(parseAuthorization(`${AUTH_SCHEMA} mchid="1",nonce_str="2",signature="3",timestamp="4"`)).toBeNull();
    expect(parseAuthorization(`${reordered},mchid="other"`)).toBeNull();
    expect(parseAuthorization(`${AUTH_SCHEMA} garbage`)).toBeNull();
  });

  it('requestHeaders adds Accept, Content-Type, User-Agent, and Wechatpay-Serial only when asked', () => {
    const keyId = 'PUB_KEY_ID_0112345678901234567890123456';
    const { headers } = requestHeaders(signer, { method: 'POST', url: '/v3/refund/domestic/refunds', body }, { wechatpaySerial: keyId });
    expect(headers).toMatchObject({ accept: 'application/json', 'content-type': 'application/json', 'wechatpay-serial': keyId });
    expect(headers['user-agent']).toBeTruthy();
    expect(parseAuthorization(headers.authorization)?.mchid).toBe(MCH_ID);
    const get = requestHeaders(signer, { method: 'GET', url: '/v3/certificates' }).headers;
    expect(get['content-type']).toBe('application/json');
    expect(get['wechatpay-serial']).toBeUndefined();
  });
});

describe('the merchant key and serial', () => {
  it('from the legacy .p12 (through cert.ts and node-forge): the certificate serial, uppercase hex', () => {
    const s = loadMerchantSigner(MCH_ID, { p12Path: fixture('apiclient_cert.p12'), passphrase: FIXTURE_PASSPHRASE });
    expect(s.serialNo).toBe(FIXTURE_SERIAL);
    const signed = signRequest(s, { method: 'GET', url: '/v3/certificates' });
    expect(verifyWithKey(signed.message, signed.signature, createPublicKey(s.privateKey))).toBe(true);
  });

  it('from the PEM pair, to the same serial; a configured serial must agree with the certificate', () => {
    expect(loadMerchantSigner(MCH_ID, { certPemPath: fixture('cert.pem'), keyPemPath: fixture('key.pem') }).serialNo).toBe(FIXTURE_SERIAL);
    expect(
      loadMerchantSigner(MCH_ID, { certPemPath: fixture('cert.pem'), keyPemPath: fixture('key.pem'), serialNo: FIXTURE_SERIAL.toLowerCase() }).serialNo,
    ).toBe(FIXTURE_SERIAL);
    expect(() => loadMerchantSigner(MCH_ID, { certPemPath: fixture('cert.pem'), keyPemPath: fixture('key.pem'), serialNo: 'ABCDEF' })).toThrow(
      expect.objectContaining({ code: 'KEY_MISMATCH' }),
    );
  });

  it('from apiclient_key.pem alone, with the serial given', () => {
    const s = loadMerchantSigner(MCH_ID, { keyPemPath: fixture('key.pem'), serialNo: FIXTURE_SERIAL.toLowerCase() });
    expect(s.serialNo).toBe(FIXTURE_SERIAL);
    expect(s.privateKey.asymmetricKeyType).toBe('rsa');
  });

  it('refuses an expired certificate, a missing file, a non-key and a short or non-RSA key', () => {
    expect(() => loadMerchantSigner(MCH_ID, { p12Path: fixture('expired.p12'), passphrase: FIXTURE_PASSPHRASE })).toThrow(
      expect.objectContaining({ code: 'EXPIRED' }),
    );
    expect(() => loadMerchantSigner(MCH_ID, { keyPemPath: join(tmp, 'absent.pem'), serialNo: 'AB' })).toThrow(
      expect.objectContaining({ code: 'NOT_FOUND' }),
    );
    const junk = join(tmp, 'junk.pem');
    writeFileSync(junk, 'not a key\n');
    expect(() => loadMerchantSigner(MCH_ID, { keyPemPath: junk, serialNo: 'AB' })).toThrow(CertError);
    const small = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey;
    expect(() => merchantSigner(MCH_ID, 'AB', small)).toThrow(/2048/);
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    expect(() => merchantSigner(MCH_ID, 'AB', ec)).toThrow(/not an RSA/);
    expect(() => merchantSigner(MCH_ID, 'not-hex', privateKey)).toThrow(/hexadecimal/);
  });
});
