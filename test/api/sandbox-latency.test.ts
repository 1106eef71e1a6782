// The sandbox answers WeChat API calls after WeChat's latency (SANDBOX_LATENCY_MS / latencyMs, default 100–300 ms):
// the setting's forms, the waits measured over real TLS, the control API changing it, slowMs winning on refunds.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../server/config.ts';
import { startSandbox, type Sandbox } from '../../server/sandbox/start.ts';
import { sandboxControl } from '../helpers/api.ts';
import { startSharedSandbox } from '../helpers/cluster.ts';
import { ROOT, startServer } from '../helpers/server.ts';
import {
  cloneDataDir,
  control,
  merchantIdentity,
  paidTrade,
  request,
  stableToken,
  startReceiver,
  uniqueNo,
  v3Call,
  wxCall,
  wxCallRaw,
  type Receiver,
} from '../helpers/sandbox-client.ts';

/** The configured range of the sandbox most tests here use: short, so 20 calls take about 2 s. */
const RANGE = { min: 50, max: 120 };
/** What a call costs on top of the wait (keep-alive TLS on loopback, signing, a busy 2-core machine). */
const SLACK_MS = 80;

let sandbox: Sandbox;
let receiver: Receiver;
let dataDir: string;
let agent: https.Agent;

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sandbox-latency-'));
  sandbox = await startSandbox({ dataDir, settleDelayMs: 600_000, notifyRetryScale: 0.001, latencyMs: RANGE });
  receiver = await startReceiver();
  // Kept alive, so a measured call is the sandbox's wait, not a TLS handshake.
  agent = new https.Agent({ keepAlive: true, maxSockets: 4, ca: sandbox.caPem, ...merchantIdentity(sandbox) });
});

afterEach(async () => {
  await control(sandbox, 'DELETE', '/sandbox/faults');
});

afterAll(async () => {
  agent?.destroy();
  await sandbox?.close();
  await receiver?.close();
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const started = performance.now();
  const value = await fn();
  return { ms: performance.now() - started, value };
}

/** `n` refunds of 1 fen on one paid trade, one after the other: each answer's time. */
async function refundTimes(sb: Sandbox, n: number, a: https.Agent): Promise<number[]> {
  const { outTradeNo } = await paidTrade(sb, receiver, 1000);
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const params = { out_trade_no: outTradeNo, out_refund_no: uniqueNo('L'), total_fee: 1000, refund_fee: 1, notify_url: `${receiver.baseUrl}/notify/refund` };
    const { ms, value } = await timed(() => wxCall(sb, '/secapi/pay/refund', params, { agent: a }));
    expect(value.result_code).toBe('SUCCESS');
    times.push(ms);
  }
  return times;
}

/** Runs the standalone sandbox expecting it to refuse its env: exit code and stderr, read to the end. */
function standaloneRefusal(env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sandbox-latency-env-'));
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'server', 'sandbox', 'main.ts')], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', SANDBOX_DATA_DIR: dir, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
  return new Promise((resolve) => {
    child.once('close', (code) => {
      fs.rmSync(dir, { recursive: true, force: true });
      resolve({ code, stderr });
    });
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
// A timer may fire up to a millisecond before its time as performance.now() sees it.
const atLeast = (ms: number) => ms - 1;

describe('SANDBOX_LATENCY_MS', () => {
  const latency = (value: string | undefined) => loadConfig({ SANDBOX_LATENCY_MS: value }).sandbox.latencyMs;

  it('reads a range, a fixed time or 0, and defaults to WeChat’s 100–300 ms', () => {
    expect(latency('100-300')).toEqual({ min: 100, max: 300 });
    expect(latency('200')).toEqual({ min: 200, max: 200 });
    expect(latency('0')).toEqual({ min: 0, max: 0 });
    expect(latency('0-60000')).toEqual({ min: 0, max: 60_000 });
    expect(latency(undefined)).toEqual({ min: 100, max: 300 });
    expect(latency('')).toEqual({ min: 100, max: 300 });
  });

  it.each(['fast', '300-100', '-5', '100-', '1.5', '100 - 300', '100,300', '60001', '0-70000'])('refuses %j, naming the variable', (bad) => {
    expect(() => latency(bad)).toThrow(ConfigError);
    expect(() => latency(bad)).toThrow(/SANDBOX_LATENCY_MS must be milliseconds as "MIN-MAX"/);
  });

  it('the standalone sandbox refuses a bad value by name, and without it waits WeChat’s 100–300 ms', async () => {
    const [refused, shared] = await Promise.all([
      standaloneRefusal({ SANDBOX_LATENCY_MS: '300-100' }),
      startSharedSandbox({ SANDBOX_LATENCY_MS: '' }), // unset: the standalone default
    ]);
    try {
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/sandbox failed to start: SANDBOX_LATENCY_MS must be .*, got "300-100"/);
      expect((await shared.control('GET', '/sandbox/faults')).body.latencyMs).toEqual({ min: 100, max: 300 });
    } finally {
      await shared.stop();
    }
  }, 30_000);

  it('npm start’s embedded sandbox waits WeChat’s 100–300 ms unless told otherwise', async () => {
    const server = await startServer({ env: { SANDBOX_LATENCY_MS: '' } }); // FAST_ENV's 0 taken away: unset
    try {
      expect((await sandboxControl(server, 'GET', '/sandbox/faults')).body.latencyMs).toEqual({ min: 100, max: 300 });
    } finally {
      await server.stop();
    }
  }, 60_000);

  it('startSandbox refuses a range that is not one', async () => {
    await expect(startSandbox({ dataDir, latencyMs: { min: 5, max: 1 } })).rejects.toThrow(/latencyMs must be \{min, max\}/);
    await expect(startSandbox({ dataDir, latencyMs: { min: -1, max: 1 } })).rejects.toThrow(TypeError);
  });
});

describe('answer times over real TLS', () => {
  it(`with ${RANGE.min}-${RANGE.max}, 20 refund answers each wait within the range, not all alike`, async () => {
    const times = await refundTimes(sandbox, 20, agent);
    for (const ms of times) {
      expect(ms).toBeGreaterThanOrEqual(atLeast(RANGE.min));
      expect(ms).toBeLessThanOrEqual(RANGE.max + SLACK_MS);
    }
    // Uniform over 71 values: 20 draws all within 20 ms of each other would be a one-in-billions chance.
    expect(Math.max(...times) - Math.min(...times)).toBeGreaterThan(20);
  });

  it('every WeChat API waits (v2, v3, login, platform), the control API does not', async () => {
    await control(sandbox, 'PUT', '/sandbox/faults', { latencyMs: { min: 150, max: 150 } });
    const m = sandbox.merchant;
    const calls: Record<string, () => Promise<unknown>> = {
      orderquery: () => wxCall(sandbox, '/pay/orderquery', { out_trade_no: 'NOSUCHTRADE' }, { agent }),
      'v3 refund query': () => v3Call(sandbox, 'GET', '/v3/refund/domestic/refunds/NOPE', undefined, { agent }),
      'v3 unknown API': () => v3Call(sandbox, 'GET', '/v3/nothing/here', undefined, { agent }),
      jscode2session: () => request(sandbox, 'GET', `/sns/jscode2session?appid=${m.appid}&secret=${m.appSecret}&js_code=c1&grant_type=authorization_code`, undefined, { agent }),
      stable_token: () => stableToken(sandbox),
      'no client certificate': () => wxCallRaw(sandbox, '/secapi/pay/refund', { out_refund_no: 'X' }),
    };
    for (const [name, call] of Object.entries(calls)) {
      const { ms } = await timed(call);
      expect(ms, name).toBeGreaterThanOrEqual(atLeast(150));
    }
    const { ms } = await timed(() => control(sandbox, 'GET', '/sandbox/faults'));
    expect(ms).toBeLessThan(100);
  });

  it('with 0 the answers come at once', async () => {
    const dir = cloneDataDir(dataDir);
    const quick = await startSandbox({ dataDir: dir, settleDelayMs: 600_000, notifyRetryScale: 0.001, latencyMs: { min: 0, max: 0 } });
    const quickAgent = new https.Agent({ keepAlive: true, ca: quick.caPem, ...merchantIdentity(quick) });
    try {
      const times = await refundTimes(quick, 20, quickAgent);
      expect(median(times)).toBeLessThan(RANGE.min / 2);
      expect(times.reduce((a, b) => a + b, 0)).toBeLessThan(20 * RANGE.min);
    } finally {
      quickAgent.destroy();
      await quick.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the control API', () => {
  it('shows and changes the latency at run time; DELETE puts back the configured one', async () => {
    expect((await control(sandbox, 'GET', '/sandbox/faults')).json.latencyMs).toEqual(RANGE);
    const set = await control(sandbox, 'PUT', '/sandbox/faults', { latencyMs: { min: 0, max: 0 } });
    expect(set.status).toBe(200);
    expect(set.json.latencyMs).toEqual({ min: 0, max: 0 });
    expect(median(await refundTimes(sandbox, 5, agent))).toBeLessThan(RANGE.min / 2);

    await control(sandbox, 'PUT', '/sandbox/faults', { latencyMs: { min: 250, max: 250 } });
    for (const ms of await refundTimes(sandbox, 2, agent)) expect(ms).toBeGreaterThanOrEqual(atLeast(250));

    expect((await control(sandbox, 'DELETE', '/sandbox/faults')).json.latencyMs).toEqual(RANGE);
  });

  it('refuses a latency that is not a range with 400', async () => {
    for (const bad of [{ min: 200, max: 100 }, { min: -1, max: 10 }, { min: 0, max: 60_001 }, { min: 1.5, max: 2 }, { min: 10 }, { min: 1, max: 2, extra: 3 }, 150]) {
      const res = await control(sandbox, 'PUT', '/sandbox/faults', { latencyMs: bad });
      expect(res.status, JSON.stringify(bad)).toBe(400);
    }
    expect((await control(sandbox, 'GET', '/sandbox/faults')).json.latencyMs).toEqual(RANGE);
  });

  it('slowMs replaces the latency on refund answers only (the larger latency is not added)', async () => {
    await control(sandbox, 'PUT', '/sandbox/faults', { latencyMs: { min: 400, max: 400 }, slowMs: 60 });
    const [refundMs] = await refundTimes(sandbox, 1, agent);
    expect(refundMs).toBeGreaterThanOrEqual(atLeast(60));
    expect(refundMs).toBeLessThan(400);
    const { ms: queryMs } = await timed(() => wxCall(sandbox, '/pay/orderquery', { out_trade_no: 'NOSUCHTRADE' }, { agent }));
    expect(queryMs).toBeGreaterThanOrEqual(atLeast(400));
  });

  it('a wait does not hold the event loop, and ends when the sandbox closes', async () => {
    const dir = cloneDataDir(dataDir);
    const held = await startSandbox({ dataDir: dir, notifyRetryScale: 0.001, latencyMs: { min: 30_000, max: 30_000 } });
    try {
      const pending = wxCall(held, '/pay/orderquery', { out_trade_no: 'NOSUCHTRADE' }).then(
        () => 'answered',
        () => 'cut',
      );
      const { ms } = await timed(() => control(held, 'GET', '/sandbox/faults')); // answered meanwhile
      expect(ms).toBeLessThan(1000);
      const closed = await timed(() => held.close());
      expect(closed.ms).toBeLessThan(2000);
      expect(await pending).toBe('cut');
    } finally {
      await held.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
