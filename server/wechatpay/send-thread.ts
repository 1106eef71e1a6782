// Paced calls to WeChat (the refund dispatcher's) go from a thread of their own. The server's event loop is
// busy with the database and the requests; a timer there fires several ms late whenever a transaction or an
// answer is being handled, and a call later than its slot allows cannot go (the shared budget's spacing would
// break), so on one loop ≈ 15 % of the slots were lost. The thread's loop has nothing else to do: it holds
// each call until its slot, checks it (lib/slot-gate.ts) and sends it (docs/architecture.md#refund-dispatch-timing).
// The caller prepares and signs the request beforehand and reads the answer afterwards, as for any other call.
import { Worker } from 'node:worker_threads';
import { SlotMissed, type SendTiming } from '../lib/slot-gate.ts';
import { TransportError, type AgentMaterial, type HttpsOptions, type HttpsResult } from './http.ts';
import type { SendThreadData, TimedCall, TimedCallResult } from './send-thread-worker.ts';

/** An answer from the thread, with when the call went. */
export type TimedAnswer = HttpsResult & { sentAt: number };

/**
 * The thread's program: bundled beside the server (dist/send-thread-worker.mjs), or from the TypeScript sources,
 * which a worker can load only through the TypeScript loader registered in the worker itself (a loader the
 * server was started with stays in its own thread).
 */
function workerProgram(): { program: string | URL; eval: boolean } {
  if (!import.meta.url.endsWith('.ts')) return { program: new URL('./send-thread-worker.mjs', import.meta.url), eval: false };
  const source = new URL('./send-thread-worker.ts', import.meta.url).href;
  const loader = import.meta.resolve('tsx/esm/api');
  return { program: `import(${JSON.stringify(loader)}).then(({ register }) => { register(); return import(${JSON.stringify(source)}); });`, eval: true };
}

export class SendThread {
  private worker: Worker | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (a: TimedAnswer) => void; reject: (err: Error) => void }>();

  /** `material`: the TLS client material of the caller's own connection pool (the merchant certificate for v2). */
  constructor(private readonly material: AgentMaterial) {}

  /**
   * Sends at `timing`'s slot. Resolves with the answer; rejects with SlotMissed (nothing was sent: take
   * another slot), TransportError (no complete answer), or TransportError CONNECTION if the thread itself died
   * with the call (its outcome unknown: resending the same request is safe).
   */
  request(url: URL, opts: Omit<HttpsOptions, 'agent'>, timing: SendTiming): Promise<TimedAnswer> {
    const worker = this.started();
    const id = this.nextId++;
    return new Promise<TimedAnswer>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      if (this.pending.size === 1) worker.ref(); // the process waits for calls on their way
      worker.postMessage({ id, url: url.href, opts, timing } satisfies TimedCall);
    });
  }

  /** Stops the thread (after the calls on their way settled: it aborts any still running). */
  close(): void {
    void this.worker?.terminate();
    this.worker = null;
  }

  private started(): Worker {
    if (this.worker) return this.worker;
    const { program, eval: isSource } = workerProgram();
    const worker = new Worker(program, { eval: isSource, workerData: { material: this.material } satisfies SendThreadData });
    worker.unref();
    worker.on('message', (r: TimedCallResult) => this.settle(r));
    const lost = (why: string) => {
      if (this.worker === worker) this.worker = null; // the next call starts a new one
      for (const [id, p] of this.pending) {
        this.pending.delete(id);
        p.reject(new TransportError('CONNECTION', `the send thread ${why} with the call on its way`));
      }
    };
    worker.on('error', (err) => lost(`failed (${err.message})`));
    worker.on('exit', () => lost('stopped'));
    this.worker = worker;
    return worker;
  }

  private settle(r: TimedCallResult): void {
    const p = this.pending.get(r.id);
    if (!p) return;
    this.pending.delete(r.id);
    if (this.pending.size === 0) this.worker?.unref();
    if ('answer' in r) {
      const body = Buffer.from(r.answer.body.buffer, r.answer.body.byteOffset, r.answer.body.byteLength);
      p.resolve({ status: r.answer.status, headers: r.answer.headers, body, sentAt: r.sentAt });
    } else if ('missed' in r) p.reject(new SlotMissed(r.missed.why, r.missed.retryInMs));
    else if (r.failed.transport) p.reject(new TransportError(r.failed.code as TransportError['code'], r.failed.message));
    else p.reject(new TransportError('CONNECTION', r.failed.message));
  }
}
