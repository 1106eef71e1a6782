// Diagnostic preload for the server: for every HTTP request, when it arrived, when it asked the SQLite adapter
// for a transaction, when it got it, and when the response finished; and when each connection was accepted.
// BENCH_NODE_ARGS="--import tsx --import $PWD/bench/tools/trace-preload.ts" npm run bench -- --db=sqlite buyer-refund
// (tsx for this file; an absolute path, as the server runs in the measured tree), then read
// ${TMPDIR}/wxmall-trace-<pid>.json (written on exit). It slows every promise down (AsyncLocalStorage): for
// finding where time goes, never for figures.
import { AsyncLocalStorage } from 'node:async_hooks';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import http from 'node:http';
import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3';

interface Trace { path: string; arrived: number; txAsked: number[]; txGot: number[]; steps: number[]; txEnd: number[]; finished: number }
const als = new AsyncLocalStorage<Trace>();
const traces: Trace[] = [];
const connections: number[] = [];
const t0 = performance.now();
const now = () => performance.now() - t0;

const emit = http.Server.prototype.emit;
http.Server.prototype.emit = function (this: http.Server, event: string, ...args: unknown[]) {
  if (event === 'connection') connections.push(now());
  if (event !== 'request') return emit.apply(this, [event, ...args] as never);
  const [req, res] = args as [http.IncomingMessage, http.ServerResponse];
  const t: Trace = { path: `${req.method} ${req.url}`, arrived: now(), txAsked: [], txGot: [], steps: [], txEnd: [], finished: 0 };
  traces.push(t);
  res.on('finish', () => (t.finished = now()));
  return als.run(t, () => emit.apply(this, [event, ...args] as never));
} as typeof emit;

const connect = PrismaBetterSqlite3.prototype.connect;
PrismaBetterSqlite3.prototype.connect = async function (this: PrismaBetterSqlite3) {
  const adapter = (await connect.call(this)) as unknown as { startTransaction: (...a: unknown[]) => Promise<{ commit(): Promise<void>; rollback(): Promise<void> }> };
  const start = adapter.startTransaction.bind(adapter);
  adapter.startTransaction = async (...a: unknown[]) => {
    const t = als.getStore();
    t?.txAsked.push(now());
    const tx = await start(...a);
    t?.txGot.push(now());
    const q = tx as unknown as Record<string, (x: unknown) => Promise<unknown>>;
    for (const m of ['queryRaw', 'executeRaw']) {
      const f = q[m].bind(tx);
      q[m] = async (x: unknown) => {
        t?.steps.push(now());
        return f(x);
      };
    }
    for (const m of ['commit', 'rollback'] as const) {
      const f = tx[m].bind(tx);
      tx[m] = async () => {
        t?.txEnd.push(now());
        return f();
      };
    }
    return tx;
  };
  return adapter as never;
} as typeof connect;

process.on('exit', () => {
  const out = process.env.TRACE_OUT ?? path.join(tmpdir(), `wxmall-trace-${process.pid}.json`);
  const done = traces.filter((t) => t.finished > 0);
  done.sort((a, b) => b.finished - b.arrived - (a.finished - a.arrived));
  writeFileSync(out, JSON.stringify({ connections, count: done.length, slowest: done.slice(0, 20), sample: done.slice(Math.floor(done.length / 2), Math.floor(done.length / 2) + 5) }, null, 1));
});
