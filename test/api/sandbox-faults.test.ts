// The sandbox's fault injection: forced errors, dropped answers, lost / duplicated notifications, odd settlements, rate limit.
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../server/sandbox/start.ts';
import {
  cloneDataDir,
  control,
  merchantIdentity,
  paidTrade,
  refundNotifications,
  startReceiver,
  uniqueNo,
  waitFor,
  wxCall,
  wxCallRaw,
  type Receiver,
} from '../helpers/sandbox-client.ts';

const SETTLE_MS = 300;
let sandbox: Sandbox;
let receiver: Receiver;
let dataDir: string;
let agent: https.Agent;

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sandbox-faults-'));
  sandbox = await startSandbox({ dataDir, settleDelayMs: SETTLE_MS, notifyRetryScale: 0.001, latencyMs: { min: 0, max: 0 } });
  receiver = await startReceiver();
  agent = new https.Agent({ keepAlive: true, maxSockets: 32, ca: sandbox.caPem, ...merchantIdentity(sandbox) });
});

afterEach(async () => {
  await control(sandbox, 'DELETE', '/sandbox/faults');
});

afterAll(async () => {
  agent?.destroy();
  await sandbox?.close();
  await receiver?.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

const params = (outTradeNo: string, outRefundNo: string, refundFee: number, totalFee: number) => ({
  out_trade_no: outTradeNo,
  out_refund_no: outRefundNo,
  total_fee: totalFee,
  refund_fee: refundFee,
  notify_url: `${receiver.baseUrl}/notify/refund`,
});

const refund = (p: ReturnType<typeof params>) => wxCall(sandbox, '/secapi/pay/refund', p, { agent });
const faults = (body: unknown) => control(sandbox, 'PUT', '/sandbox/faults', body);
const item = async (no: string) => (await control(sandbox, 'GET', `/sandbox/refunds?outRefundNo=${no}`)).json.items[0];
const notes = (no: string) => refundNotifications(sandbox, receiver, no);

/** Counter faults (lose/duplicate) apply to the next settlements of ANY refund: let earlier tests' refunds settle first. */
async function settled(): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const items = (await control(sandbox, 'GET', '/sandbox/refunds')).json.items as { status: string }[];
    if (!items.some((r) => r.status === 'PROCESSING')) return;
    await sleep(25);
  }
  throw new Error('refunds still PROCESSING');
}

describe('the faults API', () => {
  it('merges a PUT into the current faults, shows them, and clears them on DELETE', async () => {
    const set = await faults({ refund: [{ code: 'NOTENOUGH' }], slowMs: 5 });
    expect(set.status).toBe(200);
    expect(set.json).toEqual({
      refund: [{ code: 'NOTENOUGH', times: 1 }],
      slowMs: 5,
      latencyMs: { min: 0, max: 0 },
      dropAfterAccept: 0,
      loseNotifications: 0,
      duplicateNotifications: 0,
      settleAs: [],
    });
    expect((await faults({ loseNotifications: 2 })).json).toMatchObject({ slowMs: 5, loseNotifications: 2 });
    expect((await control(sandbox, 'GET', '/sandbox/faults')).json.refund).toHaveLength(1);
    expect((await control(sandbox, 'DELETE', '/sandbox/faults')).json).toMatchObject({ refund: [], slowMs: 0, loseNotifications: 0 });
  });

  it('refuses a malformed fault with 400', async () => {
    expect((await faults({ settleAs: [{ status: 'MAYBE' }] })).status).toBe(400);
    expect((await faults({ nonsense: 1 })).status).toBe(400);
  });
});

describe('refund call faults', () => {
  it('SYSTEMERROR once: not accepted, then the same call succeeds', async () => {
    const { outTradeNo } = await paidTrade(sandbox, receiver, 1000);
    const no = uniqueNo('R');
    await faults({ refund: [{ code: 'SYSTEMERROR', times: 1 }] });
    const first = await refund(params(outTradeNo, no, 100, 1000));
    expect(first).toMatchObject({ return_code: 'SUCCESS', result_code: 'FAIL', err_code: 'SYSTEMERROR' });
    expect(await item(no)).toBeUndefined();
    const second = await refund(params(outTradeNo, no, 100, 1000));
    expect(second.result_code).toBe('SUCCESS');
    const calls = (await control(sandbox, 'GET', '/sandbox/refund-calls')).json.items.filter((c: { outRefundNo: string }) => c.outRefundNo === no);
    expect(calls.map((c: { result: string }) => c.result)).toEqual(['SYSTEMERROR', 'SUCCESS']);
  });

  it('a fault aimed at one out_refund_no leaves the others alone', async () => {
    const { outTradeNo } = await paidTrade(sandbox, receiver, 1000);
    const target = uniqueNo('R');
    await faults({ refund: [{ code: 'NOTENOUGH', times: 2, outRefundNo: target }] });
    expect((await refund(params(outTradeNo, uniqueNo('R'), 100, 1000))).result_code).toBe('SUCCESS');
    expect((await refund(params(outTradeNo, target, 100, 1000))).err_code).toBe('NOTENOUGH');
    expect((await refund(params(outTradeNo, target, 100, 1000))).err_code).toBe('NOTENOUGH');
    expect((await refund(params(outTradeNo, target, 100, 1000))).result_code).toBe('SUCCESS');
  });

  it('dropAfterAccept: the refund is recorded but no answer comes; a retry gets the same refund_id', async () => {
    const { outTradeNo } = await paidTrade(sandbox, receiver, 1000);
    const no = uniqueNo('R');
    await faults({ dropAfterAccept: 1 });
    await expect(wxCallRaw(sandbox, '/secapi/pay/refund', params(outTradeNo, no, 200, 1000), { cert: true })).rejects.toThrow();
    const recorded = await item(no);
    expect(recorded).toMatchObject({ refundFee: 200, calls: 1 }); // PROCESSING, or already settled on a slow machine
    const retry = await refund(params(outTradeNo, no, 200, 1000));
    expect(retry.refund_id).toBe(recorded.refundId);
    expect((await item(no)).calls).toBe(2);
  });

  it('slowMs delays the answer (the refund is accepted meanwhile)', async () => {
    const { outTradeNo } = await paidTrade(sandbox, receiver, 1000);
    const no = uniqueNo('R');
    await faults({ slowMs: 250 });
    const started = Date.now();
    expect((await refund(params(outTradeNo, no, 100, 1000))).result_code).toBe('SUCCESS');
    expect(Date.now() - started).toBeGreaterThanOrEqual(240);
  });
});

describe('notification faults', () => {
  it('loseNotifications: the refund settles SUCCESS but only refundquery tells', async () => {
    const { outTradeNo } = await paidTrade(sandbox, receiver, 1000);
    const no = uniqueNo('R');
    await settled();
    await faults({ loseNotifications: 1 });
    expect((await refund(params(outTradeNo, no, 100, 1000))).result_code).toBe('SUCCESS');
    await sleep(SETTLE_MS + 300);
    expect(notes(no)).toHaveLength(0);
    const q = await wxCall(sandbox, '/pay/refundquery', { out_refund_no: no });
    expect(q.refund_status_0).toBe('SUCCESS');
    expect((await control(sandbox, 'GET', '/sandbox/faults')).json.loseNotifications).toBe(0);
  });

  it('duplicateNotifications: the notification arrives twice', async () => {
    const { outTradeNo } = await paidTrade(sandbox, receiver, 1000);
    const no = uniqueNo('R');
    await settled();
    await faults({ duplicateNotifications: 1 });
    await refund(params(outTradeNo, no, 100, 1000));
    await waitFor(() => notes(no).length === 2, 3000, 'two notifications');
    const [a, b] = notes(no);
    expect(a.refund_id).toBe(b.refund_id);
    expect(a.refund_status).toBe('SUCCESS');
    await sleep(100);
    expect(notes(no)).toHaveLength(2);
  });

  it('settleAs CHANGE: the refund ends CHANGE, in the notification and in refundquery', async () => {
    const { outTradeNo } = await paidTrade(sandbox, receiver, 1000);
    const no = uniqueNo('R');
    await faults({ settleAs: [{ status: 'CHANGE', outRefundNo: no }] });
    await refund(params(outTradeNo, no, 100, 1000));
    const [n] = await waitFor(() => notes(no).length > 0 && notes(no), 3000, 'notification');
    expect(n.refund_status).toBe('CHANGE');
    expect(n.success_time).toBeUndefined();
    expect((await wxCall(sandbox, '/pay/refundquery', { out_refund_no: no })).refund_status_0).toBe('CHANGE');
  });

  it('REFUNDCLOSE gives the money back: the same out_refund_no may be submitted again and then succeeds', async () => {
    const { outTradeNo } = await paidTrade(sandbox, receiver, 1000);
    const no = uniqueNo('R');
    await faults({ settleAs: [{ status: 'REFUNDCLOSE', outRefundNo: no }] });
    const first = await refund(params(outTradeNo, no, 1000, 1000));
    await waitFor(() => notes(no).length === 1, 3000, 'REFUNDCLOSE notification');
    expect(notes(no)[0].refund_status).toBe('REFUNDCLOSE');
    const again = await refund(params(outTradeNo, no, 1000, 1000));
    expect(again.refund_id).toBe(first.refund_id);
    await waitFor(() => notes(no).length === 2, 3000, 'SUCCESS notification');
    expect(notes(no)[1].refund_status).toBe('SUCCESS');
  });
});

describe('control endpoints', () => {
  it('settles a PROCESSING refund on demand and answers after the first delivery', async () => {
    // A second sandbox whose refunds never settle by themselves, so the on-demand settle cannot race the timer.
    const heldDir = cloneDataDir(dataDir);
    const held = await startSandbox({ dataDir: heldDir, settleDelayMs: 600_000, notifyRetryScale: 0.001, latencyMs: { min: 0, max: 0 } });
    try {
      const { outTradeNo } = await paidTrade(held, receiver, 1000);
      const no = uniqueNo('R');
      expect((await wxCall(held, '/secapi/pay/refund', params(outTradeNo, no, 100, 1000), { cert: true })).result_code).toBe('SUCCESS');
      const res = await control(held, 'POST', `/sandbox/refunds/${no}/settle`, { status: 'REFUNDCLOSE' });
      expect(res.status).toBe(200);
      expect(res.json).toMatchObject({ outRefundNo: no, status: 'REFUNDCLOSE', delivered: true });
      expect(refundNotifications(held, receiver, no).map((n) => n.refund_status)).toEqual(['REFUNDCLOSE']);
      expect((await control(held, 'POST', `/sandbox/refunds/${no}/settle`, {})).status).toBe(409);
      expect((await control(held, 'POST', '/sandbox/refunds/NOPE/settle', {})).status).toBe(404);
    } finally {
      await held.close();
      fs.rmSync(heldDir, { recursive: true, force: true });
    }
  });

  it('vendor-refund: a merchant-platform refund, numbered by WeChat, notified to the trade\'s refund notify_url', async () => {
    const { outTradeNo } = await paidTrade(sandbox, receiver, 1000);
    await refund(params(outTradeNo, uniqueNo('R'), 100, 1000));
    const res = await control(sandbox, 'POST', '/sandbox/vendor-refund', { out_trade_no: outTradeNo, refund_fee: 250 });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ outTradeNo, refundFee: 250, status: 'SUCCESS', source: 'VENDOR_PLATFORM', delivered: true });
    const [n] = notes(res.json.outRefundNo);
    expect(n).toMatchObject({ refund_request_source: 'VENDOR_PLATFORM', refund_status: 'SUCCESS', refund_fee: '250', out_trade_no: outTradeNo });
    // It counts against what is refundable: 1000 − 100 − 250 = 650 left.
    expect((await refund(params(outTradeNo, uniqueNo('R'), 651, 1000))).err_code).toBe('INVALID_REQUEST');
    expect((await control(sandbox, 'POST', '/sandbox/vendor-refund', { out_trade_no: outTradeNo, refund_fee: 651 })).status).toBe(409);
  });
});

describe('rate limit', () => {
  it('answers FREQUENCY_LIMITED beyond 150 refund calls in one second, without accepting them', async () => {
    const { outTradeNo } = await paidTrade(sandbox, receiver, 1000);
    const no = uniqueNo('R');
    const answers: Record<string, string>[] = [];
    // Bursts of 60 until the limit shows (a slow machine needs a few); never more than 1200 calls.
    while (!answers.some((a) => a.err_code === 'FREQUENCY_LIMITED') && answers.length < 1200) {
      answers.push(...(await Promise.all(Array.from({ length: 60 }, () => refund(params(outTradeNo, no, 100, 1000))))));
    }
    expect(answers.some((a) => a.err_code === 'FREQUENCY_LIMITED')).toBe(true);
    expect(answers.every((a) => a.result_code === 'SUCCESS' || a.err_code === 'FREQUENCY_LIMITED')).toBe(true);
    expect((await control(sandbox, 'GET', `/sandbox/refunds?outTradeNo=${outTradeNo}`)).json.items).toHaveLength(1);
    // The rule, call by call: limited exactly when it made more than 150 calls in the second ending with it.
    const calls = (await control(sandbox, 'GET', '/sandbox/refund-calls')).json.items as { at: number; result: string; outRefundNo: string }[];
    const counted = calls.filter((c) => c.result !== 'NO_CERT');
    counted.forEach((c, i) => {
      if (c.outRefundNo !== no) return;
      const inWindow = counted.slice(0, i + 1).filter((d) => d.at > c.at - 1000).length;
      expect(c.result === 'FREQUENCY_LIMITED', `call #${i} with ${inWindow} in its window`).toBe(inWindow > 150);
    });
  });
});
