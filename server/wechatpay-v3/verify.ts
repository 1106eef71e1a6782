// Verifies APIv3 answers and notifications (the Wechatpay-* headers) against WeChat Pay's keys, in public-key or platform-certificate mode.
import { KeyObject, createPublicKey, randomBytes, sign as rsaSign, verify as rsaVerify } from 'node:crypto';
import { readFileSync } from 'node:fs';

/** WeChat's SDKs refuse a Wechatpay-Timestamp further than this from our clock, in either direction. */
export const MAX_SKEW_SECONDS = 300;
export const PUBLIC_KEY_ID_PREFIX = 'PUB_KEY_ID_';
/** WeChat sometimes sends a deliberately invalid signature with this prefix to check that merchants verify. */
const SIGNATURE_PROBE_PREFIX = 'WECHATPAY/SIGNTEST/';

/**
 * Where WeChat Pay's verification keys come from. Both modes implement it: `publicKeyMode` (one
 * `PUB_KEY_ID_…` and its `pub_key.pem`) and `PlatformCertificateStore` (certificates.ts); `combineKeys`
 * joins them for the switch-over, when WeChat signs with either.
 */
export interface WechatpayKeys {
  /** The key for `serial`, or undefined when the serial is unknown (or its certificate expired by `now`). */
  publicKey(serial: string, now: Date): KeyObject | undefined;
  /**
   * Optional: try to learn an unknown serial, resolving true when it is known afterwards. The certificate
   * store downloads `/v3/certificates` (rate-limited, so a stream of forged serials costs one download a minute).
   */
  learnSerial?(serial: string): Promise<boolean>;
}

/** Node's `IncomingHttpHeaders` (lowercase names) or a fetch `Headers`; names are matched case-insensitively. */
export type HeaderBag = Headers | Record<string, string | string[] | undefined>;

/** An answer or a notification as received: its headers and the body's raw bytes (or their exact text). */
export type SignedMessage = { headers: HeaderBag; body: string | Uint8Array };

export type VerifyFailure = 'MISSING_HEADER' | 'BAD_TIMESTAMP' | 'STALE_TIMESTAMP' | 'UNKNOWN_SERIAL' | 'BAD_SIGNATURE';

export type VerifyResult =
  | { ok: true; serial: string; timestamp: number; nonce: string }
  | { ok: false; reason: VerifyFailure; serial: string | null; message: string };

export type VerifyOptions = { now?: Date; maxSkewSeconds?: number };

export const WECHATPAY_HEADERS = {
  timestamp: 'Wechatpay-Timestamp',
  nonce: 'Wechatpay-Nonce',
  signature: 'Wechatpay-Signature',
  serial: 'Wechatpay-Serial',
} as const;

/** One header's value; a header given twice counts as absent, since we cannot tell which one was signed. */
export function headerValue(headers: HeaderBag, name: string): string | undefined {
  if (typeof (headers as Headers).get === 'function' && typeof (headers as Headers).forEach === 'function') {
    return (headers as Headers).get(name) ?? undefined;
  }
  const wanted = name.toLowerCase();
  let found: string | undefined;
  let seen = 0;
  for (const [key, value] of Object.entries(headers as Record<string, string | string[] | undefined>)) {
    if (key.toLowerCase() !== wanted || value === undefined) continue;
    const values = Array.isArray(value) ? value : [value];
    seen += values.length;
    found = values[0];
  }
  return seen === 1 ? found : undefined;
}

function bodyBytes(body: string | Uint8Array): Buffer {
  return typeof body === 'string' ? Buffer.from(body, 'utf8') : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
}

/** `TIMESTAMP\nNONCE\nBODY\n` over the body's exact bytes; an empty body gives `TIMESTAMP\nNONCE\n\n`. */
export function answerMessage(timestamp: string, nonce: string, body: string | Uint8Array): Buffer {
  return Buffer.concat([Buffer.from(`${timestamp}\n${nonce}\n`, 'utf8'), bodyBytes(body), Buffer.from('\n', 'utf8')]);
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** SHA256withRSA (PKCS#1 v1.5) check of a base64 signature; false for anything malformed, never a throw. */
export function verifyWithKey(message: string | Uint8Array, signatureBase64: string, publicKey: KeyObject): boolean {
  if (signatureBase64.length === 0 || signatureBase64.length % 4 !== 0 || !BASE64.test(signatureBase64)) return false;
  const data = typeof message === 'string' ? Buffer.from(message, 'utf8') : message;
  try {
    return rsaVerify('sha256', data, publicKey, Buffer.from(signatureBase64, 'base64'));
  } catch {
    return false;
  }
}

/**
 * Checks one answer or notification, synchronously, in this order: the four headers are there, the
 * timestamp is within 5 minutes of `now` (before any key work, so a replay costs nothing), the serial is
 * known (`UNKNOWN_SERIAL` is its own result: the caller may learn the serial once and try again, see
 * `verifySignedLearning`), and the signature holds over the exact body.
 */
export function verifySigned(keys: WechatpayKeys, msg: SignedMessage, opts: VerifyOptions = {}): VerifyResult {
  const now = opts.now ?? new Date();
  const maxSkew = opts.maxSkewSeconds ?? MAX_SKEW_SECONDS;
  const timestamp = headerValue(msg.headers, WECHATPAY_HEADERS.timestamp);
  const nonce = headerValue(msg.headers, WECHATPAY_HEADERS.nonce);
  const signature = headerValue(msg.headers, WECHATPAY_HEADERS.signature);
  const serial = headerValue(msg.headers, WECHATPAY_HEADERS.serial);
  const fail = (reason: VerifyFailure, message: string): VerifyResult => ({ ok: false, reason, serial: serial ?? null, message });

  if (!timestamp || !nonce || !signature || !serial) {
    const missing = Object.entries({ timestamp, nonce, signature, serial }).filter(([, v]) => !v);
    const names = missing.map(([k]) => WECHATPAY_HEADERS[k as keyof typeof WECHATPAY_HEADERS]);
    return fail('MISSING_HEADER', `missing or repeated header: ${names.join(', ')}`);
  }
  if (!/^\d{1,12}$/.test(timestamp)) return fail('BAD_TIMESTAMP', 'Wechatpay-Timestamp is not Unix seconds');
  const ts = Number(timestamp);
  const skew = now.getTime() / 1000 - ts;
  if (Math.abs(skew) > maxSkew) {
    const off = `${Math.round(Math.abs(skew))} s ${skew > 0 ? 'old' : 'in the future'}`;
    return fail('STALE_TIMESTAMP', `Wechatpay-Timestamp is ${off} (limit ${maxSkew} s)`);
  }
  const key = keys.publicKey(serial, now);
  if (!key) return fail('UNKNOWN_SERIAL', `no WeChat Pay key for serial ${serial}`);
  if (signature.startsWith(SIGNATURE_PROBE_PREFIX)) {
    return fail('BAD_SIGNATURE', "WeChat's signature probe (an intentionally invalid signature)");
  }
  if (!verifyWithKey(answerMessage(timestamp, nonce, msg.body), signature, key)) {
    return fail('BAD_SIGNATURE', 'Wechatpay-Signature does not verify over this body');
  }
  return { ok: true, serial, timestamp: ts, nonce };
}

/**
 * `verifySigned`, and on `UNKNOWN_SERIAL` one attempt to learn the serial (platform-certificate mode
 * downloads the certificates) before checking again. Still unknown after that: refused, `UNKNOWN_SERIAL`.
 */
export async function verifySignedLearning(keys: WechatpayKeys, msg: SignedMessage, opts: VerifyOptions = {}): Promise<VerifyResult> {
  const first = verifySigned(keys, msg, opts);
  if (first.ok || first.reason !== 'UNKNOWN_SERIAL' || !keys.learnSerial || first.serial === null) return first;
  let learned: boolean;
  try {
    learned = await keys.learnSerial(first.serial);
  } catch (err) {
    return { ...first, message: `${first.message}; fetching the certificates failed: ${(err as Error).message}` };
  }
  if (!learned) return { ...first, message: `${first.message}, not even after fetching the certificates` };
  return verifySigned(keys, msg, opts);
}

function rsaPublicKey(key: string | Buffer | KeyObject, where: string): KeyObject {
  let k: KeyObject;
  try {
    k = key instanceof KeyObject ? key : createPublicKey(key);
  } catch {
    throw new TypeError(`${where} is not a readable public key`);
  }
  if (k.asymmetricKeyType !== 'rsa') throw new TypeError(`${where} is not an RSA key`);
  // A private key given by mistake still verifies; keep only its public half.
  return k.type === 'private' ? createPublicKey(k) : k;
}

/** Public-key mode: one WeChat Pay public key (`pub_key.pem`) named by its `PUB_KEY_ID_…`. */
export function publicKeyMode(keyId: string, publicKeyPem: string | Buffer | KeyObject): WechatpayKeys & { keyId: string } {
  if (!keyId.startsWith(PUBLIC_KEY_ID_PREFIX) || keyId.length === PUBLIC_KEY_ID_PREFIX.length) {
    throw new TypeError(`a WeChat Pay public key id starts with ${PUBLIC_KEY_ID_PREFIX}`);
  }
  const key = rsaPublicKey(publicKeyPem, `the WeChat Pay public key ${keyId}`);
  return { keyId, publicKey: (serial) => (serial === keyId ? key : undefined) };
}

/** publicKeyMode from the downloaded file. */
export function loadPublicKeyMode(keyId: string, pemPath: string): WechatpayKeys & { keyId: string } {
  let pem: Buffer;
  try {
    pem = readFileSync(pemPath);
  } catch (err) {
    throw new TypeError(`cannot read the WeChat Pay public key ${pemPath} (${(err as NodeJS.ErrnoException).code ?? 'unknown error'})`);
  }
  return publicKeyMode(keyId, pem);
}

/** Several sources behind one interface: the first that knows a serial answers; learning asks each in turn. */
export function combineKeys(...sources: WechatpayKeys[]): WechatpayKeys {
  const learners = sources.filter((s) => s.learnSerial);
  return {
    publicKey: (serial, now) => {
      for (const s of sources) {
        const key = s.publicKey(serial, now);
        if (key) return key;
      }
      return undefined;
    },
    learnSerial:
      learners.length === 0
        ? undefined
        : async (serial) => {
            for (const s of learners) if (await s.learnSerial!(serial)) return true;
            return false;
          },
  };
}

/**
 * WeChat Pay's side of the exchange: the four headers for a body, signed with a WeChat Pay private key.
 * For the sandbox and tests only; the mall never holds such a key.
 */
export function wechatpaySignatureHeaders(
  privateKey: KeyObject,
  serial: string,
  body: string | Uint8Array,
  opts: { now?: Date; nonce?: string } = {},
): Record<string, string> {
  const timestamp = String(Math.floor((opts.now ?? new Date()).getTime() / 1000));
  const nonce = opts.nonce ?? randomBytes(16).toString('hex');
  const signature = rsaSign('sha256', answerMessage(timestamp, nonce, body), privateKey).toString('base64');
  return {
    [WECHATPAY_HEADERS.timestamp]: timestamp,
    [WECHATPAY_HEADERS.nonce]: nonce,
    [WECHATPAY_HEADERS.signature]: signature,
    [WECHATPAY_HEADERS.serial]: serial,
  };
}
