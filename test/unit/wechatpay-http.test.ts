// httpsRequest over real TLS: a call written on a kept-alive connection that the other side has closed is sent
// once more on a new connection when it is idempotent, and reported otherwise; a new connection's failure is not.
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TransportError, httpsRequest, wechatAgent } from '../../server/wechatpay/http.ts';
import { issue, makeCa, type TestCa } from '../fixtures/wechatpay/pki.ts';

let ca: TestCa;
let server: https.Server;
let base: string;
/** What the server does with the nth request on a connection (1-based): answer, or drop the connection unanswered. */
let onRequest: (nthOnConnection: number) => 'answer' | 'drop';
let received: Array<{ connection: number; nth: number }>;

beforeAll(async () => {
  ca = makeCa('wx-mall http test CA');
  const leaf = issue(ca, { commonName: '127.0.0.1', server: true });
  let connections = 0;
  const perSocket = new WeakMap<object, { connection: number; count: number }>();
  server = https.createServer({ key: leaf.keyPem, cert: leaf.certPem }, (req, res) => {
    let s = perSocket.get(req.socket);
    if (!s) perSocket.set(req.socket, (s = { connection: ++connections, count: 0 }));
    s.count += 1;
    received.push({ connection: s.connection, nth: s.count });
    req.resume();
    req.on('end', () => {
      // a connection closed under a request just written on it: what the client sees when WeChat's idle timeout
      // closes a kept-alive connection at the moment it is reused
      if (onRequest(s.count) === 'drop') req.socket.destroy();
      else res.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  received = [];
});

async function twoCalls(idempotent: boolean): Promise<PromiseSettledResult<unknown>> {
  const agent = wechatAgent({ ca: ca.certPem });
  try {
    const first = await httpsRequest(new URL(`${base}/a`), { method: 'POST', agent, timeoutMs: 5000, body: 'x', idempotent });
    expect(first.body.toString()).toBe('ok');
    // the second goes on the first's kept-alive connection
    const [second] = await Promise.allSettled([
      httpsRequest(new URL(`${base}/b`), { method: 'POST', agent, timeoutMs: 5000, body: 'y', idempotent }),
    ]);
    return second!;
  } finally {
    agent.destroy();
  }
}

describe('httpsRequest on a kept-alive connection the other side closed', () => {
  it('sends an idempotent call once more, on a new connection', async () => {
    onRequest = (nth) => (nth === 2 ? 'drop' : 'answer');
    const second = await twoCalls(true);
    expect(second.status).toBe('fulfilled');
    expect((second as PromiseFulfilledResult<{ body: Buffer }>).value.body.toString()).toBe('ok');
    expect(received).toEqual([
      { connection: 1, nth: 1 },
      { connection: 1, nth: 2 }, // dropped
      { connection: 2, nth: 1 }, // the same call again
    ]);
  });

  it('reports any other call as a connection failure, sent once', async () => {
    onRequest = (nth) => (nth === 2 ? 'drop' : 'answer');
    const second = await twoCalls(false);
    expect(second.status).toBe('rejected');
    const err = (second as PromiseRejectedResult).reason as TransportError;
    expect(err).toBeInstanceOf(TransportError);
    expect(err.code).toBe('CONNECTION');
    expect(err.staleConnection).toBe(true);
    expect(received.map((r) => r.nth)).toEqual([1, 2]);
  });

  it('does not resend a call whose new connection was closed: that is WeChat failing, not a stale connection', async () => {
    onRequest = () => 'drop';
    const agent = wechatAgent({ ca: ca.certPem });
    try {
      const err = await httpsRequest(new URL(`${base}/c`), { method: 'POST', agent, timeoutMs: 5000, body: 'z', idempotent: true }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TransportError);
      expect((err as TransportError).code).toBe('CONNECTION');
      expect((err as TransportError).staleConnection).toBe(false);
      expect(received).toHaveLength(1);
    } finally {
      agent.destroy();
    }
  });
});
