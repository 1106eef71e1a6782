// Several server instances on one PostgreSQL database sharing one standalone sandbox (as in production:
// one WeChat for all of them), and a bounded-concurrency runner for driving them.
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { asBuyer, sandboxControl, type HttpAnswer } from './api.ts';
import { freshDatabaseUrl } from './database.ts';
import { newDataDir, ROOT, startServer, type TestServer } from './server.ts';

export interface SharedSandbox {
  url: string;
  dataDir: string;
  /** What the sandbox wrote on stderr (its log). */
  logs(): string;
  /** Its /sandbox/* control API. */
  control(method: string, p: string, body?: unknown): Promise<{ status: number; body: any }>; // eslint-disable-line @typescript-eslint/no-explicit-any
  stop(): Promise<void>;
}

/** Starts `server/sandbox/main.ts` in its own process and its own data folder. */
export async function startSharedSandbox(env: Record<string, string> = {}): Promise<SharedSandbox> {
  const dataDir = newDataDir();
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'server', 'sandbox', 'main.ts')], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', SANDBOX_DATA_DIR: dataDir, SANDBOX_SETTLE_DELAY_MS: '300', SANDBOX_NOTIFY_RETRY_SCALE: '0.001', SANDBOX_LATENCY_MS: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr!.on('data', (c: Buffer) => (err += c.toString('utf8'))); // read, so that a full pipe never blocks its log
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString('utf8');
      const line = out.split('\n').find((l) => l.includes('sandboxUrl'));
      if (line) resolve((JSON.parse(line) as { sandboxUrl: string }).sandboxUrl);
    });
    void exited.then(() => reject(new Error(`the standalone sandbox exited before it listened:\n${err}`)));
  });
  // sandboxControl finds the sandbox's CA under <dataDir>/sandbox/ca.pem, as for an embedded one
  const asServer = { sandboxUrl: url, dataDir } as TestServer;
  return {
    url,
    dataDir,
    logs: () => err,
    control: (method, p, body) => sandboxControl(asServer, method, p, body),
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      // killed if it does not stop: a sandbox still running when the test's process ends would outlive it
      const stopped = await Promise.race([exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 10_000))]);
      if (!stopped) {
        child.kill('SIGKILL');
        await exited;
      }
    },
  };
}

/**
 * The buyer's pay tap through the sandbox's cashier, tapped once more after a 502 UPSTREAM_UNAVAILABLE ("try
 * again": the call to WeChat found no answer, e.g. a kept-alive connection closed under it), as a buyer would.
 */
export async function sandboxPayAsBuyer(baseUrl: string, token: string, orderNo: string): Promise<HttpAnswer> {
  const pay = () => asBuyer(baseUrl, token)('POST', `/api/mp/orders/${orderNo}/sandbox-pay`);
  const first = await pay();
  if (first.status !== 502 || first.body?.error?.code !== 'UPSTREAM_UNAVAILABLE') return first;
  await new Promise((r) => setTimeout(r, 200));
  return pay();
}

/** Runs `fn` over `items` with at most `n` at once; the results in the items' order. */
export async function pool<T, R>(items: T[], n: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i], i);
      }
    }),
  );
  return out;
}

export interface Cluster {
  sandbox: SharedSandbox;
  databaseUrl: string;
  /** The env every instance started with (the shared sandbox, the test's settings). */
  env: Record<string, string>;
  /** The running instances; `restart` replaces one in place. */
  servers: TestServer[];
  /** (Re)starts instance `i` on its own data folder and the shared database, with `extraEnv` on top. */
  restart(i: number, extraEnv?: Record<string, string>): Promise<TestServer>;
  /** Stops every instance (SIGTERM) and the sandbox. */
  stop(): Promise<void>;
}

/**
 * `n` instances on one fresh database and one standalone sandbox, all started at once (the migrations run
 * once, under their lock). On SQLite they share one file, as processes on one machine can.
 */
export async function startCluster(n: number, env: Record<string, string> = {}, sandboxEnv: Record<string, string> = {}): Promise<Cluster> {
  const sandbox = await startSharedSandbox(sandboxEnv);
  const databaseUrl = await freshDatabaseUrl(sandbox.dataDir);
  const fullEnv = { SANDBOX_URL: sandbox.url, SANDBOX_DATA_DIR: sandbox.dataDir, BUYER_RATE_LIMIT_PER_MIN: '100000', ...env };
  const dataDirs = Array.from({ length: n }, () => {
    const dir = newDataDir();
    writeFileSync(path.join(dir, 'database-url.txt'), databaseUrl); // startServer reads it: all on one database
    return dir;
  });
  const servers: TestServer[] = [];
  const cluster: Cluster = {
    sandbox,
    databaseUrl,
    env: fullEnv,
    servers,
    restart: async (i, extraEnv = {}) => {
      servers[i] = await startServer({ dataDir: dataDirs[i], env: { ...fullEnv, ...extraEnv } });
      return servers[i];
    },
    stop: async () => {
      await Promise.allSettled(servers.map((s) => s.stop()));
      await sandbox.stop();
    },
  };
  const started = await Promise.allSettled(dataDirs.map((dataDir) => startServer({ dataDir, env: fullEnv })));
  for (const s of started) if (s.status === 'fulfilled') servers.push(s.value);
  const failed = started.find((s) => s.status === 'rejected');
  if (failed) {
    await cluster.stop(); // no instance left behind
    throw failed.reason;
  }
  return cluster;
}
