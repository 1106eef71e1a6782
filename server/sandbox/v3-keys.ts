// WeChat Pay's APIv3 keys as the sandbox holds them: the public-key pair, the platform certificates (rotatable),
// and the merchant certificate's public key that checks requests. Signs answers and notifications in either key mode.
import { createPrivateKey, randomBytes, X509Certificate, type KeyObject } from 'node:crypto';
import fs from 'node:fs';
import { PUBLIC_KEY_ID_PREFIX, wechatpaySignatureHeaders } from '../wechatpay-v3/verify.ts';
import type { V3BadAnswerKind } from './faults.ts';
import { randomDigits } from './ids.ts';
import type { KeyMode } from './store.ts';
import type { SandboxMerchant } from './types.ts';
import { issuePlatformCertFile, listPlatformCerts, type PlatformCert } from './v3-platform-certs.ts';

const STALE_MS = 10 * 60_000; // twice MAX_SKEW_SECONDS: refused by any verifier

export class V3Keys {
  readonly publicKeyId: string;
  /** Checks the merchant's request signatures (apiclient_cert.pem's key). */
  readonly merchantPublicKey: KeyObject;
  readonly merchantSerialNo: string;
  private readonly publicKeyPrivate: KeyObject;

  /** `dir` holds the platform certificate files (v3-platform-certs.ts) and the CA that issues new ones. */
  constructor(
    private readonly dir: string,
    merchant: SandboxMerchant,
    publicKeyPrivatePem: string,
  ) {
    this.publicKeyId = merchant.publicKeyId;
    this.merchantPublicKey = new X509Certificate(fs.readFileSync(merchant.certPemPath)).publicKey;
    this.merchantSerialNo = merchant.certSerialNo;
    this.publicKeyPrivate = createPrivateKey(publicKeyPrivatePem);
  }

  /** The key mode of an answer: public-key mode when the request named our public key id in Wechatpay-Serial. */
  modeFor(wechatpaySerial: string | string[] | undefined): KeyMode {
    return wechatpaySerial === this.publicKeyId ? 'public-key' : 'platform-certificate';
  }

  /**
   * Unexpired platform certificates, oldest first. Read from disk on each call (a directory listing; parsed files
   * are cached), so a rotation made by another process sharing the data dir is seen at once.
   */
  platformCerts(now = new Date()): PlatformCert[] {
    return listPlatformCerts(this.dir).filter((c) => c.notAfter.getTime() > now.getTime());
  }

  /** The certificate that signs platform-certificate-mode answers and notifications: the latest issued. */
  currentPlatformCert(now = new Date()): PlatformCert {
    const live = this.platformCerts(now);
    const current = live[live.length - 1];
    if (!current) throw new Error('no unexpired platform certificate: POST /sandbox/v3/rotate-certificate issues one');
    return current;
  }

  /** A new platform certificate, which signs from now on; the older ones stay listed until they expire. */
  rotate(): PlatformCert {
    return issuePlatformCertFile(this.dir);
  }

  /**
   * The four Wechatpay-* headers over `body` in `mode`. A `bad` kind spoils them as the v3BadAnswers fault asks:
   * a signature over other bytes, a timestamp 10 minutes old, or a serial nobody knows.
   */
  sign(mode: KeyMode, body: string, bad?: V3BadAnswerKind): Record<string, string> {
    const { serial, key } = this.signer(mode);
    const now = bad === 'stale' ? new Date(Date.now() - STALE_MS) : new Date();
    const signed = bad === 'signature' ? `${body}\n(not the body sent)` : body;
    return wechatpaySignatureHeaders(key, bad === 'serial' ? this.unknownSerial(mode) : serial, signed, { now });
  }

  private signer(mode: KeyMode): { serial: string; key: KeyObject } {
    if (mode === 'public-key') return { serial: this.publicKeyId, key: this.publicKeyPrivate };
    const cert = this.currentPlatformCert();
    return { serial: cert.serialNo, key: cert.privateKey };
  }

  /** Shaped like a real one of the mode, so the mall's "unknown serial" path is what gets exercised. */
  private unknownSerial(mode: KeyMode): string {
    if (mode === 'public-key') {
      let id: string;
      do id = `${PUBLIC_KEY_ID_PREFIX}${randomDigits(32)}`;
      while (id === this.publicKeyId);
      return id;
    }
    return randomBytes(16).toString('hex').toUpperCase().replace(/^0/, '7');
  }
}
