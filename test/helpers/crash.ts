// Helpers for the crash-safety tests: a port that survives a restart, and waiting for a SIGKILLed server.
import { createServer } from 'node:net';
import { expect } from 'vitest';
import { adminSession, asBuyer, buyerLogin, placePaidOrder, requestRefund, type AdminSession } from './api.ts';
import { allProblems, waitAllFinal } from './invariants.ts';
import { startServer, type TestServer } from './server.ts';
import { createDb } from '../../server/db/client.ts';

/** A free loopback port. The crash tests pin PORT so that WeChat's pending notifications (their notify_url
 * was given before the crash) reach the restarted server, as they would reach a real one. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** Resolves with how the process ended; rejects if it is still running after `timeoutMs`. */
export async function waitForExit(server: TestServer, timeoutMs: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`server still running after ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([server.exited, timeout]);
  } finally {
    clearTimeout(timer);
  }
  return { code: server.child.exitCode, signal: server.child.signalCode };
}

/**
 * Starts a server armed with a test crash point. The point may fire before the server listens (migration):
 * then this resolves with `died` and the output instead of throwing.
 */
export async function startArmed(point: string, opts: { env?: Record<string, string>; dataDir?: string } = {}) {
  try {
    const server = await startServer({ ...opts, env: { ...opts.env, WXMALL_TEST_FAULTS: point } });
    return { server, died: false as const, output: '' };
  } catch (err) {
    return { server: undefined, died: true as const, output: (err as Error).message };
  }
}

// ---- one crash scenario of the refund pipeline -------------------------------------------------------------


export interface CrashScenario {
  /** The test crash point armed on the first server; none when `crash` kills it by hand. */
  point?: string;
  /** How many paid orders, each with one partial refund in the crash. */
  orders?: number;
  env?: Record<string, string>;
  /** Runs after the refunds are requested and before they are approved (sandbox faults, …). */
  beforeApprove?: (server: TestServer, refundNos: string[]) => Promise<void>;
  /** Kills the server by hand (with no `point`), e.g. while a WeChat call is in flight. */
  crash?: (server: TestServer, refundNos: string[]) => Promise<void>;
  /** With the server dead, before the restart: what the crash left in the database (read directly). */
  whileDown?: (rows: DownRefund[]) => void | Promise<void>;
  /** Right after the restart, before anything settles: what the crash left behind. */
  afterRestart?: (server: TestServer, admin: AdminSession, refundNos: string[]) => Promise<void>;
  /** How long the restarted server may take to carry every refund to its end. */
  settleMs?: number;
}

export interface DownRefund {
  refundNo: string;
  status: string;
  attempts: number;
  acceptedAt: Date | null;
  actions: string[];
  wechatCalls: number;
}

/** Reads refunds straight from the database of a server that is not running (read-only). */
export async function readRefundsDirect(databaseUrl: string, refundNos: string[]): Promise<DownRefund[]> {
  const db = await createDb(databaseUrl);
  try {
    const rows = await db.refund.findMany({
      where: { refundNo: { in: refundNos } },
      include: { events: { orderBy: { id: 'asc' } }, _count: { select: { wechatCalls: true } } },
      orderBy: { id: 'asc' },
    });
    return rows.map((r) => ({
      refundNo: r.refundNo,
      status: r.status,
      attempts: r.attempts,
      acceptedAt: r.acceptedAt,
      actions: r.events.map((e) => e.action),
      wechatCalls: r._count.wechatCalls,
    }));
  } finally {
    await db.$disconnect();
  }
}

export interface CrashResult {
  server: TestServer;
  admin: AdminSession;
  orderNos: string[];
  refundNos: string[];
  firstLogs: string;
  /** When the second server was started (ms since the epoch, this machine's clock as the sandbox's). */
  restartedAt: number;
  /** What the crash left in the database (read while the server was down). */
  down: DownRefund[];
}

/**
 * Paid orders with one partial refund each, approved all at once on a server that dies at `point`
 * (SIGKILL, as a power cut); restarted on the same database without the fault; then every refund must
 * end REFUNDED, the rest of each order is refunded too (money may leave exactly up to the total), and the
 * invariants hold: one out_refund_no per refund at WeChat with one fee, refunded ≤ paid, no event twice.
 */
export async function runRefundCrash(s: CrashScenario): Promise<CrashResult> {
  const started: TestServer[] = [];
  try {
    return await crashScenario(s, started);
  } catch (err) {
    // a failed scenario leaves no server behind (the result's server is stopped by the test otherwise)
    await Promise.allSettled(started.map((x) => x.kill()));
    throw err;
  }
}

async function crashScenario(s: CrashScenario, started: TestServer[]): Promise<CrashResult> {
  const env = { WXPAY_TIMEOUT_MS: '1000', PORT: String(await freePort()), ...s.env };
  const first = await startServer({ env: s.point ? { ...env, WXMALL_TEST_FAULTS: s.point } : env });
  started.push(first);
  const base = first.baseUrl;
  const token = await buyerLogin(base);
  const orders: Array<{ orderNo: string; totalFen: number }> = [];
  const refundNos: string[] = [];
  const amounts = new Map<string, number>();
  for (let i = 0; i < (s.orders ?? 3); i++) orders.push(await placePaidOrder(base, token, { productIndex: i % 3 }));
  for (const [i, o] of orders.entries()) {
    const amount = Math.max(1, Math.floor(o.totalFen / (2 + i)) - i);
    const r = await requestRefund(base, token, o.orderNo, amount);
    refundNos.push(r.refundNo);
    amounts.set(o.orderNo, amount);
  }
  const admin1 = await adminSession(base);
  await s.beforeApprove?.(first, refundNos);
  const approvals = Promise.allSettled(refundNos.map((no) => admin1.call('POST', `/api/admin/refunds/${no}/approve`)));
  if (s.crash) {
    await s.crash(first, refundNos);
  } else {
    const end = await waitForExit(first, 20_000).catch((err: Error) => {
      throw new Error(`${err.message}: crash point ${s.point} was never reached\n${first.logs().slice(-3000)}`);
    });
    expect(end.signal, `the server should die by its crash point ${s.point}`).toBe('SIGKILL');
  }
  await approvals;
  const firstLogs = first.logs();
  const down = await readRefundsDirect(first.env.DATABASE_URL, refundNos);
  await s.whileDown?.(down);

  const restartedAt = Date.now();
  const server = await startServer({ dataDir: first.dataDir, env });
  started.push(server);
  const admin = await adminSession(server.baseUrl);
  await s.afterRestart?.(server, admin, refundNos);
  // an approval the crash cut off never committed: the merchant clicks again
  for (const no of refundNos) {
    const d = await admin.call('GET', `/api/admin/refunds/${no}`);
    if (d.body.status === 'REQUESTED') expect((await admin.call('POST', `/api/admin/refunds/${no}/approve`)).status).toBe(200);
  }
  const orderNos = orders.map((o) => o.orderNo);
  const settled = await waitAllFinal(server, admin, orderNos, s.settleMs ?? 25_000);
  for (const a of settled) for (const r of a.refunds) expect(`${r.refundNo}: ${r.status}`).toBe(`${r.refundNo}: REFUNDED`);

  // the rest of each order can still be refunded, exactly to the total and not one fen more
  const buyer = asBuyer(server.baseUrl, token);
  const rest: string[] = [];
  for (const o of orders) {
    const r = await requestRefund(server.baseUrl, token, o.orderNo, o.totalFen - amounts.get(o.orderNo)!);
    rest.push(r.refundNo);
  }
  for (const no of rest) expect((await admin.call('POST', `/api/admin/refunds/${no}/approve`)).status).toBe(200);
  const done = await waitAllFinal(server, admin, orderNos, 15_000);
  for (const a of done) {
    expect(a.refunds.map((r) => r.status)).toEqual(['REFUNDED', 'REFUNDED']);
    expect(a.refundedFen).toBe(a.totalFen);
    expect(a.status).toBe('REFUNDED');
    // WeChat holds exactly our two refunds of this order, each with its one fee
    expect(a.sandbox.map((x) => x.outRefundNo).sort()).toEqual(a.refunds.map((r) => r.refundNo).sort());
    const more = await buyer('POST', `/api/mp/orders/${a.orderNo}/refunds`, { amountFen: 1, reason: 'x' });
    expect(more.status).toBe(422);
  }
  const { problems } = await allProblems(server, admin, orderNos);
  expect(problems).toEqual([]);
  expect(server.logs()).not.toMatch(/"level":50/); // nothing logged as an error after the restart
  return { server, admin, orderNos, refundNos, firstLogs, restartedAt, down };
}
