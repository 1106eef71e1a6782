// The production start runs compiled JavaScript (scripts/build-server.mjs): the bundle, run by plain node with no
// TypeScript loader, migrates a fresh SQLite file, answers /healthz, serves the admin web, sends a refund from its
// send thread (a bundle of its own) and stops cleanly.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminSession, buyerLogin, placePaidOrder, requestRefund, waitForRefundStatus } from '../helpers/api.ts';
import { newDataDir, ROOT, TEST_ADMIN } from '../helpers/server.ts';

interface Builder {
  buildServer(opts?: { outdir?: string }): Promise<{ files: string[]; ms: number }>;
}

// inside the repository, as dist/ is: the bundle finds the repository root (package.json, migrations, the admin
// web) by walking up from itself, and its packages in node_modules/ the same way
const outdir = (() => {
  mkdirSync(path.join(ROOT, '.tmp'), { recursive: true });
  return mkdtempSync(path.join(ROOT, '.tmp', 'build-server-'));
})();
const dataDir = newDataDir();
let child: ChildProcess | undefined;
let exited: Promise<number | null>;
let out = '';
let baseUrl: string;

beforeAll(async () => {
  // a computed specifier: the script is plain JS, typed by the interface above
  const { buildServer } = (await import(pathToFileURL(path.join(ROOT, 'scripts', 'build-server.mjs')).href)) as Builder;
  await buildServer({ outdir });
  child = spawn(process.execPath, [path.join(outdir, 'server.mjs')], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: '0',
      DATA_DIR: dataDir,
      DATABASE_URL: `file:${path.join(dataDir, 'mall.db')}`,
      ADMIN_USERNAME: TEST_ADMIN.username,
      ADMIN_PASSWORD: TEST_ADMIN.password,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (c: Buffer) => (out += c.toString('utf8')));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString('utf8')));
  exited = new Promise((resolve) => child!.once('exit', (code) => resolve(code)));
  baseUrl = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the bundle did not start in 20 s:\n${out}`)), 20_000);
    child!.stdout!.on('data', () => {
      const line = out.split('\n').find((l) => l.includes('"msg":"listening"'));
      if (line) {
        clearTimeout(timer);
        resolve((JSON.parse(line) as { url: string }).url);
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`the bundle exited with ${code} before listening:\n${out}`));
    });
  });
});

afterAll(async () => {
  if (child && child.exitCode === null && child.signalCode === null) {
    child.kill('SIGKILL');
    await exited;
  }
  rmSync(outdir, { recursive: true, force: true });
  rmSync(dataDir, { recursive: true, force: true });
});

describe('the compiled server (dist/server.mjs)', () => {
  it('writes the three bundles, with source maps naming the TypeScript files', () => {
    for (const name of ['server.mjs', 'send-thread-worker.mjs', 'sandbox.mjs']) expect(existsSync(path.join(outdir, name))).toBe(true);
    const map = JSON.parse(readFileSync(path.join(outdir, 'server.mjs.map'), 'utf8')) as { sources: string[] };
    expect(map.sources.map((s) => path.resolve(outdir, s))).toContain(path.join(ROOT, 'server', 'main.ts'));
  });

  it('migrated the fresh database and answers /healthz', async () => {
    expect(out).toContain('"msg":"database migrated"');
    const res = await fetch(`${baseUrl}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('serves the admin web from the repository, found from the bundle', async () => {
    const res = await fetch(`${baseUrl}/`); // redirected to /admin/
    expect(res.status).toBe(200);
    expect(new URL(res.url).pathname).toBe('/admin/');
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await res.text()).toBe(readFileSync(path.join(ROOT, 'admin-web', 'dist', 'index.html'), 'utf8'));
  });

  it('carries a refund to REFUNDED: its call goes from the send thread’s own bundle', async () => {
    const token = await buyerLogin(baseUrl);
    const order = await placePaidOrder(baseUrl, token);
    const refund = await requestRefund(baseUrl, token, order.orderNo, order.totalFen);
    const admin = await adminSession(baseUrl);
    expect((await admin.call('POST', `/api/admin/refunds/${refund.refundNo}/approve`)).status).toBe(200);
    const done = await waitForRefundStatus(admin, refund.refundNo, 'REFUNDED', 30_000);
    expect(done.wechatCalls.filter((c: { endpoint: string }) => c.endpoint === '/secapi/pay/refund')).toMatchObject([{ httpStatus: 200, resultCode: 'SUCCESS' }]);
  }, 40_000);

  it('stops gracefully on SIGTERM', async () => {
    child!.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(out).toContain('"msg":"stopped"');
  });
});
