// Starts the real server (node --import tsx server/main.ts, sandbox mode, SQLite file) as a child process,
// the way `npm start` runs it, and the bare hello server; both bounded by timeouts and stopped by the caller.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

export const ROOT = path.resolve(import.meta.dirname, '..', '..');
export const BENCH_ADMIN = { username: 'merchant', password: 'correct-horse-battery' };

export interface Child {
  url: string;
  pid: number;
  child: ChildProcess;
  sandboxUrl?: string;
  logs(): string;
  stop(): Promise<number | null>;
}

/** Environment for a benchmark server: production timings unless a benchmark says otherwise. */
export function serverEnv(dataDir: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '/tmp',
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    PORT: '0',
    DATA_DIR: dataDir,
    DATABASE_URL: `file:${path.join(dataDir, 'mall.db')}`,
    ADMIN_USERNAME: BENCH_ADMIN.username,
    ADMIN_PASSWORD: BENCH_ADMIN.password,
    LOG_LEVEL: 'info', // the production default; request lines are debug, so this costs nothing per request
    ...extra,
  };
}

function spawnUntil(args: string[], env: Record<string, string>, ready: (line: string) => { url: string; sandboxUrl?: string } | null, what: string): Promise<Child> {
  const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const keep = (c: Buffer) => {
    out += c.toString('utf8');
    if (out.length > 2_000_000) out = out.slice(-1_000_000); // a long run's logs: keep the tail
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
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

/** The wx-mall server. `nodeArgs` e.g. ['--cpu-prof', '--cpu-prof-dir=…'] for profiling. */
export function startMall(env: Record<string, string>, nodeArgs: string[] = []): Promise<Child> {
  return spawnUntil(['--import', 'tsx', ...nodeArgs, path.join(ROOT, 'server', 'main.ts')], env, (line) => {
    if (!line.startsWith('{')) return null;
    try {
      const j = JSON.parse(line) as { msg?: string; url?: string; sandboxUrl?: string };
      return j.msg === 'listening' && j.url ? { url: j.url, sandboxUrl: j.sandboxUrl } : null;
    } catch {
      return null;
    }
  }, 'wx-mall server');
}

/**
 * The WeChat Pay sandbox as its own process (`tsx server/sandbox/main.ts`, the server's SANDBOX_URL mode):
 * WeChat's side of the work (its TLS, signatures, bookkeeping, notifications) is then not counted in the
 * server's CPU and memory, as with the real WeChat Pay. Its materials are in `${dataDir}/sandbox`.
 */
export function startSandboxProcess(dataDir: string, extra: Record<string, string> = {}): Promise<Child> {
  const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', SANDBOX_DATA_DIR: dataDir, SANDBOX_PORT: '0', ...extra };
  return spawnUntil(['--import', 'tsx', path.join(ROOT, 'server', 'sandbox', 'main.ts')], env, (line) => {
    try {
      const j = JSON.parse(line) as { sandboxUrl?: string };
      return j.sandboxUrl ? { url: j.sandboxUrl, sandboxUrl: j.sandboxUrl } : null;
    } catch {
      return null;
    }
  }, 'sandbox');
}

/** The bare Express 5 hello server (bench/hello-server.ts). */
export function startHello(): Promise<Child> {
  return spawnUntil(['--import', 'tsx', path.join(ROOT, 'bench', 'hello-server.ts')], { PATH: process.env.PATH ?? '', NODE_ENV: 'production' }, (line) => {
    try {
      const j = JSON.parse(line) as { url?: string };
      return j.url ? { url: j.url } : null;
    } catch {
      return null;
    }
  }, 'hello server');
}
