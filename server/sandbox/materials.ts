// Creates the sandbox's CA, server certificate, merchant certificate (.p12 + PEM), APIv3 keys and credentials once; reuses them after.
import { createPublicKey, randomBytes, randomInt, X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import { isIP } from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { PUBLIC_KEY_ID_PREFIX } from '../wechatpay-v3/verify.ts';
import { randomAlnum, randomDigits } from './ids.ts';
import { issueClientCert, issueServerCert, makeCa, newKeyPair, toP12 } from './pki.ts';
import type { SandboxMerchant } from './types.ts';
import { issuePlatformCertFile, listPlatformCerts } from './v3-platform-certs.ts';

export interface Materials {
  caPem: string;
  caPath: string;
  serverCertPem: string;
  serverKeyPem: string;
  merchant: SandboxMerchant;
  credentialsPath: string;
  /** WeChat Pay's side of APIv3, never given to the mall: the private half of `pub_key.pem`. */
  publicKeyPrivatePem: string;
}

interface Credentials {
  appid: string;
  appSecret: string;
  mchId: string;
  apiKey: string;
  /** Absent in credentials.json written before the sandbox spoke APIv3: added once, by upgradeToV3. */
  apiV3Key?: string;
  publicKeyId?: string;
}

const FILES = {
  ca: 'ca.pem',
  caKey: 'ca-key.pem',
  server: 'server.pem',
  serverKey: 'server-key.pem',
  clientCert: 'apiclient_cert.pem',
  clientKey: 'apiclient_key.pem',
  p12: 'apiclient_cert.p12',
  publicKey: 'pub_key.pem', // WeChat Pay's public key, as the merchant platform hands it out
  publicKeyPrivate: 'pub_key_private.pem',
  credentials: 'credentials.json', // written last: its presence means the set is complete
} as const;

const LOCK_STALE_MS = 60_000;

/** Write-then-rename, so a reader (or a crash) never sees half a key. Keys get 0600. */
function writeAtomic(file: string, data: string | Buffer, mode: number): void {
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  fs.writeFileSync(tmp, data, { mode });
  fs.chmodSync(tmp, mode); // writeFileSync's mode passes through the umask: make it exact
  fs.renameSync(tmp, file);
}

function newV3Credentials(): Required<Pick<Credentials, 'apiV3Key' | 'publicKeyId'>> {
  return { apiV3Key: randomAlnum(32), publicKeyId: `${PUBLIC_KEY_ID_PREFIX}${randomDigits(32)}` };
}

function newCredentials(): Credentials {
  return {
    appid: `wx${randomBytes(8).toString('hex')}`,
    appSecret: randomBytes(16).toString('hex'),
    mchId: `19000000${String(randomInt(10, 100))}`,
    apiKey: randomAlnum(32),
    ...newV3Credentials(),
  };
}

const hasV3 = (c: Credentials): boolean => typeof c.apiV3Key === 'string' && typeof c.publicKeyId === 'string';

function readCredentials(dir: string): Credentials | undefined {
  const file = path.join(dir, FILES.credentials);
  if (!fs.existsSync(file)) return undefined;
  return JSON.parse(fs.readFileSync(file, 'utf8')) as Credentials;
}

function writeCredentials(dir: string, creds: Credentials): void {
  writeAtomic(path.join(dir, FILES.credentials), `${JSON.stringify(creds, null, 2)}\n`, 0o600);
}

/**
 * WeChat Pay's APIv3 keys: the public-key pair (`pub_key.pem` for the mall, its private half for us) and the
 * first platform certificate, unless one was already issued (a crash between here and credentials.json).
 */
function generateV3Keys(dir: string): void {
  const p = (f: string) => path.join(dir, f);
  const pubPair = newKeyPair();
  writeAtomic(p(FILES.publicKeyPrivate), pubPair.keyPem, 0o600);
  writeAtomic(p(FILES.publicKey), pubPair.publicPem, 0o644);
  if (listPlatformCerts(dir).length === 0) issuePlatformCertFile(dir);
}

/** A sandbox dir made before APIv3: its merchant, keys and CA stay; the v3 materials are added, credentials.json last. */
function upgradeToV3(dir: string, creds: Credentials): void {
  generateV3Keys(dir);
  writeCredentials(dir, { ...creds, ...newV3Credentials() });
}

function generate(dir: string, hosts: string[]): void {
  const p = (f: string) => path.join(dir, f);
  const creds = newCredentials();
  const caPair = newKeyPair();
  const caPem = makeCa(caPair);
  const issuer = { certPem: caPem, keyPem: caPair.keyPem };
  const serverPair = newKeyPair();
  const clientPair = newKeyPair();
  const clientPem = issueClientCert(issuer, clientPair, creds.mchId);
  writeAtomic(p(FILES.caKey), caPair.keyPem, 0o600);
  writeAtomic(p(FILES.ca), caPem, 0o644);
  writeAtomic(p(FILES.serverKey), serverPair.keyPem, 0o600);
  writeAtomic(p(FILES.server), issueServerCert(issuer, serverPair, hosts), 0o644);
  writeAtomic(p(FILES.clientKey), clientPair.keyPem, 0o600);
  writeAtomic(p(FILES.clientCert), clientPem, 0o644);
  writeAtomic(p(FILES.p12), toP12(clientPem, clientPair.keyPem, creds.mchId), 0o600);
  generateV3Keys(dir); // needs the CA on disk
  writeCredentials(dir, creds);
}

/** Several processes may start on one dataDir at once: one generates under a mkdir lock, the others wait. */
async function withLock(dir: string, done: () => boolean, work: () => void): Promise<void> {
  const lock = path.join(dir, '.generate.lock');
  for (;;) {
    if (done()) return;
    try {
      fs.mkdirSync(lock);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const age = Date.now() - (fs.statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > LOCK_STALE_MS) fs.rmSync(lock, { recursive: true, force: true }); // its owner died mid-way
      await sleep(100);
      continue;
    }
    try {
      if (!done()) work();
    } finally {
      fs.rmSync(lock, { recursive: true, force: true });
    }
    return;
  }
}

function hostsFor(host: string): string[] {
  const hosts = ['localhost', '127.0.0.1', '::1'];
  const wildcard = host === '0.0.0.0' || host === '::' || host === '';
  if (!wildcard && !hosts.includes(host)) hosts.push(host);
  return hosts;
}

function covers(certPem: string, host: string): boolean {
  const cert = new X509Certificate(certPem);
  if (host === '0.0.0.0' || host === '::' || host === '') return cert.checkIP('127.0.0.1') !== undefined;
  return isIP(host) ? cert.checkIP(host) !== undefined : cert.checkHost(host) !== undefined;
}

export async function loadOrCreateMaterials(dir: string, host: string): Promise<Materials> {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const p = (f: string) => path.join(dir, f);
  // Complete = credentials.json with the APIv3 fields; an older one is upgraded under the same lock, so
  // concurrent starters on an old dir add the v3 materials once and all read the same ones.
  const complete = (): boolean => {
    const creds = readCredentials(dir);
    return creds !== undefined && hasV3(creds);
  };
  await withLock(dir, complete, () => {
    const old = readCredentials(dir);
    if (old) upgradeToV3(dir, old);
    else generate(dir, hostsFor(host));
  });
  let serverCertPem = fs.readFileSync(p(FILES.server), 'utf8');
  if (!covers(serverCertPem, host)) {
    // Bound to a new address: re-issue only the server certificate, from the same CA, so clients keep trusting it.
    const keyPem = fs.readFileSync(p(FILES.serverKey), 'utf8');
    const publicPem = createPublicKey(keyPem).export({ type: 'spki', format: 'pem' }) as string;
    serverCertPem = issueServerCert(
      { certPem: fs.readFileSync(p(FILES.ca), 'utf8'), keyPem: fs.readFileSync(p(FILES.caKey), 'utf8') },
      { keyPem, publicPem },
      hostsFor(host),
    );
    writeAtomic(p(FILES.server), serverCertPem, 0o644);
  }
  const creds = readCredentials(dir) as Required<Credentials>;
  const certSerialNo = new X509Certificate(fs.readFileSync(p(FILES.clientCert))).serialNumber.toUpperCase();
  return {
    caPem: fs.readFileSync(p(FILES.ca), 'utf8'),
    caPath: p(FILES.ca),
    serverCertPem,
    serverKeyPem: fs.readFileSync(p(FILES.serverKey), 'utf8'),
    credentialsPath: p(FILES.credentials),
    merchant: {
      appid: creds.appid,
      appSecret: creds.appSecret,
      mchId: creds.mchId,
      apiKey: creds.apiKey,
      p12Path: p(FILES.p12),
      p12Passphrase: creds.mchId, // as WeChat does
      certPemPath: p(FILES.clientCert),
      keyPemPath: p(FILES.clientKey),
      apiV3Key: creds.apiV3Key,
      publicKeyId: creds.publicKeyId,
      publicKeyPemPath: p(FILES.publicKey),
      certSerialNo,
    },
    publicKeyPrivatePem: fs.readFileSync(p(FILES.publicKeyPrivate), 'utf8'),
  };
}
