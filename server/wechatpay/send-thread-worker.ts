// The send thread's program (started by send-thread.ts): it holds each paced call until its slot, lets it go
// or refuses it (lib/slot-gate.ts), and makes the HTTPS request with its own connection pool. Its event loop
// does nothing else, so its timers fire on time.
import { parentPort, workerData } from 'node:worker_threads';
import { SlotGate, SlotMissed, type SendTiming } from '../lib/slot-gate.ts';
import { httpsRequest, TransportError, wechatAgent, type AgentMaterial, type HttpsOptions } from './http.ts';

/** A call handed to the thread. */
export interface TimedCall {
  id: number;
  url: string;
  opts: Omit<HttpsOptions, 'agent'>;
  timing: SendTiming;
}

/** What became of it. `sentAt` (epoch ms): when it went. */
export type TimedCallResult = { id: number } & (
  | { answer: { status: number; headers: Record<string, string | string[] | undefined>; body: Uint8Array }; sentAt: number }
  | { missed: { why: SlotMissed['why']; retryInMs: number } }
  | { failed: { transport: boolean; code: string; message: string }; sentAt: number }
);

export interface SendThreadData {
  material: AgentMaterial;
}

const port = parentPort;
if (port) {
  const agent = wechatAgent((workerData as SendThreadData).material);
  const gate = new SlotGate();
  // a new connection is a TLS handshake for WeChat too: the gate counts the calls of the next second more strictly
  const connect = agent.createConnection.bind(agent) as typeof agent.createConnection;
  agent.createConnection = ((...args: Parameters<typeof connect>) => {
    gate.opening();
    return connect(...args);
  }) as typeof agent.createConnection;
  port.on('message', (call: TimedCall) => {
    void send(call).then((result) => port.postMessage(result));
  });

  async function send({ id, url, opts, timing }: TimedCall): Promise<TimedCallResult> {
    try {
      await gate.pass(timing);
    } catch (err) {
      if (err instanceof SlotMissed) return { id, missed: { why: err.why, retryInMs: err.retryInMs } };
      throw err;
    }
    const sentAt = Date.now();
    try {
      // never resent here, even on a connection WeChat had closed: its slot is spent; the dispatcher gives it a new one
      const r = await httpsRequest(new URL(url), { ...opts, agent });
      // a copy of exactly the body's bytes: a Buffer's own memory may be a larger shared pool
      return { id, answer: { status: r.status, headers: r.headers, body: new Uint8Array(r.body) }, sentAt };
    } catch (err) {
      const e = err as Error & { code?: string };
      return { id, failed: { transport: err instanceof TransportError, code: String(e.code ?? ''), message: e.message }, sentAt };
    }
  }
}
