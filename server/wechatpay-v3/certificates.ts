// Platform-certificate mode: WeChat Pay's certificates from GET /v3/certificates by serial, their expiry, refresh timing, fetch on a new serial.
import { X509Certificate, type KeyObject } from 'node:crypto';
import { AesGcmError, decryptResource, encryptResource, type EncryptedResource } from './aes-gcm.ts';
import { verifySigned, type SignedMessage, type WechatpayKeys } from './verify.ts';

export const CERTIFICATES_PATH = '/v3/certificates';

export type PlatformCertificate = {
  /** Uppercase hex, as in `Wechatpay-Serial`. */
  serialNo: string;
  effectiveAt: Date;
  /** The earlier of `expire_time` (which WeChat moves forward before a rotation) and the certificate's own notAfter. */
  expiresAt: Date;
  certPem: string;
  publicKey: KeyObject;
};

export type CertificatesErrorCode = 'BAD_ANSWER' | 'DECRYPT_FAILED' | 'SERIAL_MISMATCH' | 'BAD_SIGNATURE';

export class CertificatesError extends Error {
  override name = 'CertificatesError';
  constructor(
    readonly code: CertificatesErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The injected download: a signed `GET /v3/certificates` resolving with the answer's headers and raw body.
 * It rejects on a transport failure or a status other than 200. No HTTP here.
 */
export type FetchCertificates = () => Promise<SignedMessage>;

type Entry = { serial_no: string; effective_time: string; expire_time: string; encrypt_certificate: EncryptedResource };

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function time(value: unknown, name: string): Date {
  const d = typeof value === 'string' ? new Date(value) : new Date(NaN);
  if (Number.isNaN(d.getTime())) throw new CertificatesError('BAD_ANSWER', `${name} is not an RFC 3339 time`);
  return d;
}

function entries(body: string | Uint8Array): Entry[] {
  let json: unknown;
  try {
    json = JSON.parse(typeof body === 'string' ? body : Buffer.from(body).toString('utf8'));
  } catch {
    throw new CertificatesError('BAD_ANSWER', 'the certificates answer is not JSON');
  }
  const data = isRecord(json) ? json.data : undefined;
  if (!Array.isArray(data) || data.length === 0) throw new CertificatesError('BAD_ANSWER', 'the certificates answer has no data');
  return data.map((e, i) => {
    const enc = isRecord(e) ? e.encrypt_certificate : undefined;
    if (!isRecord(e) || typeof e.serial_no !== 'string' || !/^[0-9A-Fa-f]+$/.test(e.serial_no) || !isRecord(enc)) {
      throw new CertificatesError('BAD_ANSWER', `data[${i}] lacks serial_no or encrypt_certificate`);
    }
    if (typeof enc.ciphertext !== 'string' || typeof enc.nonce !== 'string' || typeof enc.algorithm !== 'string') {
      throw new CertificatesError('BAD_ANSWER', `data[${i}].encrypt_certificate is incomplete`);
    }
    if (enc.associated_data !== undefined && typeof enc.associated_data !== 'string') {
      throw new CertificatesError('BAD_ANSWER', `data[${i}].encrypt_certificate.associated_data is not a string`);
    }
    return e as unknown as Entry;
  });
}

const sameSerial = (a: string, b: string): boolean => a.toUpperCase().replace(/^0+/, '') === b.toUpperCase().replace(/^0+/, '');

/**
 * Decrypts every `encrypt_certificate` of a `/v3/certificates` body with the APIv3 key and reads it.
 * AES-GCM authenticates each one, so a certificate that decrypts came from someone holding our APIv3 key.
 */
export function parseCertificatesAnswer(body: string | Uint8Array, apiV3Key: string): PlatformCertificate[] {
  return entries(body).map((e) => {
    let pem: string;
    try {
      pem = decryptResource(e.encrypt_certificate, apiV3Key);
    } catch (err) {
      const why = err instanceof AesGcmError ? err.message : 'unreadable';
      throw new CertificatesError('DECRYPT_FAILED', `certificate ${e.serial_no}: ${why}`);
    }
    let x509: X509Certificate;
    try {
      x509 = new X509Certificate(pem);
    } catch {
      throw new CertificatesError('BAD_ANSWER', `certificate ${e.serial_no} decrypts to something that is not a certificate`);
    }
    if (!sameSerial(x509.serialNumber, e.serial_no)) {
      throw new CertificatesError('SERIAL_MISMATCH', `serial_no ${e.serial_no} names a certificate whose serial is ${x509.serialNumber}`);
    }
    if (x509.publicKey.asymmetricKeyType !== 'rsa') throw new CertificatesError('BAD_ANSWER', `certificate ${e.serial_no} is not RSA`);
    const expire = time(e.expire_time, `expire_time of ${e.serial_no}`);
    const notAfter = new Date(x509.validTo);
    return {
      serialNo: e.serial_no.toUpperCase(),
      effectiveAt: time(e.effective_time, `effective_time of ${e.serial_no}`),
      expiresAt: notAfter.getTime() < expire.getTime() ? notAfter : expire,
      certPem: pem,
      publicKey: x509.publicKey,
    };
  });
}

/** `2026-06-08T10:34:56+08:00`: RFC 3339 in Beijing time, the form of WeChat's timestamps. */
export function beijingTime(d: Date): string {
  return new Date(d.getTime() + 8 * 3_600_000).toISOString().slice(0, 19) + '+08:00';
}

/** The inverse of parseCertificatesAnswer: a `/v3/certificates` body, for the sandbox and tests. */
export function certificatesAnswerBody(
  certs: Array<{ certPem: string; effectiveAt: Date; expiresAt: Date; nonce?: string }>,
  apiV3Key: string,
): string {
  const data = certs.map((c) => ({
    serial_no: new X509Certificate(c.certPem).serialNumber.toUpperCase(),
    effective_time: beijingTime(c.effectiveAt),
    expire_time: beijingTime(c.expiresAt),
    encrypt_certificate: encryptResource(c.certPem, apiV3Key, { nonce: c.nonce, associatedData: 'certificate' }),
  }));
  return JSON.stringify({ data });
}

export type CertificateStoreOptions = {
  apiV3Key: string;
  fetch: FetchCertificates;
  clock?: () => Date;
  /** Download again at least this often (WeChat asks for less than 12 h). */
  refreshIntervalMs?: number;
  /** And no later than this long before the newest certificate expires. */
  renewBeforeMs?: number;
  /** No download sooner than this after the previous attempt, unless asked by `refresh()` itself. */
  minFetchIntervalMs?: number;
};

const HOUR = 3_600_000;

/**
 * The platform certificates, by serial. `refresh()` downloads, decrypts and checks the answer's own
 * signature (with the certificates it brings, or ones we hold) before adding anything. Certificates are
 * merged by serial, so an older one stays usable until it expires; WeChat lists a new one 24 h before
 * it signs with it.
 */
export class PlatformCertificateStore implements WechatpayKeys {
  private readonly certs = new Map<string, PlatformCertificate>();
  private lastSuccessAt: Date | null = null;
  private lastAttemptAt: Date | null = null;
  private inflight: Promise<PlatformCertificate[]> | null = null;
  private readonly clock: () => Date;
  private readonly refreshIntervalMs: number;
  private readonly renewBeforeMs: number;
  private readonly minFetchIntervalMs: number;
  /** The last download's failure, until a download succeeds. */
  lastError: Error | null = null;

  constructor(private readonly opts: CertificateStoreOptions) {
    this.clock = opts.clock ?? (() => new Date());
    this.refreshIntervalMs = opts.refreshIntervalMs ?? 12 * HOUR;
    this.renewBeforeMs = opts.renewBeforeMs ?? 24 * HOUR;
    this.minFetchIntervalMs = opts.minFetchIntervalMs ?? 60_000;
  }

  publicKey(serial: string, now: Date): KeyObject | undefined {
    const c = this.certs.get(serial.toUpperCase());
    return c && now.getTime() < c.expiresAt.getTime() ? c.publicKey : undefined;
  }

  get(serial: string): PlatformCertificate | undefined {
    return this.certs.get(serial.toUpperCase());
  }

  /** Every certificate held, the latest-expiring first. */
  list(): PlatformCertificate[] {
    return [...this.certs.values()].sort((a, b) => b.expiresAt.getTime() - a.expiresAt.getTime());
  }

  /**
   * The certificate to encrypt for WeChat with: the latest-expiring one already in effect (WeChat's advice),
   * else the latest-expiring unexpired one.
   */
  newest(now: Date = this.clock()): PlatformCertificate | undefined {
    const live = this.list().filter((c) => now.getTime() < c.expiresAt.getTime());
    return live.find((c) => c.effectiveAt.getTime() <= now.getTime()) ?? live[0];
  }

  /** Adds certificates (a cache, a test); a known serial is replaced, so a moved expiry is taken. Expired ones are dropped. */
  add(certs: PlatformCertificate[], now: Date = this.clock()): void {
    for (const c of certs) this.certs.set(c.serialNo.toUpperCase(), c);
    for (const [serial, c] of this.certs) if (c.expiresAt.getTime() <= now.getTime()) this.certs.delete(serial);
  }

  /**
   * When the next download is due: now if none has succeeded; else the earlier of the periodic refresh
   * and `renewBeforeMs` before the newest certificate expires; never sooner than `minFetchIntervalMs` after
   * the last attempt, so a failing or a not-yet-rotated WeChat is not asked in a loop.
   */
  refreshDueAt(): Date {
    const floor = this.lastAttemptAt ? this.lastAttemptAt.getTime() + this.minFetchIntervalMs : 0;
    let due = 0;
    if (this.lastSuccessAt) {
      const newest = this.newest(this.lastSuccessAt);
      const periodic = this.lastSuccessAt.getTime() + this.refreshIntervalMs;
      due = newest ? Math.min(periodic, newest.expiresAt.getTime() - this.renewBeforeMs) : 0;
    }
    return new Date(Math.max(due, floor));
  }

  needsRefresh(now: Date = this.clock()): boolean {
    return now.getTime() >= this.refreshDueAt().getTime();
  }

  /** Downloads now. Concurrent calls share one download. Rejects with the fetch's error or a CertificatesError. */
  refresh(): Promise<PlatformCertificate[]> {
    this.inflight ??= this.download().finally(() => {
      this.inflight = null;
    });
    return this.inflight;
  }

  private async download(): Promise<PlatformCertificate[]> {
    this.lastAttemptAt = this.clock();
    try {
      const answer = await this.opts.fetch();
      const now = this.clock();
      const fresh = parseCertificatesAnswer(answer.body, this.opts.apiV3Key);
      // The answer is signed like any other; the key may be one it brings (first download, rotation) or one we hold.
      const brought = (serial: string, at: Date): KeyObject | undefined =>
        fresh.find((c) => sameSerial(c.serialNo, serial) && at.getTime() < c.expiresAt.getTime())?.publicKey;
      const keys: WechatpayKeys = { publicKey: (serial, at) => brought(serial, at) ?? this.publicKey(serial, at) };
      const check = verifySigned(keys, answer, { now });
      if (!check.ok) throw new CertificatesError('BAD_SIGNATURE', `the certificates answer is refused: ${check.message}`);
      this.add(fresh, now);
      this.lastSuccessAt = now;
      this.lastError = null;
      return this.list();
    } catch (err) {
      this.lastError = err as Error;
      throw err;
    }
  }

  /**
   * Fetch on sight of a new serial (the client calls this through `verifySignedLearning`): true when the
   * serial is known afterwards. Waits for a download already running; starts one only if the last attempt
   * is older than `minFetchIntervalMs`, otherwise answers false and the message is refused.
   */
  async learnSerial(serial: string): Promise<boolean> {
    const known = (): boolean => this.publicKey(serial, this.clock()) !== undefined;
    if (known()) return true;
    if (this.inflight) {
      await this.inflight;
      return known();
    }
    const last = this.lastAttemptAt;
    if (last && this.clock().getTime() - last.getTime() < this.minFetchIntervalMs) return false;
    await this.refresh();
    return known();
  }
}
