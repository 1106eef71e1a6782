// Starts the real server (sandbox mode, fresh SQLite file in a temp folder) as a child process, like `npm start`.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freshDatabaseUrl } from './database.ts';

export const ROOT = path.resolve(import.meta.dirname, '..', '..');
export const TEST_ADMIN = { username: 'merchant', password: 'correct-horse-battery' };

export interface TestServer {
  baseUrl: string;
  dataDir: string;
  sandboxUrl: string;
  env: Record<string, string>;
  logs(): string;
  /** SIGTERM; resolves with the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL, as a crash would. */
  kill(): Promise<void>;
  exited: Promise<number | null>;
  child: ChildProcess;
}

/** Fast timings so that a whole refund settles in about a second. */
export const FAST_ENV: Record<string, string> = {
  NODE_ENV: 'test',
  HOST: '127.0.0.1',
  PORT: '0',
  ADMIN_USERNAME: TEST_ADMIN.username,
  ADMIN_PASSWORD: TEST_ADMIN.password,
  REFUND_ORDER_GAP_S: '0',
  REFUND_QUERY_AFTER_S: '1',
  RETRY_BASE_MS: '100',
  WXPAY_TIMEOUT_MS: '3000',
  SANDBOX_SETTLE_DELAY_MS: '200',
  SANDBOX_NOTIFY_RETRY_SCALE: '0.001',
  SANDBOX_LATENCY_MS: '0',
  LOG_LEVEL: 'info',
};

export function newDataDir(): string {
  return mkdtempSync(path.join(tmpdir(), 'wxmall-test-'));
}

/** The data folder's database: created on its first start, the same one when a test restarts the server. */
async function databaseUrlFor(dataDir: string): Promise<string> {
  const file = path.join(dataDir, 'database-url.txt');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const url = await freshDatabaseUrl(dataDir);
  writeFileSync(file, url);
  return url;
}

export async function startServer(opts: { env?: Record<string, string>; dataDir?: string } = {}): Promise<TestServer> {
  const dataDir = opts.dataDir ?? newDataDir();
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '/tmp',
    ...FAST_ENV,
    DATA_DIR: dataDir,
    DATABASE_URL: await databaseUrlFor(dataDir),
    ...opts.env,
  };
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'server', 'main.ts')], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString('utf8')));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const listening = await new Promise<{ url: string; sandboxUrl?: string }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start in 60 s:\n${out}`)), 60_000);
    const onData = () => {
      for (const line of out.split('\n')) {
        if (!line.startsWith('{')) continue;
        try {
          const j = JSON.parse(line) as { msg?: string; url?: string; sandboxUrl?: string };
          if (j.msg === 'listening' && j.url) {
            clearTimeout(timer);
            child.stdout!.off('data', onData);
            resolve({ url: j.url, sandboxUrl: j.sandboxUrl });
            return;
          }
        } catch {
          /* not a log line */
        }
      }
    };
    child.stdout!.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before listening:\n${out}`));
    });
  });
  return {
    baseUrl: listening.url,
    dataDir,
    sandboxUrl: listening.sandboxUrl ?? '',
    env,
    child,
    exited,
    logs: () => out,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}
