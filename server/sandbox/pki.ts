// Certificates for the sandbox: keys from Node's fast native RSA, certificates and PKCS#12 built with node-forge.
import { createPrivateKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import forge from 'node-forge';

export interface KeyPair {
  /** PKCS#8 PEM ("BEGIN PRIVATE KEY"), the form of WeChat's apiclient_key.pem. */
  keyPem: string;
  publicPem: string;
}

export interface Issuer {
  certPem: string;
  keyPem: string;
}

const DAY_MS = 86_400_000;

/** 2048-bit RSA in native code: node-forge's pure-JS generation takes seconds per key. */
export function newKeyPair(): KeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  return { keyPem: privateKey, publicPem: publicKey };
}

function forgeKey(keyPem: string): forge.pki.rsa.PrivateKey {
  // forge reads PKCS#1 most reliably; Node converts.
  const pkcs1 = createPrivateKey(keyPem).export({ type: 'pkcs1', format: 'pem' }) as string;
  return forge.pki.privateKeyFromPem(pkcs1);
}

function serial(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0] & 0x7f) | 0x10; // positive and without a leading zero byte, as DER integers want
  return bytes.toString('hex');
}

function baseCert(pair: KeyPair, days: number): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(pair.publicPem);
  cert.serialNumber = serial();
  cert.validity.notBefore = new Date(Date.now() - DAY_MS); // tolerate clock skew between processes
  cert.validity.notAfter = new Date(Date.now() + days * DAY_MS);
  return cert;
}

export function makeCa(pair: KeyPair): string {
  const cert = baseCert(pair, 3650);
  const subject = [
    { shortName: 'C', value: 'CN' },
    { shortName: 'O', value: 'wx-mall sandbox' },
    { shortName: 'CN', value: 'wx-mall WeChat Pay Sandbox CA' },
  ];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(forgeKey(pair.keyPem), forge.md.sha256.create());
  return forge.pki.certificateToPem(cert);
}

function issue(issuer: Issuer, pair: KeyPair, commonName: string, extensions: object[]): string {
  const ca = forge.pki.certificateFromPem(issuer.certPem);
  const cert = baseCert(pair, 1825);
  cert.setSubject([
    { shortName: 'C', value: 'CN' },
    { shortName: 'O', value: 'wx-mall sandbox' },
    { shortName: 'CN', value: commonName },
  ]);
  cert.setIssuer(ca.subject.attributes);
  cert.setExtensions([{ name: 'basicConstraints', cA: false }, ...extensions]);
  cert.sign(forgeKey(issuer.keyPem), forge.md.sha256.create());
  return forge.pki.certificateToPem(cert);
}

/** The TLS certificate of the simulated api.mch.weixin.qq.com, valid for loopback names. */
export function issueServerCert(issuer: Issuer, pair: KeyPair, hosts: string[]): string {
  const altNames = hosts.map((h) => (isIP(h) ? { type: 7, ip: h } : { type: 2, value: h }));
  return issue(issuer, pair, hosts[0] ?? 'localhost', [
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    { name: 'subjectAltName', altNames },
  ]);
}

/** The merchant API certificate: like WeChat's, its CN is the mch_id. */
export function issueClientCert(issuer: Issuer, pair: KeyPair, mchId: string): string {
  return issue(issuer, pair, mchId, [
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', clientAuth: true },
  ]);
}

/**
 * A WeChat Pay platform certificate (APIv3 platform-certificate mode): its key signs answers and notifications,
 * and the mall reads it from GET /v3/certificates by its hex serial.
 */
export function issuePlatformCert(issuer: Issuer, pair: KeyPair): string {
  return issue(issuer, pair, 'WeChat Pay platform (sandbox)', [
    { name: 'keyUsage', digitalSignature: true, nonRepudiation: true, keyEncipherment: true, critical: true },
  ]);
}

/**
 * apiclient_cert.p12 as WeChat ships it: certificate + key, passphrase = mch_id, legacy PBE (3DES here;
 * WeChat's own are RC2-40/3DES), which is why the client must load it through node-forge, not OpenSSL 3.
 */
export function toP12(certPem: string, keyPem: string, passphrase: string): Buffer {
  const asn1 = forge.pkcs12.toPkcs12Asn1(forgeKey(keyPem), [forge.pki.certificateFromPem(certPem)], passphrase, {
    algorithm: '3des',
    friendlyName: 'Tenpay Certificate',
  });
  return Buffer.from(forge.asn1.toDer(asn1).getBytes(), 'binary');
}
