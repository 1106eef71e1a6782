// Builds the parts, migrates, listens, starts the background jobs, and stops gracefully on SIGTERM.
import { mkdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { ensureAdmin } from './admins/service.ts';
import { createApp } from './app.ts';
import { serveInTurns } from './http/request-turns.ts';
import { ConfigError, loadConfig, type WxPayCredentials } from './config.ts';
import { createDb, migrate } from './db/client.ts';
import { createLogger } from './logger.ts';
import { UnpaidOrderCloser } from './payments/unpaid-closer.ts';
import { databaseTokenStore } from './gateway/platform-token-store.ts';
import { AutoReceiver } from './orders/auto-receiver.ts';
import { SHIPPING_UPLOAD, shippingUploadHandler } from './orders/shipping-upload.ts';
import { OutboxWorker } from './outbox/worker.ts';
import { configureReturnAddress } from './refunds/after-sales-config.ts';
import { REFUND_MESSAGE, configureBuyerMessages } from './refunds/buyer-messages.ts';
import { refundMessageHandler } from './refunds/buyer-message-sender.ts';
import { RefundTimers } from './refunds/timers.ts';
import { WechatPlatformClient } from './wechat/platform/client.ts';
import { buildGateway } from './gateway/build.ts';
import { configureAbnormalSettle } from './refunds/views.ts';
import { sandboxCashier } from './payments/sandbox-cashier.ts';
import { seedDemoProducts } from './products/service.ts';
import { RefundDispatcher } from './refunds/dispatcher.ts';
import { RefundReconciler } from './refunds/reconciler.ts';
// the sandbox's code (./sandbox/start.ts, ./sandbox/materials.ts) is imported where sandbox mode needs it: a live
// start does not load the simulator
import type { Sandbox, SandboxMerchant } from './sandbox/start.ts';
import { armTestFaults, crashPoint } from './test-faults.ts';
import { createCode2Session, WechatLoginError } from './wechat/jscode2session.ts';
import { DomainError } from './errors.ts';
import { REPO_ROOT } from './repo-root.ts';

const SANDBOX_ADMIN = { username: 'admin', password: 'wxmall-demo' }; // printed at start: a demo, not a secret

/** The sandbox's merchant as live credentials would give it: both protocols' keys, and WeChat Pay's public key. */
function sandboxCredentials(m: SandboxMerchant): WxPayCredentials {
  return { ...m, publicKeyPath: m.publicKeyPemPath };
}

async function main(): Promise<void> {
  const config = loadConfig();
  armTestFaults(config.testFaults);
  const log = createLogger(config.logLevel);
  const version = (JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
  mkdirSync(config.dataDir, { recursive: true });

  crashPoint('before-migrate');
  const applied = await migrate(config.databaseUrl);
  if (applied.length > 0) log.info({ applied }, 'database migrated');
  const db = await createDb(config.databaseUrl);
  // the admin's password check (scrypt, tens of ms on libuv's thread pool) runs while this thread loads the
  // merchant's certificate and builds the app; it is awaited before the server listens, so no login can come
  // before the admin exists. The catch only keeps a failure from counting as unhandled until that await.
  const admin = config.admin ?? (config.mode === 'sandbox' ? SANDBOX_ADMIN : undefined);
  const adminReady = admin ? ensureAdmin(db, admin.username, admin.password) : Promise.resolve();
  adminReady.catch(() => undefined);

  let sandbox: Sandbox | undefined;
  let creds: WxPayCredentials;
  let wxpayApiBase = config.wxpayApiBase;
  let wechatApiBase = config.wechatApiBase;
  let ca: string | undefined;
  if (config.mode === 'sandbox' && config.sandbox.url) {
    // a standalone sandbox shared by several instances: its materials, not our own
    const { loadOrCreateMaterials } = await import('./sandbox/materials.ts');
    const shared = await loadOrCreateMaterials(path.join(config.sandbox.dataDir, 'sandbox'), '127.0.0.1');
    creds = sandboxCredentials(shared.merchant);
    wxpayApiBase = wechatApiBase = config.sandbox.url;
    ca = shared.caPem;
  } else if (config.mode === 'sandbox') {
    const { startSandbox } = await import('./sandbox/start.ts');
    sandbox = await startSandbox({
      dataDir: config.dataDir,
      port: config.sandbox.port,
      settleDelayMs: config.sandbox.settleDelayMs,
      notifyRetryScale: config.sandbox.notifyRetryScale,
      tokenTtlS: config.sandbox.tokenTtlS,
      latencyMs: config.sandbox.latencyMs,
      logger: log.child({ component: 'sandbox' }),
    });
    creds = sandboxCredentials(sandbox.merchant);
    wxpayApiBase = wechatApiBase = sandbox.baseUrl;
    ca = sandbox.caPem; // trusted explicitly, for the sandbox's calls only
  } else {
    creds = config.live!;
  }
  const code2Session = createCode2Session({ apiBase: wechatApiBase, appid: creds.appid, secret: creds.appSecret, ca });
  const platform = new WechatPlatformClient({
    apiBase: wechatApiBase,
    appid: creds.appid,
    secret: creds.appSecret,
    tokenStore: databaseTokenStore(db, creds.appid),
    ca,
    timeoutMs: config.wxpayTimeoutMs,
  });

  let boundBase = `http://${config.host}:${config.port}`;
  const publicBaseUrl = () => config.publicBaseUrl ?? boundBase;
  const gateway = buildGateway({
    mode: config.mode,
    apiVersion: config.apiVersion,
    creds,
    v3KeyMode: config.mode === 'sandbox' ? config.sandbox.v3KeyMode : 'public-key',
    signType: config.signType,
    baseUrl: wxpayApiBase,
    ca,
    timeoutMs: config.wxpayTimeoutMs,
    publicBaseUrl,
    sandboxPay: config.mode === 'sandbox' ? sandboxCashier(wxpayApiBase, ca!) : undefined,
    log: log.child({ component: 'wxpay' }),
  });
  configureAbnormalSettle(gateway.settleAbnormal !== undefined);

  const dispatcher = new RefundDispatcher(db, gateway, config, log.child({ component: 'dispatcher' }));
  const reconciler = new RefundReconciler(db, gateway, config, log.child({ component: 'reconciler' }));
  const closer = new UnpaidOrderCloser(db, gateway, config, log.child({ component: 'order-closer' }));
  const outbox = new OutboxWorker(
    db,
    { [SHIPPING_UPLOAD]: shippingUploadHandler(db, platform), [REFUND_MESSAGE]: refundMessageHandler(db, platform) },
    // a claim outlives the longest send: asking WeChat first, then the call, each with a token renewal and a
    // retry (8 timeouts); a dozen tries with back-off span hours
    { retryBaseMs: config.retryBaseMs, leaseMs: 9 * config.wxpayTimeoutMs + 5000, maxAttempts: 12 },
    log.child({ component: 'outbox' }),
  );
  const autoReceiver = new AutoReceiver(db, config, log.child({ component: 'auto-receive' }));
  const refundTimers = new RefundTimers(db, config, log.child({ component: 'refund-timers' }), () => dispatcher.wake());
  configureReturnAddress(config.returnAddress);
  configureBuyerMessages(config.subscribeTemplateRefund);

  const app = createApp({
    config,
    db,
    gateway,
    log,
    version,
    publicBaseUrl,
    wakeDispatcher: () => dispatcher.wake(),
    wakeOutbox: () => outbox.wake(),
    code2Session: async (code) => {
      try {
        return (await code2Session(code)).openid;
      } catch (err) {
        if (!(err instanceof WechatLoginError)) throw err;
        if (err.code === 'INVALID_CODE') throw new DomainError('UNAUTHENTICATED', 'The login code is invalid or was already used; call wx.login again.');
        if (err.code === 'RATE_LIMITED') throw new DomainError('RATE_LIMITED', 'WeChat is limiting logins; try again in a minute.');
        if (err.code === 'BLOCKED') throw new DomainError('FORBIDDEN', 'WeChat refused this user’s login.');
        throw new DomainError('UPSTREAM_UNAVAILABLE', 'WeChat login is not available right now; try again.');
      }
    },
  });

  await adminReady;
  if (config.mode === 'sandbox') await seedDemoProducts(db);

  // while connections arrive, one request per event-loop turn: a burst of new connections on a busy server is
  // accepted within about as many requests, not as many turns of every waiting request
  const server = createServer();
  serveInTurns(server, app);
  server.listen(config.port, config.host);
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const port = (server.address() as AddressInfo).port;
  boundBase = `http://${config.host}:${port}`;
  dispatcher.start();
  reconciler.start();
  // look for stale unpaid orders a few times per close period, at most every 30 s
  closer.start(Math.min(30_000, Math.max(500, Math.floor(config.orderCloseAfterMs / 4))));
  outbox.start();
  autoReceiver.start();
  refundTimers.start();
  log.info({ url: boundBase, mode: config.mode, apiVersion: config.apiVersion, sandboxUrl: config.mode === 'sandbox' ? wxpayApiBase : undefined, notifyBase: publicBaseUrl() }, 'listening');
  if (config.mode === 'sandbox' && !config.admin) {
    process.stdout.write(
      `\n  wx-mall is running in sandbox mode (no WeChat account needed), WeChat Pay API${config.apiVersion}.\n` +
        `  Admin web:  ${boundBase}/admin/\n` +
        `  Demo login: ${SANDBOX_ADMIN.username} / ${SANDBOX_ADMIN.password}\n` +
        `  Buyer API:  ${boundBase}/api/mp   (point the mini-program here)\n\n`,
    );
  }

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping: no new requests; finishing in-flight requests and WeChat calls');
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    await Promise.all([dispatcher.stop(), reconciler.stop(), closer.stop(), outbox.stop(), autoReceiver.stop(), refundTimers.stop()]);
    await closed;
    gateway.close();
    platform.close();
    await sandbox?.close();
    await db.$disconnect();
    log.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError || (err as { name?: string }).name === 'CertError') {
    process.stderr.write(`wx-mall cannot start: ${(err as Error).message}\n`);
  } else {
    process.stderr.write(`wx-mall failed to start: ${(err as Error).stack ?? String(err)}\n`);
  }
  process.exit(1);
});
