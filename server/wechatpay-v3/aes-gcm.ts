// AEAD_AES_256_GCM for APIv3 `resource` objects (notifications, /v3/certificates): decryption, and encryption for the sandbox and tests.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

export const AEAD_ALGORITHM = 'AEAD_AES_256_GCM';

/** The encrypted object as WeChat sends it; `original_type` is present in notifications only. */
export type EncryptedResource = {
  algorithm: string;
  ciphertext: string;
  nonce: string;
  associated_data?: string;
  original_type?: string;
};

export class AesGcmError extends Error {
  override name = 'AesGcmError';
}

const TAG_BYTES = 16;
const NONCE_BYTES = 12;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** The APIv3 key is used as it is: its 32 ASCII characters are the 32 key bytes (no hex or base64 decoding). */
function aesKey(apiV3Key: string): Buffer {
  const key = Buffer.from(apiV3Key, 'utf8');
  if (key.length !== 32) throw new AesGcmError(`the APIv3 key must be 32 bytes, this one has ${key.length}`);
  return key;
}

function nonceBytes(nonce: string): Buffer {
  const iv = Buffer.from(nonce, 'utf8');
  if (iv.length !== NONCE_BYTES) throw new AesGcmError(`the nonce must be ${NONCE_BYTES} bytes, this one has ${iv.length}`);
  return iv;
}

/**
 * Decrypts to the UTF-8 plaintext. `ciphertext` is base64 of the encrypted bytes followed by the 16-byte
 * tag; `associated_data` is authenticated exactly as given (absent = empty). A wrong key, nonce, AAD or a
 * single changed bit fails the tag check: AesGcmError, never a garbled plaintext.
 */
export function decryptResource(resource: EncryptedResource, apiV3Key: string): string {
  if (resource.algorithm !== AEAD_ALGORITHM) {
    throw new AesGcmError(`unsupported algorithm ${JSON.stringify(resource.algorithm)}`);
  }
  const key = aesKey(apiV3Key);
  const iv = nonceBytes(resource.nonce);
  const compact = typeof resource.ciphertext === 'string' ? resource.ciphertext.replace(/\s+/g, '') : '';
  if (compact.length === 0 || compact.length % 4 !== 0 || !BASE64.test(compact)) throw new AesGcmError('ciphertext is not base64');
  const data = Buffer.from(compact, 'base64');
  if (data.length < TAG_BYTES) throw new AesGcmError('ciphertext is shorter than its authentication tag');
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(resource.associated_data ?? '', 'utf8'));
    decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
    const plain = Buffer.concat([decipher.update(data.subarray(0, data.length - TAG_BYTES)), decipher.final()]);
    return new TextDecoder('utf-8', { fatal: true }).decode(plain);
  } catch {
    throw new AesGcmError('resource does not decrypt with this APIv3 key (authentication failed)');
  }
}

/** decryptResource, then JSON.parse; the caller validates the shape (see types.ts). */
export function decryptResourceJson(resource: EncryptedResource, apiV3Key: string): unknown {
  const text = decryptResource(resource, apiV3Key);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new AesGcmError('decrypted resource is not JSON');
  }
}

/** A fresh 12-character nonce (hex, so 12 ASCII bytes as GCM's 96-bit IV wants). */
export function newResourceNonce(): string {
  return randomBytes(NONCE_BYTES / 2).toString('hex');
}

/** The inverse, for the sandbox and tests. GCM with a given nonce is deterministic, so vectors can be checked exactly. */
export function encryptResource(
  plaintext: string,
  apiV3Key: string,
  opts: { nonce?: string; associatedData?: string; originalType?: string } = {},
): EncryptedResource {
  const nonce = opts.nonce ?? newResourceNonce();
  const associatedData = opts.associatedData ?? '';
  const cipher = createCipheriv('aes-256-gcm', aesKey(apiV3Key), nonceBytes(nonce), { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(associatedData, 'utf8'));
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  const ciphertext = Buffer.concat([body, cipher.getAuthTag()]).toString('base64');
  const resource: EncryptedResource = { algorithm: AEAD_ALGORITHM, ciphertext, nonce, associated_data: associatedData };
  if (opts.originalType !== undefined) resource.original_type = opts.originalType;
  return resource;
}
