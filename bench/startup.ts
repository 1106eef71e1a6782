// Start and idle: the time from spawning the server to its first 200 on /healthz, on a database already migrated
// (the ordinary restart), median of 5 starts; and its resident memory at idle, VmRSS 5 s after it says it is
// listening, with nothing asking anything of it (the sandbox, WeChat's side, in its own process). The bare
// Express server is started the same way for the ratio.
import { createServer } from 'node:net';
import { percentile } from './lib/load.ts';
import { rssMb } from './lib/rss.ts';
import { startHello, type Child } from './lib/server.ts';
import type { Benchmark } from './lib/types.ts';
import { prepareWorld } from './lib/world.ts';

const STARTS = 5;
const IDLE_AFTER_MS = 5000;
/** Idle memory is read on the first starts only: it hardly varies, and each reading costs 5 s of waiting. */
const IDLE_SAMPLES = 3;
const POLL_MS = 5;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

/** Polls `url` from the moment the process is spawned until it answers 200: ms since the spawn. */
async function firstOk(url: string, spawnedAt: number, failed: () => unknown): Promise<number> {
  for (;;) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      await res.arrayBuffer();
      if (res.status === 200) return Date.now() - spawnedAt;
    } catch {
      /* not listening yet */
    }
    if (failed()) throw failed();
    if (Date.now() - spawnedAt > 60_000) throw new Error(`no 200 from ${url} in 60 s`);
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

/** One start: spawn, poll, and when asked, the idle memory 5 s after listening; then stop. */
async function oneStart(spawn: (port: number) => Promise<Child>, path: string, idle: boolean): Promise<{ ms: number; idleMb?: number }> {
  const port = await freePort();
  const spawnedAt = Date.now();
  let failure: unknown;
  const starting = spawn(port);
  starting.catch((err: unknown) => {
    failure = err; // it exited before listening: the poll stops on it
  });
  try {
    const ms = await firstOk(`http://127.0.0.1:${port}${path}`, spawnedAt, () => failure);
    const c = await starting; // the "listening" line may come a moment after the first answer
    if (!idle) return { ms };
    await new Promise((r) => setTimeout(r, IDLE_AFTER_MS));
    return { ms, idleMb: rssMb(c.pid) ?? NaN };
  } finally {
    await (await starting.catch(() => undefined))?.stop();
  }
}

const median = (xs: number[]) => percentile([...xs].sort((a, b) => a - b), 50);

export const startup: Benchmark = {
  name: 'startup',
  title: 'Start to /healthz, and memory at idle',
  async run(ctx) {
    const world = await prepareWorld('startup', ctx); // migrated by its first start, with the template's rows
    try {
      const sandbox = await world.startSandbox();
      try {
        const server: Array<{ ms: number; idleMb?: number }> = [];
        for (let i = 0; i < STARTS; i++) {
          server.push(await oneStart((port) => world.startServer(sandbox, { env: { PORT: String(port) }, nodeArgs: ctx.nodeArgs }), '/healthz', i < IDLE_SAMPLES));
        }
        const hello: Array<{ ms: number; idleMb?: number }> = [];
        for (let i = 0; i < STARTS; i++) hello.push(await oneStart((port) => startHello(port), '/hello', i === 0));
        const startS = median(server.map((s) => s.ms)) / 1000;
        const helloS = median(hello.map((s) => s.ms)) / 1000;
        const idleMb = median(server.flatMap((s) => (s.idleMb === undefined ? [] : [s.idleMb])));
        const helloIdleMb = hello[0].idleMb!;
        ctx.log(`start to /healthz ${startS.toFixed(2)} s (hello ${helloS.toFixed(2)} s); idle RSS ${idleMb.toFixed(0)} MB (hello ${helloIdleMb.toFixed(0)} MB)`);
        return {
          figures: [
            { key: 'startup.healthz', value: startS, hello: helloS },
            { key: 'rss.idle', value: idleMb, hello: helloIdleMb },
          ],
          notes: [
            `Start: spawn to first 200 of /healthz (polled every ${POLL_MS} ms on a port chosen beforehand), ${STARTS} starts on the migrated ${ctx.db === 'postgres' ? 'PostgreSQL database' : 'SQLite file'}: ` +
              `${server.map((s) => `${s.ms} ms`).join(', ')} (bare Express to /hello: ${hello.map((s) => `${s.ms} ms`).join(', ')}). ` +
              `Idle: VmRSS ${IDLE_AFTER_MS / 1000} s after listening, nothing asked of the server meanwhile, on the first ${IDLE_SAMPLES} starts: ` +
              `${server.flatMap((s) => (s.idleMb === undefined ? [] : [`${s.idleMb.toFixed(0)} MB`])).join(', ')} (bare Express ${helloIdleMb.toFixed(0)} MB).`,
          ],
        };
      } finally {
        await sandbox.stop();
      }
    } finally {
      await world.remove();
    }
  },
};
