// Standalone sandbox (`tsx server/sandbox/main.ts`): one simulator several server instances can share; runs until SIGTERM.
import path from 'node:path';
import pino from 'pino';
import { LATENCY_FORMAT, parseLatency, WECHAT_LATENCY, type LatencyRange } from './latency.ts';
import { startSandbox } from './start.ts';

function intEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw)) throw new Error(`${name} must be a non-negative integer, got ${JSON.stringify(raw)}`);
  return Number.parseInt(raw, 10);
}

function scaleEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  // A time multiplier, not money: a decimal such as 0.001 is the point.
  if (!/^(\d+(\.\d*)?|\.\d+)(e-?\d+)?$/i.test(raw) || !(Number(raw) > 0)) throw new Error(`${name} must be a positive number, got ${JSON.stringify(raw)}`);
  return Number(raw);
}

/** As the server reads it (server/config.ts): unset means WeChat's own 100–300 ms. */
function latencyEnv(name: string): LatencyRange {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return { ...WECHAT_LATENCY };
  const range = parseLatency(raw);
  if (range === null) throw new Error(`${name} must be ${LATENCY_FORMAT}, got ${JSON.stringify(raw)}`);
  return range;
}

async function main(): Promise<void> {
  // Logs go to stderr: stdout carries exactly one JSON line for whoever started us.
  const logger = pino({ name: 'wx-sandbox' }, pino.destination(2));
  const sandbox = await startSandbox({
    dataDir: path.resolve(process.env.SANDBOX_DATA_DIR || './data'),
    host: process.env.SANDBOX_HOST || '127.0.0.1',
    port: intEnv('SANDBOX_PORT', 0),
    settleDelayMs: intEnv('SANDBOX_SETTLE_DELAY_MS', 3000),
    notifyRetryScale: scaleEnv('SANDBOX_NOTIFY_RETRY_SCALE', 1),
    tokenTtlS: intEnv('SANDBOX_TOKEN_TTL_S', 7200),
    latencyMs: latencyEnv('SANDBOX_LATENCY_MS'),
    logger,
  });
  const m = sandbox.merchant;
  // No apiKey / apiV3Key / appSecret here: they stay in credentials.json (mode 0600) next to the certificates.
  // The APIv3 public facts (key id, WeChat Pay's public key file, the certificate serial) are not secret.
  process.stdout.write(
    `${JSON.stringify({
      sandboxUrl: sandbox.baseUrl,
      caPath: sandbox.caPath,
      merchant: {
        appid: m.appid,
        mchId: m.mchId,
        p12Path: m.p12Path,
        publicKeyId: m.publicKeyId,
        publicKeyPemPath: m.publicKeyPemPath,
        certSerialNo: m.certSerialNo,
      },
      credentialsPath: path.join(path.dirname(m.p12Path), 'credentials.json'),
    })}\n`,
  );
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'sandbox stopping');
    sandbox.close().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.warn({ err: (err as Error).message }, 'sandbox close failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((err: unknown) => {
  process.stderr.write(`sandbox failed to start: ${(err as Error).message}\n`);
  process.exit(1);
});
