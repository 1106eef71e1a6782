// Starts the processes a benchmark needs, each bounded by timeouts and stopped by the caller: the real server
// (started as `npm start` starts it: bench/lib/target.ts), the WeChat Pay sandbox as its own process, and the
// bare Express reference. Every child is also killed if the runner itself exits, so nothing outlives a run.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { ROOT, sandboxLaunch, serverLaunch, type Launch } from './target.ts';

export { ROOT } from './target.ts';
export const BENCH_ADMIN = { username: 'merchant', password: 'correct-horse-battery' };

export interface Child {
  url: string;
  pid: number;
  child: ChildProcess;
  /** Date.now() when the process was spawned */
  spawnedAt: number;
  sandboxUrl?: string;
  logs(): string;
  stop(): Promise<number | null>;
}

const alive = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of alive) c.kill('SIGKILL');
});

/**
 * Environment for a benchmark server: production timings unless a benchmark says otherwise. `databaseUrl`
 * is the SQLite file in the data folder unless given (PostgreSQL: bench/lib/postgres.ts).
 */
export function serverEnv(dataDir: string, extra: Record<string, string> = {}, databaseUrl = `file:${path.join(dataDir, 'mall.db')}`): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '/tmp',
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    PORT: '0',
    DATA_DIR: dataDir,
    DATABASE_URL: databaseUrl,
    ADMIN_USERNAME: BENCH_ADMIN.username,
    ADMIN_PASSWORD: BENCH_ADMIN.password,
    LOG_LEVEL: 'info', // the production default; request lines are debug, so this costs nothing per request
    ...extra,
  };
}

function spawnUntil(cwd: string, args: string[], env: Record<string, string>, ready: (line: string) => { url: string; sandboxUrl?: string } | null, what: string): Promise<Child> {
  const spawnedAt = Date.now();
  const child = spawn(process.execPath, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  alive.add(child);
  let out = '';
  const keep = (c: Buffer) => {
    out += c.toString('utf8');
    if (out.length > 2_000_000) out = out.slice(-1_000_000); // a long run's logs: keep the tail
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      alive.delete(child);
      resolve(code);
    }),
  );
  return new Promise<Child>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${what} did not start in 90 s:\n${out.slice(-4000)}`));
    }, 90_000);
    let seen = 0;
    const onData = () => {
      const lines = out.slice(seen).split('\n');
      for (const line of lines.slice(0, -1)) {
        const hit = ready(line);
        if (hit) {
          clearTimeout(timer);
          child.stdout!.off('data', onData);
          resolve({
            ...hit,
            pid: child.pid!,
            child,
            spawnedAt,
            logs: () => out,
            stop: async () => {
              if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
              const t = setTimeout(() => child.kill('SIGKILL'), 30_000);
              const code = await exited;
              clearTimeout(t);
              return code;
            },
          });
          return;
        }
      }
      seen = out.lastIndexOf('\n') + 1;
    };
    child.stdout!.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited with ${code} before listening:\n${out.slice(-4000)}`));
    });
  });
}

function jsonLine(line: string): Record<string, unknown> | null {
  if (!line.startsWith('{')) return null;
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    return null;
  }
}

function start(l: Launch, nodeArgs: string[], env: Record<string, string>, ready: Parameters<typeof spawnUntil>[3], what: string): Promise<Child> {
  return spawnUntil(l.cwd, l.args(nodeArgs), env, ready, what);
}

/** The wx-mall server of the target tree. `nodeArgs` e.g. ['--cpu-prof', '--cpu-prof-dir=…'] for profiling. */
export function startMall(env: Record<string, string>, nodeArgs: string[] = []): Promise<Child> {
  return start(serverLaunch(), nodeArgs, env, (line) => {
    const j = jsonLine(line);
    return j?.msg === 'listening' && typeof j.url === 'string' ? { url: j.url, sandboxUrl: j.sandboxUrl as string | undefined } : null;
  }, 'wx-mall server');
}

/**
 * The WeChat Pay sandbox as its own process (this tree's, the server's SANDBOX_URL mode): WeChat's side of the
 * work (its TLS, signatures, bookkeeping, notifications, latency) is then not counted in the server's CPU and
 * memory, as with the real WeChat Pay. Its materials are in `${dataDir}/sandbox`. It answers in WeChat's
 * 100–300 ms (SANDBOX_LATENCY_MS, drawn per answer) unless a benchmark says otherwise.
 */
export function startSandboxProcess(dataDir: string, extra: Record<string, string> = {}): Promise<Child> {
  const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', SANDBOX_DATA_DIR: dataDir, SANDBOX_PORT: '0', SANDBOX_LATENCY_MS: '100-300', ...extra };
  return start(sandboxLaunch(), [], env, (line) => {
    const j = jsonLine(line);
    return typeof j?.sandboxUrl === 'string' ? { url: j.sandboxUrl, sandboxUrl: j.sandboxUrl } : null;
  }, 'sandbox');
}

/** The bare Express 5 hello server (bench/hello-server.mjs, plain JavaScript as the built server is); PORT=0 picks one. */
export function startHello(port = 0): Promise<Child> {
  return spawnUntil(ROOT, [path.join(ROOT, 'bench', 'hello-server.mjs')], { PATH: process.env.PATH ?? '', NODE_ENV: 'production', PORT: String(port) }, (line) => {
    const j = jsonLine(line);
    return typeof j?.url === 'string' ? { url: j.url } : null;
  }, 'hello server');
}
