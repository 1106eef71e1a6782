// Loads the merchant API certificate (apiclient_cert.p12, or the PEM pair) that /secapi/* needs for mutual TLS.
import { X509Certificate, createHash, createPrivateKey, type KeyObject } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import forge from 'node-forge';

export type MerchantCert = { certPem: string; keyPem: string; serialNo: string; notAfter: Date; subject: string };

export type CertErrorCode =
  | 'WRONG_PASSPHRASE'
  | 'NOT_A_CERTIFICATE'
  | 'EXPIRED'
  | 'NO_PRIVATE_KEY'
  | 'KEY_MISMATCH'
  | 'NOT_FOUND';

/** Messages name the file, never the passphrase. */
export class CertError extends Error {
  override name = 'CertError';
  constructor(
    readonly code: CertErrorCode,
    message: string,
    readonly path: string | null = null,
  ) {
    super(message);
  }
}

export type MerchantCertOptions = { p12Path?: string; passphrase?: string; certPemPath?: string; keyPemPath?: string };

function readFile(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'unknown error';
    throw new CertError('NOT_FOUND', `cannot read the merchant ${what} ${path} (${code})`, path);
  }
}

const PEM_CERT_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/**
 * Files already opened, by path, passphrase and the file's size and time: node-forge's key derivation is pure
 * JavaScript and takes ≈ 0.4 s of the start, and the v2 client and the v3 signer both load the same file.
 */
const openedP12 = new Map<string, { certPems: string[]; keyPem: string }>();

function fromP12(path: string, passphrase: string): { certPems: string[]; keyPem: string } {
  let key: string | undefined;
  try {
    const st = statSync(path);
    // hashed: the passphrase is not kept in a key in memory
    key = createHash('sha256').update(`${path}\0${st.size}\0${st.mtimeMs}\0${passphrase}`).digest('hex');
  } catch {
    /* unreadable: readP12 says why */
  }
  const known = key === undefined ? undefined : openedP12.get(key);
  if (known) return known;
  const opened = readP12(path, passphrase);
  if (key !== undefined) openedP12.set(key, opened);
  return opened;
}

/**
 * WeChat's p12 is PBE-SHA1-RC2-40 + 3DES, which Node 20's OpenSSL 3 rejects ("Unsupported PKCS12 PFX
 * data") without --openssl-legacy-provider; node-forge is pure JS and still reads it.
 */
function readP12(path: string, passphrase: string): { certPems: string[]; keyPem: string } {
  const der = readFile(path, 'certificate');
  if (der.subarray(0, 64).toString('latin1').includes('-----BEGIN')) {
    throw new CertError('NOT_A_CERTIFICATE', `${path} is a PEM file, not a PKCS#12 (.p12); configure it as the PEM certificate/key instead`, path);
  }
  let asn1: forge.asn1.Asn1;
  try {
    asn1 = forge.asn1.fromDer(der.toString('binary'), false);
  } catch {
    throw new CertError('NOT_A_CERTIFICATE', `${path} is not a PKCS#12 (.p12) certificate file`, path);
  }
  let p12: forge.pkcs12.Pkcs12Pfx;
  try {
    p12 = forge.pkcs12.pkcs12FromAsn1(asn1, false, passphrase);
  } catch (err) {
    const msg = (err as Error).message ?? '';
    if (/not an PKCS#12 PFX|Unsupported PKCS#12 PFX|Cannot read PKCS#12 PFX/i.test(msg)) {
      throw new CertError('NOT_A_CERTIFICATE', `${path} is not a PKCS#12 (.p12) certificate file`, path);
    }
    if (/OID is not RSA/i.test(msg)) {
      throw new CertError('NOT_A_CERTIFICATE', `${path} holds a non-RSA certificate, which WeChat Pay does not issue`, path);
    }
    // With a MAC the wrong passphrase fails the MAC check; without one it fails decryption: same meaning.
    throw new CertError(
      'WRONG_PASSPHRASE',
      `cannot open ${path}: wrong passphrase (WeChat's default is the merchant id) or a damaged file`,
      path,
    );
  }
  const certBags = p12.getBags({ bagType: forge.pki.oids.certBag })[forge.pki.oids.certBag] ?? [];
  const keyBags = [
    ...(p12.getBags({ bagType: forge.pki.oids.pkcs8ShroudedKeyBag })[forge.pki.oids.pkcs8ShroudedKeyBag] ?? []),
    ...(p12.getBags({ bagType: forge.pki.oids.keyBag })[forge.pki.oids.keyBag] ?? []),
  ];
  const certs = certBags.flatMap((b) => (b.cert ? [b.cert] : []));
  if (certs.length === 0) throw new CertError('NOT_A_CERTIFICATE', `${path} contains no certificate`, path);
  const key = keyBags.find((b) => b.key)?.key;
  if (!key) throw new CertError('NO_PRIVATE_KEY', `${path} contains no private key`, path);
  // The leaf is the certificate whose public key is ours; any others are the chain and follow it.
  const isOurs = (c: forge.pki.Certificate): boolean => {
    const pub = c.publicKey as forge.pki.rsa.PublicKey;
    return pub.n?.equals(key.n) === true && pub.e?.equals(key.e) === true;
  };
  const leaf = certs.find(isOurs) ?? certs[0];
  const ordered = [leaf, ...certs.filter((c) => c !== leaf)];
  return { certPems: ordered.map((c) => forge.pki.certificateToPem(c)), keyPem: forge.pki.privateKeyToPem(key) };
}

function fromPemPair(certPath: string, keyPath: string, passphrase: string | undefined): { certPems: string[]; keyPem: string } {
  const certText = readFile(certPath, 'certificate').toString('utf8');
  const keyBuf = readFile(keyPath, 'private key');
  const certPems = certText.match(PEM_CERT_BLOCK) ?? [];
  if (certPems.length === 0) throw new CertError('NOT_A_CERTIFICATE', `${certPath} contains no PEM certificate`, certPath);
  const keyText = keyBuf.toString('utf8');
  if (!/-----BEGIN (?:RSA |EC |ENCRYPTED )?PRIVATE KEY-----/.test(keyText)) {
    throw new CertError('NO_PRIVATE_KEY', `${keyPath} contains no PEM private key`, keyPath);
  }
  let key: KeyObject;
  try {
    key = createPrivateKey(passphrase === undefined ? keyBuf : { key: keyBuf, passphrase });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? '';
    if (/-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type: 4,ENCRYPTED/.test(keyText) || /PASSPHRASE|BAD_DECRYPT/i.test(code)) {
      throw new CertError('WRONG_PASSPHRASE', `cannot decrypt the private key ${keyPath}: wrong or missing passphrase`, keyPath);
    }
    throw new CertError('NO_PRIVATE_KEY', `${keyPath} does not hold a readable private key`, keyPath);
  }
  return { certPems, keyPem: key.export({ type: 'pkcs8', format: 'pem' }).toString() };
}

/**
 * Reads the p12 (preferred when both are given) or the PEM pair, and refuses a certificate that is
 * expired or does not belong to the key: WeChat would only answer "certificate not match" / CERT_ERROR later.
 */
export function loadMerchantCert(opts: MerchantCertOptions, now: Date = new Date()): MerchantCert {
  let source: { certPems: string[]; keyPem: string };
  let path: string;
  if (opts.p12Path) {
    path = opts.p12Path;
    source = fromP12(path, opts.passphrase ?? '');
  } else if (opts.certPemPath && opts.keyPemPath) {
    path = opts.certPemPath;
    source = fromPemPair(opts.certPemPath, opts.keyPemPath, opts.passphrase);
  } else {
    throw new CertError(
      'NOT_FOUND',
      'no merchant certificate configured: give the .p12 path, or both the certificate and the key PEM paths',
    );
  }
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(source.certPems[0]);
  } catch {
    throw new CertError('NOT_A_CERTIFICATE', `${path} does not hold a readable X.509 certificate`, path);
  }
  if (!x509.checkPrivateKey(createPrivateKey(source.keyPem))) {
    throw new CertError('KEY_MISMATCH', `the private key does not belong to the certificate in ${path}`, path);
  }
  const notAfter = new Date(x509.validTo);
  if (!(notAfter.getTime() > now.getTime())) {
    throw new CertError(
      'EXPIRED',
      `the merchant certificate in ${path} expired on ${notAfter.toISOString()}; download a new one from the merchant platform`,
      path,
    );
  }
  return {
    certPem: source.certPems.map((p) => p.replace(/\r\n/g, '\n').trim()).join('\n') + '\n',
    keyPem: source.keyPem.replace(/\r\n/g, '\n'),
    serialNo: x509.serialNumber.toUpperCase(),
    notAfter,
    subject: x509.subject.split('\n').join(', '),
  };
}
