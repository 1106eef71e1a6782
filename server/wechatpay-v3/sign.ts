// APIv3 request signing (docs/wechat-pay.md § APIv3): the WECHATPAY2-SHA256-RSA2048 Authorization header.
import { KeyObject, createPrivateKey, randomBytes, sign as rsaSign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { CertError, loadMerchantCert, type MerchantCert, type MerchantCertOptions } from '../wechatpay/cert.ts';

export const AUTH_SCHEMA = 'WECHATPAY2-SHA256-RSA2048';

/** Everything needed to sign as the merchant. `serialNo` is the merchant API certificate's serial. */
export type MerchantSigner = { mchId: string; serialNo: string; privateKey: KeyObject };

/** What a signed request carries; `authorization` is the whole header value. */
export type SignedRequest = {
  authorization: string;
  timestamp: string;
  nonce: string;
  signature: string;
  /** The exact string that was signed, for logs and for debugging a 401 SIGN_ERROR. */
  message: string;
};

export type RequestToSign = {
  method: string;
  /** A path with its query (`/v3/refund/domestic/refunds/RF1?sub_mchid=…`) or an absolute URL. */
  url: string;
  /** The exact body that goes on the wire; absent or '' for GET. */
  body?: string;
};

/** 32 characters of [0-9A-F]: WeChat allows up to 32 for `nonce_str`. */
export function newNonce(): string {
  return randomBytes(16).toString('hex').toUpperCase();
}

/** Unix seconds as a decimal string, the only timestamp form APIv3 uses. */
export function unixSeconds(now: Date = new Date()): string {
  return String(Math.floor(now.getTime() / 1000));
}

/**
 * The request target WeChat signs against: path plus query, never scheme or host. An absolute URL is
 * reduced through WHATWG URL, the same parser the HTTP client uses to put it on the wire.
 */
export function canonicalUrl(url: string): string {
  if (url.startsWith('/')) return url;
  const u = new URL(url);
  return u.pathname + u.search;
}

/** `METHOD\nURL\nTIMESTAMP\nNONCE\nBODY\n`: five lines, each ending in `\n`, the last one too. */
export function requestMessage(method: string, url: string, timestamp: string, nonce: string, body = ''): string {
  return `${method.toUpperCase()}\n${canonicalUrl(url)}\n${timestamp}\n${nonce}\n${body}\n`;
}

/** Base64 SHA256withRSA (PKCS#1 v1.5) over the UTF-8 bytes of `message`. Also used for the v3 paySign. */
export function signWithKey(message: string | Uint8Array, privateKey: KeyObject): string {
  const data = typeof message === 'string' ? Buffer.from(message, 'utf8') : message;
  return rsaSign('sha256', data, privateKey).toString('base64');
}

/** Signs one request. `now` and `nonce` are injectable so tests (and replays in a sandbox) are exact. */
export function signRequest(signer: MerchantSigner, req: RequestToSign, opts: { now?: Date; nonce?: string } = {}): SignedRequest {
  const timestamp = unixSeconds(opts.now);
  const nonce = opts.nonce ?? newNonce();
  const message = requestMessage(req.method, req.url, timestamp, nonce, req.body ?? '');
  const signature = signWithKey(message, signer.privateKey);
  const authorization =
    `${AUTH_SCHEMA} mchid="${signer.mchId}",nonce_str="${nonce}",signature="${signature}",` +
    `timestamp="${timestamp}",serial_no="${signer.serialNo}"`;
  return { authorization, timestamp, nonce, signature, message };
}

/**
 * The headers every APIv3 call needs. `wechatpaySerial` names the WeChat Pay key the request refers to:
 * required in public-key mode (`PUB_KEY_ID_…`) and whenever a field is encrypted for WeChat.
 */
export function requestHeaders(
  signer: MerchantSigner,
  req: RequestToSign,
  opts: { now?: Date; nonce?: string; wechatpaySerial?: string; userAgent?: string } = {},
): { headers: Record<string, string>; signed: SignedRequest } {
  const signed = signRequest(signer, req, opts);
  // WeChat's interface rules ask for JSON both ways on every call (image upload aside) and for a User-Agent.
  const headers: Record<string, string> = {
    authorization: signed.authorization,
    accept: 'application/json',
    'content-type': 'application/json',
    'user-agent': opts.userAgent ?? 'wx-mall-wechatpay-v3',
  };
  if (opts.wechatpaySerial) headers['wechatpay-serial'] = opts.wechatpaySerial;
  return { headers, signed };
}

export type AuthorizationFields = { mchid: string; nonce_str: string; signature: string; timestamp: string; serial_no: string };

/**
 * Reads an Authorization header back (the sandbox's side, and tests). Items may come in any order;
 * a missing item, a duplicate or another schema gives null.
 */
export function parseAuthorization(header: string): AuthorizationFields | null {
  const prefix = `${AUTH_SCHEMA} `;
  if (!header.startsWith(prefix)) return null;
  const fields = new Map<string, string>();
  const item = /\s*([a-z_]+)="([^"]*)"\s*(?:,|$)/y;
  const rest = header.slice(prefix.length);
  while (item.lastIndex < rest.length) {
    const m = item.exec(rest);
    if (!m || fields.has(m[1])) return null;
    fields.set(m[1], m[2]);
  }
  const get = (name: keyof AuthorizationFields): string => fields.get(name) ?? '';
  const out: AuthorizationFields = {
    mchid: get('mchid'),
    nonce_str: get('nonce_str'),
    signature: get('signature'),
    timestamp: get('timestamp'),
    serial_no: get('serial_no'),
  };
  return Object.values(out).every((v) => v !== '') ? out : null;
}

const HEX_SERIAL = /^[0-9A-Fa-f]{2,64}$/;

function rsaPrivateKey(key: KeyObject | string | Buffer, where: string): KeyObject {
  let k: KeyObject;
  try {
    k = key instanceof KeyObject ? key : createPrivateKey(key);
  } catch {
    throw new CertError('NO_PRIVATE_KEY', `${where} does not hold a readable private key`);
  }
  if (k.type !== 'private' || k.asymmetricKeyType !== 'rsa') {
    throw new CertError('NO_PRIVATE_KEY', `${where} is not an RSA private key (APIv3 signs with RSA 2048)`);
  }
  if ((k.asymmetricKeyDetails?.modulusLength ?? 0) < 2048) {
    throw new CertError('NO_PRIVATE_KEY', `${where} is shorter than the 2048 bits APIv3 requires`);
  }
  return k;
}

/** A signer from a key already in memory. The serial is uppercased: WeChat shows and compares it so. */
export function merchantSigner(mchId: string, serialNo: string, privateKey: KeyObject | string | Buffer): MerchantSigner {
  if (!HEX_SERIAL.test(serialNo)) throw new CertError('NOT_A_CERTIFICATE', 'the merchant certificate serial must be hexadecimal');
  return { mchId, serialNo: serialNo.toUpperCase(), privateKey: rsaPrivateKey(privateKey, 'the merchant key') };
}

/** A signer from the certificate the v2 client already loaded (same key, same certificate, same serial). */
export function signerFromMerchantCert(mchId: string, cert: MerchantCert): MerchantSigner {
  return merchantSigner(mchId, cert.serialNo, cert.keyPem);
}

/**
 * The `.p12` or the PEM pair, as for `loadMerchantCert`; or only `keyPemPath` (`apiclient_key.pem`) with
 * `serialNo` copied from the merchant platform (API安全 → API证书), for a merchant who kept just the key.
 */
export type SignerFileOptions = MerchantCertOptions & { serialNo?: string };

/**
 * Loads the signing key. The `.p12` (WeChat's legacy one too) and the PEM pair go through
 * `loadMerchantCert`, which checks that key and certificate match and are unexpired, and the serial comes
 * from the certificate; a given `serialNo` must then agree with it.
 */
export function loadMerchantSigner(mchId: string, opts: SignerFileOptions, now: Date = new Date()): MerchantSigner {
  const { serialNo, ...certOpts } = opts;
  if (!certOpts.p12Path && !certOpts.certPemPath && certOpts.keyPemPath && serialNo) {
    return merchantSigner(mchId, serialNo, readKeyFile(certOpts.keyPemPath, certOpts.passphrase));
  }
  const signer = signerFromMerchantCert(mchId, loadMerchantCert(certOpts, now));
  if (serialNo && serialNo.toUpperCase() !== signer.serialNo) {
    throw new CertError('KEY_MISMATCH', `the configured serial ${serialNo} is not the certificate's (${signer.serialNo})`);
  }
  return signer;
}

function readKeyFile(path: string, passphrase: string | undefined): KeyObject {
  let pem: Buffer;
  try {
    pem = readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'unknown error';
    throw new CertError('NOT_FOUND', `cannot read the merchant private key ${path} (${code})`, path);
  }
  try {
    return createPrivateKey(passphrase === undefined ? pem : { key: pem, passphrase });
  } catch {
    throw new CertError('NO_PRIVATE_KEY', `${path} does not hold a readable private key (or its passphrase is wrong)`, path);
  }
}
