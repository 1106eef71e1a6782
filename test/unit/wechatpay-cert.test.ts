// The merchant certificate loader: WeChat's legacy RC2-40 p12 loads (Node alone refuses it), errors are precise.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { createSecureContext } from 'node:tls';
import { afterAll, describe, expect, it } from 'vitest';
import { CertError, loadMerchantCert } from '../../server/wechatpay/cert.ts';
import { FIXTURE_PASSPHRASE, fixture } from '../fixtures/wechatpay/pki.ts';
import { rmSync } from 'node:fs';

const tmp = mkdtempSync(join(tmpdir(), 'wx-cert-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function certError(fn: () => unknown): CertError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(CertError);
    return err as CertError;
  }
  throw new Error('expected a CertError');
}

describe('loadMerchantCert', () => {
  it('the fixture is a legacy p12 that Node/OpenSSL 3 itself refuses', () => {
    expect(() => createSecureContext({ pfx: readFileSync(fixture('apiclient_cert.p12')), passphrase: FIXTURE_PASSPHRASE })).toThrow(
      /Unsupported PKCS12 PFX data/,
    );
  });

  it('loads the legacy p12 through node-forge into a usable PEM pair', () => {
    const c = loadMerchantCert({ p12Path: fixture('apiclient_cert.p12'), passphrase: FIXTURE_PASSPHRASE });
    expect(c.serialNo).toBe('4CDAC54D2747471713135007');
    expect(c.notAfter.toISOString()).toBe('2056-01-01T00:00:00.000Z');
    expect(c.subject).toContain('CN=1900000109');
    const x509 = new X509Certificate(c.certPem);
    expect(x509.checkPrivateKey(createPrivateKey(c.keyPem))).toBe(true);
    expect(x509.raw.equals(new X509Certificate(readFileSync(fixture('cert.pem'))).raw)).toBe(true);
    // Node's TLS accepts what we produce
    expect(() => createSecureContext({ cert: c.certPem, key: c.keyPem })).not.toThrow();
  });

  it('loads the PEM pair to the same certificate', () => {
    const c = loadMerchantCert({ certPemPath: fixture('cert.pem'), keyPemPath: fixture('key.pem') });
    expect(c.serialNo).toBe('4CDAC54D2747471713135007');
  });

  it('wrong passphrase → WRONG_PASSPHRASE, naming the file but not the passphrase', () => {
    const e = certError(() => loadMerchantCert({ p12Path: fixture('apiclient_cert.p12'), passphrase: 'hunter2-secret' }));
    expect(e.code).toBe('WRONG_PASSPHRASE');
    expect(e.message).toContain('apiclient_cert.p12');
    expect(e.message).not.toContain('hunter2-secret');
    expect(certError(() => loadMerchantCert({ p12Path: fixture('apiclient_cert.p12') })).code).toBe('WRONG_PASSPHRASE');
  });

  it('a file that is not a certificate → NOT_A_CERTIFICATE', () => {
    const junk = join(tmp, 'junk.p12');
    writeFileSync(junk, 'this is not a certificate\n');
    const e = certError(() => loadMerchantCert({ p12Path: junk, passphrase: FIXTURE_PASSPHRASE }));
    expect(e.code).toBe('NOT_A_CERTIFICATE');
    expect(e.message).toContain(junk);
    // a PEM given where the p12 belongs, and junk given as the PEM certificate
    expect(certError(() => loadMerchantCert({ p12Path: fixture('cert.pem'), passphrase: 'x' })).code).toBe('NOT_A_CERTIFICATE');
    expect(certError(() => loadMerchantCert({ certPemPath: junk, keyPemPath: fixture('key.pem') })).code).toBe('NOT_A_CERTIFICATE');
  });

  it('an expired certificate → EXPIRED (p12 and PEM)', () => {
    const e = certError(() => loadMerchantCert({ p12Path: fixture('expired.p12'), passphrase: FIXTURE_PASSPHRASE }));
    expect(e.code).toBe('EXPIRED');
    expect(e.message).toContain('2016-01-01');
    const e2 = certError(() => loadMerchantCert({ certPemPath: fixture('expired_cert.pem'), keyPemPath: fixture('expired_key.pem') }));
    expect(e2.code).toBe('EXPIRED');
    // and the valid one counts as expired once its day has passed
    const later = new Date('2056-01-02T00:00:00Z');
    expect(certError(() => loadMerchantCert({ certPemPath: fixture('cert.pem'), keyPemPath: fixture('key.pem') }, later)).code).toBe(
      'EXPIRED',
    );
  });

  it('a p12 without a private key → NO_PRIVATE_KEY; a key file without a key → NO_PRIVATE_KEY', () => {
    expect(certError(() => loadMerchantCert({ p12Path: fixture('cert_only.p12'), passphrase: FIXTURE_PASSPHRASE })).code).toBe(
      'NO_PRIVATE_KEY',
    );
    expect(certError(() => loadMerchantCert({ certPemPath: fixture('cert.pem'), keyPemPath: fixture('cert.pem') })).code).toBe(
      'NO_PRIVATE_KEY',
    );
  });

  it('a certificate with another key → KEY_MISMATCH', () => {
    const e = certError(() => loadMerchantCert({ certPemPath: fixture('cert.pem'), keyPemPath: fixture('expired_key.pem') }));
    expect(e.code).toBe('KEY_MISMATCH');
  });

  it('a missing file or no configuration → NOT_FOUND', () => {
    const e = certError(() => loadMerchantCert({ p12Path: join(tmp, 'nope.p12'), passphrase: 'x' }));
    expect(e.code).toBe('NOT_FOUND');
    expect(e.message).toContain('nope.p12');
    expect(certError(() => loadMerchantCert({})).code).toBe('NOT_FOUND');
    expect(certError(() => loadMerchantCert({ certPemPath: fixture('cert.pem') })).code).toBe('NOT_FOUND');
  });

  it('an encrypted PEM key opens with its passphrase only', () => {
    const enc = createPrivateKey(readFileSync(fixture('key.pem'))).export({
      type: 'pkcs8',
      format: 'pem',
      cipher: 'aes-256-cbc',
      passphrase: 'pem-pass',
    });
    const keyPath = join(tmp, 'enc_key.pem');
    writeFileSync(keyPath, enc);
    expect(loadMerchantCert({ certPemPath: fixture('cert.pem'), keyPemPath: keyPath, passphrase: 'pem-pass' }).serialNo).toBe(
      '4CDAC54D2747471713135007',
    );
    const e = certError(() => loadMerchantCert({ certPemPath: fixture('cert.pem'), keyPemPath: keyPath, passphrase: 'nope' }));
    expect(e.code).toBe('WRONG_PASSPHRASE');
    expect(e.message).not.toContain('nope');
    expect(certError(() => loadMerchantCert({ certPemPath: fixture('cert.pem'), keyPemPath: keyPath })).code).toBe('WRONG_PASSPHRASE');
  });
});
