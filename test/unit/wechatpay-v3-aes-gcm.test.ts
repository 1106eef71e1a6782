// APIv3 AEAD_AES_256_GCM against vector V8 (docs/wechat-pay.md § APIv3): exact bytes both ways, and every tamper refused.
import { describe, expect, it } from 'vitest';
import { AesGcmError, decryptResource, decryptResourceJson, encryptResource } from '../../server/wechatpay-v3/aes-gcm.ts';

const V8_KEY = '0123456789abcdefghijklmnopqrstuv';
const V8_NONCE = 'fdasflkja484';
const V8_AAD = 'refund';
const V8_PLAIN = '{"out_refund_no":"RF20240101001","refund_status":"SUCCESS","amount":{"total":1000,"refund":300}}';
const V8_CIPHERTEXT =
  'kdUw5hwyYaYhuYDykJQtkx/+Bgg9F2Q4cYkLjpu3RS1pjjA0bZ2OG4a644eGFNHLoDG8+jrYcM+IVcf7iOkYB3b0Gmj++LrtF3UYyrUBNPgKePo/ElaBbgOqczLIYWZ9FtKgVha1GK5Sf0lgNip+sQ==';
const V8 = { algorithm: 'AEAD_AES_256_GCM', ciphertext: V8_CIPHERTEXT, nonce: V8_NONCE, associated_data: V8_AAD };

describe('AEAD_AES_256_GCM resource', () => {
  it('V8 decrypts to the listed plaintext', () => {
    expect(decryptResource(V8, V8_KEY)).toBe(V8_PLAIN);
    expect(decryptResourceJson(V8, V8_KEY)).toEqual({ out_refund_no: 'RF20240101001', refund_status: 'SUCCESS', amount: { total: 1000, refund: 300 } });
  });

  it('V8 encrypts to the identical ciphertext (GCM is deterministic for a given nonce)', () => {
    const r = encryptResource(V8_PLAIN, V8_KEY, { nonce: V8_NONCE, associatedData: V8_AAD, originalType: 'refund' });
    expect(r).toEqual({ ...V8, original_type: 'refund' });
  });

  it('refuses another AAD, an empty or absent AAD, another nonce and another key', () => {
    expect(() => decryptResource({ ...V8, associated_data: 'certificate' }, V8_KEY)).toThrow(AesGcmError);
    expect(() => decryptResource({ ...V8, associated_data: '' }, V8_KEY)).toThrow(AesGcmError);
    expect(() => decryptResource({ ...V8, associated_data: undefined }, V8_KEY)).toThrow(AesGcmError);
    expect(() => decryptResource({ ...V8, nonce: 'fdasflkja485' }, V8_KEY)).toThrow(AesGcmError);
    expect(() => decryptResource(V8, 'vutsrqponmlkjihgfedcba9876543210')).toThrow(/does not decrypt/);
  });

  it('refuses a ciphertext with one bit changed, a cut tag, non-base64, and another algorithm', () => {
    const bytes = Buffer.from(V8_CIPHERTEXT, 'base64');
    for (const at of [0, bytes.length - 1]) {
      const flipped = Buffer.from(bytes);
      flipped[at] ^= 1;
      expect(() => decryptResource({ ...V8, ciphertext: flipped.toString('base64') }, V8_KEY)).toThrow(AesGcmError);
    }
    expect(() => decryptResource({ ...V8, ciphertext: bytes.subarray(0, bytes.length - 1).toString('base64') }, V8_KEY)).toThrow(AesGcmError);
    expect(() => decryptResource({ ...V8, ciphertext: 'AAAA' }, V8_KEY)).toThrow(/shorter than its authentication tag/);
    expect(() => decryptResource({ ...V8, ciphertext: 'not base64!' }, V8_KEY)).toThrow(/not base64/);
    expect(() => decryptResource({ ...V8, algorithm: 'AEAD_SM4_GCM' }, V8_KEY)).toThrow(/unsupported algorithm/);
  });

  it('insists on a 32-byte key and a 12-byte nonce', () => {
    expect(() => decryptResource(V8, 'short')).toThrow(/32 bytes/);
    expect(() => encryptResource('x', V8_KEY, { nonce: 'short' })).toThrow(/12 bytes/);
  });

  it('round-trips UTF-8 and an empty AAD with a fresh nonce; a JSON check catches non-JSON', () => {
    const plain = '{"user_received_account":"支付用户零钱"}';
    const r = encryptResource(plain, V8_KEY);
    expect(r.nonce).toMatch(/^[0-9a-f]{12}$/);
    expect(r.associated_data).toBe('');
    expect(decryptResource(r, V8_KEY)).toBe(plain);
    expect(() => decryptResourceJson(encryptResource('not json', V8_KEY), V8_KEY)).toThrow(/not JSON/);
  });
});
