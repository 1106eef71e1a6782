// Refund notification `req_info` (docs/wechat-pay.md § Notifications): AES-256-ECB, PKCS#7, key = the 32 ASCII chars of md5hex(API key).
import { createCipheriv, createDecipheriv, createHash } from 'node:crypto';

export class ReqInfoError extends Error {
  override name = 'ReqInfoError';
}

function aesKey(apiKey: string): Buffer {
  // The hex string itself is the key (32 ASCII bytes); hex-decoding it would give a 16-byte key.
  return Buffer.from(createHash('md5').update(apiKey, 'utf8').digest('hex'), 'ascii');
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** Decrypts `req_info` to its `<root>…</root>` XML text. Throws ReqInfoError for anything else. */
export function decryptReqInfo(reqInfo: string, apiKey: string): string {
  const compact = reqInfo.replace(/\s+/g, '');
  if (compact.length === 0 || compact.length % 4 !== 0 || !BASE64.test(compact)) {
    throw new ReqInfoError('req_info is not base64');
  }
  const data = Buffer.from(compact, 'base64');
  if (data.length === 0 || data.length % 16 !== 0) throw new ReqInfoError('req_info is not whole AES blocks');
  try {
    const decipher = createDecipheriv('aes-256-ecb', aesKey(apiKey), null);
    const plain = Buffer.concat([decipher.update(data), decipher.final()]);
    return new TextDecoder('utf-8', { fatal: true }).decode(plain);
  } catch {
    throw new ReqInfoError('req_info does not decrypt with this merchant key');
  }
}

/** The inverse, for the sandbox and for tests that forge notifications. */
export function encryptReqInfo(plainXml: string, apiKey: string): string {
  const cipher = createCipheriv('aes-256-ecb', aesKey(apiKey), null);
  return Buffer.concat([cipher.update(plainXml, 'utf8'), cipher.final()]).toString('base64');
}
