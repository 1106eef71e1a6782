// The sandbox survives restarts and kills: same materials, pending notification retries and settlements resume.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import forge from 'node-forge';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../server/sandbox/start.ts';
import {
  cloneDataDir,
  control,
  FAIL_REPLY,
  paidTrade,
  refundNotifications,
  startReceiver,
  SUCCESS_REPLY,
  uniqueNo,
  waitFor,
  wxCall,
  type Receiver,
} from '../helpers/sandbox-client.ts';

let receiver: Receiver;
const dirs: string[] = [];
const open: Sandbox[] = [];

function tempDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'sandbox-restart-'));
  dirs.push(d);
  return d;
}

// Materials are generated once (in beforeAll) and copied into the other data dirs: RSA keys cost CPU time.
let template: string;
let firstStart: { caPem: string; merchant: Sandbox['merchant'] };

function seededDir(): string {
  const d = cloneDataDir(template);
  dirs.push(d);
  return d;
}

async function start(dataDir: string, opts: { settleDelayMs?: number; notifyRetryScale?: number } = {}): Promise<Sandbox> {
  const s = await startSandbox({ dataDir, settleDelayMs: 100, notifyRetryScale: 0.001, latencyMs: { min: 0, max: 0 }, ...opts });
  open.push(s);
  return s;
}

beforeAll(async () => {
  receiver = await startReceiver();
  template = tempDir();
  const s = await startSandbox({ dataDir: template, latencyMs: { min: 0, max: 0 } }); // generates the materials
  firstStart = { caPem: s.caPem, merchant: s.merchant };
  await s.close();
});

afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
  receiver.reply = () => SUCCESS_REPLY;
});

afterAll(async () => {
  await receiver?.close();
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

describe('materials', () => {
  it('are created once and reused on restart: same CA, same merchant, keys private', async () => {
    const dataDir = template;
    const first = firstStart;
    const b = await start(dataDir);
    expect(b.caPem).toBe(first.caPem);
    expect(b.merchant).toEqual(first.merchant);

    const m = b.merchant;
    expect(m.appid).toMatch(/^wx[0-9a-f]{16}$/);
    expect(m.mchId).toMatch(/^19000000\d{2}$/);
    expect(m.apiKey).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(m.p12Passphrase).toBe(m.mchId);
    const dir = path.join(dataDir, 'sandbox');
    for (const f of ['ca-key.pem', 'server-key.pem', 'apiclient_key.pem', 'apiclient_cert.p12', 'credentials.json']) {
      expect((fs.statSync(path.join(dir, f)).mode & 0o777).toString(8), f).toBe('600');
    }

    // The .p12 is WeChat-shaped: legacy PBE, passphrase = mch_id, certificate CN = mch_id, issued by the sandbox CA.
    const p12 = forge.pkcs12.pkcs12FromAsn1(forge.asn1.fromDer(fs.readFileSync(m.p12Path).toString('binary')), m.mchId);
    const cert = p12.getBags({ bagType: forge.pki.oids.certBag })[forge.pki.oids.certBag]![0].cert!;
    expect(cert.subject.getField('CN').value).toBe(m.mchId);
    expect(forge.pki.certificateFromPem(b.caPem).verify(cert)).toBe(true);
    expect(p12.getBags({ bagType: forge.pki.oids.pkcs8ShroudedKeyBag })[forge.pki.oids.pkcs8ShroudedKeyBag]).toHaveLength(1);
    expect(() => forge.pkcs12.pkcs12FromAsn1(forge.asn1.fromDer(fs.readFileSync(m.p12Path).toString('binary')), 'wrong')).toThrow();
  });
});

describe('durable state', () => {
  it('a restarted sandbox resumes a pending notification retry', async () => {
    const dataDir = seededDir();
    const a = await start(dataDir, { notifyRetryScale: 0.05 }); // first retry 15 s × 0.05 = 750 ms later
    receiver.reply = () => FAIL_REPLY;
    const { outTradeNo } = await paidTrade(a, receiver, 100); // its first delivery is answered FAIL
    const count = () => receiver.received.filter((r) => r.body.includes(outTradeNo)).length;
    await a.close(); // normally before the retry is due
    const beforeRestart = count();
    receiver.reply = () => SUCCESS_REPLY;
    const b = await start(dataDir);
    await waitFor(() => count() === beforeRestart + 1, 5000, 'the retry after restart');
    const notes = (await control(b, 'GET', '/sandbox/notifications')).json.items.filter((n: { ref: string }) => n.ref === outTradeNo);
    expect(notes).toMatchObject([{ status: 'DELIVERED', attempts: beforeRestart + 1 }]);
  });

  it('a restarted sandbox settles and notifies a refund accepted before it stopped', async () => {
    const dataDir = seededDir();
    const a = await start(dataDir, { settleDelayMs: 800 });
    const { outTradeNo } = await paidTrade(a, receiver, 100);
    const no = uniqueNo('R');
    const res = await wxCall(
      a,
      '/secapi/pay/refund',
      { out_trade_no: outTradeNo, out_refund_no: no, total_fee: 100, refund_fee: 100, notify_url: `${receiver.baseUrl}/refund` },
      { cert: true },
    );
    expect(res.result_code).toBe('SUCCESS');
    await a.close();
    expect(refundNotifications(a, receiver, no)).toHaveLength(0);
    const b = await start(dataDir);
    await waitFor(() => refundNotifications(b, receiver, no).length === 1, 5000, 'refund notification after restart');
    expect(refundNotifications(b, receiver, no)[0].refund_status).toBe('SUCCESS');
  });
});

describe('notification retry schedule', () => {
  it('tries 16 times in all (first + 15 retries on WeChat\'s schedule), then gives up', async () => {
    const s = await start(seededDir(), { notifyRetryScale: 0.00001 }); // 24h4m of retries in ~0.9 s
    receiver.reply = () => FAIL_REPLY;
    const { outTradeNo } = await paidTrade(s, receiver, 100);
    const note = async () =>
      ((await control(s, 'GET', '/sandbox/notifications')).json.items as { ref: string; status: string; attempts: number }[]).find(
        (n) => n.ref === outTradeNo,
      );
    for (let i = 0; i < 500 && (await note())?.status !== 'GAVE_UP'; i++) await new Promise((r) => setTimeout(r, 20));
    expect(await note()).toMatchObject({ status: 'GAVE_UP', attempts: 16 });
    expect(receiver.received.filter((r) => r.body.includes(outTradeNo))).toHaveLength(16);
  });
});

describe('standalone entry (main.ts)', () => {
  async function launch(dataDir: string, env: Record<string, string> = {}) {
    // node itself, with the TypeScript loader: through the tsx command the sandbox would be its child, and a
    // SIGKILL would kill only the command and leave the sandbox running
    const child = spawn(process.execPath, ['--import', 'tsx', 'server/sandbox/main.ts'], {
      env: { ...process.env, SANDBOX_DATA_DIR: dataDir, SANDBOX_NOTIFY_RETRY_SCALE: '0.001', SANDBOX_LATENCY_MS: '0', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
    await waitFor(() => out.includes('\n'), 20_000, 'the JSON line');
    return { child, line: out.trim() };
  }

  it('prints one JSON line without secrets, loses nothing when killed, and exits 0 on SIGTERM', async () => {
    const dataDir = seededDir();
    const secondDir = seededDir();
    // Two children: one to kill hard, one to stop with SIGTERM; started together to save a tsx start-up.
    const [{ child, line }, second] = await Promise.all([launch(dataDir, { SANDBOX_SETTLE_DELAY_MS: '1000' }), launch(secondDir)]);
    const info = JSON.parse(line);
    const creds = JSON.parse(fs.readFileSync(path.join(dataDir, 'sandbox', 'credentials.json'), 'utf8'));
    expect(info).toMatchObject({
      sandboxUrl: expect.stringMatching(/^https:\/\/127\.0\.0\.1:\d+$/),
      caPath: path.join(dataDir, 'sandbox', 'ca.pem'),
      merchant: { appid: creds.appid, mchId: creds.mchId, p12Path: path.join(dataDir, 'sandbox', 'apiclient_cert.p12') },
    });
    expect(line).not.toContain(creds.apiKey);
    expect(line).not.toContain(creds.appSecret);

    // Accept a refund in the child, then kill it hard before it settles.
    const remote: Sandbox = {
      baseUrl: info.sandboxUrl,
      caPem: fs.readFileSync(info.caPath, 'utf8'),
      caPath: info.caPath,
      merchant: {
        ...creds,
        p12Path: info.merchant.p12Path,
        p12Passphrase: creds.mchId,
        certPemPath: path.join(dataDir, 'sandbox', 'apiclient_cert.pem'),
        keyPemPath: path.join(dataDir, 'sandbox', 'apiclient_key.pem'),
      },
      close: async () => undefined,
    };
    const { outTradeNo } = await paidTrade(remote, receiver, 100);
    const no = uniqueNo('R');
    const params = { out_trade_no: outTradeNo, out_refund_no: no, total_fee: 100, refund_fee: 60, notify_url: `${receiver.baseUrl}/refund` };
    expect((await wxCall(remote, '/secapi/pay/refund', params, { cert: true })).result_code).toBe('SUCCESS');
    child.kill('SIGKILL');
    await once(child, 'exit');

    const b = await start(dataDir);
    expect(b.merchant.apiKey).toBe(creds.apiKey);
    await waitFor(() => refundNotifications(b, receiver, no).length === 1, 5000, 'refund notification after the kill');
    await b.close();
    open.splice(open.indexOf(b), 1);

    expect(JSON.parse(second.line).merchant.mchId).toBe(creds.mchId);
    second.child.kill('SIGTERM');
    const [code] = await once(second.child, 'exit');
    expect(code).toBe(0);
  });
});
