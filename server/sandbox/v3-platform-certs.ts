// The WeChat Pay platform certificates on disk (APIv3 platform-certificate mode): one file per certificate, never rewritten.
import { createPrivateKey, randomBytes, X509Certificate, type KeyObject } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { issuePlatformCert, newKeyPair } from './pki.ts';

export interface PlatformCert {
  /** Issue order: the highest live one is the one that signs. */
  index: number;
  /** Uppercase hex, as in `Wechatpay-Serial`. */
  serialNo: string;
  certPem: string;
  privateKey: KeyObject;
  notBefore: Date;
  notAfter: Date;
}

// Certificate and key in one 0600 file, so that a certificate can never be seen without its key.
const FILE = /^platform-cert-(\d{4,})\.pem$/;
const CERT_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n?/;
const KEY_BLOCK = /-----BEGIN PRIVATE KEY-----[\s\S]+?-----END PRIVATE KEY-----\n?/;

const fileName = (index: number): string => `platform-cert-${String(index).padStart(4, '0')}.pem`;

/** Files are immutable once linked into place, so a parsed one is cached by name for the life of the process. */
const parsed = new Map<string, PlatformCert>();

function read(dir: string, name: string, index: number): PlatformCert {
  const file = path.join(dir, name);
  const hit = parsed.get(file);
  if (hit) return hit;
  const text = fs.readFileSync(file, 'utf8');
  const certPem = CERT_BLOCK.exec(text)?.[0];
  const keyPem = KEY_BLOCK.exec(text)?.[0];
  if (!certPem || !keyPem) throw new Error(`${file} lacks its certificate or its key`);
  const x509 = new X509Certificate(certPem);
  const cert: PlatformCert = {
    index,
    serialNo: x509.serialNumber.toUpperCase(),
    certPem,
    privateKey: createPrivateKey(keyPem),
    notBefore: new Date(x509.validFrom),
    notAfter: new Date(x509.validTo),
  };
  parsed.set(file, cert);
  return cert;
}

/** Every platform certificate issued in this sandbox dir, oldest first (expired ones too). */
export function listPlatformCerts(dir: string): PlatformCert[] {
  return fs
    .readdirSync(dir)
    .map((name) => ({ name, m: FILE.exec(name) }))
    .filter((f): f is { name: string; m: RegExpExecArray } => f.m !== null)
    .map((f) => read(dir, f.name, Number.parseInt(f.m[1], 10)))
    .sort((a, b) => a.index - b.index);
}

/**
 * Issues the next platform certificate from the sandbox CA (ca.pem / ca-key.pem in `dir`). The file is written
 * aside and hard-linked into place: the link is atomic and refuses an existing name, so two processes rotating
 * at once get two numbers instead of one overwriting the other.
 */
export function issuePlatformCertFile(dir: string): PlatformCert {
  const issuer = { certPem: fs.readFileSync(path.join(dir, 'ca.pem'), 'utf8'), keyPem: fs.readFileSync(path.join(dir, 'ca-key.pem'), 'utf8') };
  const pair = newKeyPair();
  const tmp = path.join(dir, `.platform-cert.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  fs.writeFileSync(tmp, issuePlatformCert(issuer, pair) + pair.keyPem, { mode: 0o600 });
  fs.chmodSync(tmp, 0o600); // exact, whatever the umask
  try {
    let index = Math.max(0, ...listPlatformCerts(dir).map((c) => c.index)) + 1;
    for (;;) {
      try {
        fs.linkSync(tmp, path.join(dir, fileName(index)));
        return read(dir, fileName(index), index);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        index += 1;
      }
    }
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}
