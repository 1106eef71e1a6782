// startSandbox(): the embedded WeChat Pay simulator (v2 and APIv3) on loopback HTTPS (mutual TLS on /secapi), durable across restarts.
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Ctx } from './context.ts';
import { Faults } from './faults.ts';
import { MAX_LATENCY_MS, validLatency, WECHAT_LATENCY } from './latency.ts';
import { loadOrCreateMaterials } from './materials.ts';
import { Notifier } from './notifier.ts';
import { PlatformStore } from './platform-store.ts';
import { createHandler } from './server.ts';
import { Settler } from './settler.ts';
import { Store } from './store.ts';
import { silentLogger, type Sandbox, type SandboxOptions } from './types.ts';
import { V3Keys } from './v3-keys.ts';

export type { Sandbox, SandboxLogger, SandboxMerchant, SandboxOptions } from './types.ts';

function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::' || host === '') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}

export async function startSandbox(opts: SandboxOptions): Promise<Sandbox> {
  const host = opts.host ?? '127.0.0.1';
  const log = opts.logger ?? silentLogger;
  const latencyMs = opts.latencyMs ?? WECHAT_LATENCY;
  if (!validLatency(latencyMs)) throw new TypeError(`latencyMs must be {min, max}: whole milliseconds, 0 ≤ min ≤ max ≤ ${MAX_LATENCY_MS}`);
  const dir = path.join(opts.dataDir, 'sandbox');
  const materials = await loadOrCreateMaterials(dir, host);
  const tokenTtlS = opts.tokenTtlS ?? 7200;
  if (!Number.isSafeInteger(tokenTtlS) || tokenTtlS < 1) throw new TypeError('tokenTtlS must be a positive whole number of seconds');
  const store = new Store(path.join(dir, 'sandbox.db'));
  const faults = new Faults(latencyMs);
  const v3 = new V3Keys(dir, materials.merchant, materials.publicKeyPrivatePem);
  const notifier = new Notifier(store, faults, log, opts.notifyRetryScale ?? 1, v3);
  const settler = new Settler(store, faults, notifier, materials.merchant, log);
  const closing = new AbortController();
  const ctx: Ctx = {
    merchant: materials.merchant,
    store,
    platform: new PlatformStore(store.db),
    faults,
    notifier,
    settler,
    v3,
    log,
    settleDelayMs: opts.settleDelayMs ?? 3000,
    tokenTtlS,
    closing: closing.signal,
  };

  const requests = new Set<Promise<void>>();
  const server = https.createServer(
    {
      key: materials.serverKeyPem,
      cert: materials.serverCertPem,
      ca: materials.caPem,
      // Like WeChat's front (nginx `ssl_verify_client optional`): the client certificate is asked for at the
      // handshake but not required there; /secapi/* checks it per request and answers 400 without one.
      requestCert: true,
      rejectUnauthorized: false,
    },
    createHandler(ctx, (p) => {
      requests.add(p);
      void p.finally(() => requests.delete(p));
    }),
  );
  server.on('tlsClientError', () => undefined); // a client that aborts its handshake is its own problem

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.port ?? 0, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    store.close();
    throw err;
  }
  const port = (server.address() as AddressInfo).port;
  const baseUrl = `https://${urlHost(host)}:${port}`;
  // Pending settlements and notification retries from a previous run carry on from here.
  settler.start();
  notifier.start();
  log.info({ baseUrl, mchId: materials.merchant.mchId, appid: materials.merchant.appid, latencyMs }, 'sandbox started');

  let closed: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closed ??= (async () => {
      closing.abort();
      settler.close();
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await notifier.close();
      await Promise.allSettled([...requests]);
      await stopped;
      store.close();
      log.info({ baseUrl }, 'sandbox stopped');
    })();
    return closed;
  };

  return { baseUrl, caPem: materials.caPem, caPath: materials.caPath, merchant: materials.merchant, close };
}
