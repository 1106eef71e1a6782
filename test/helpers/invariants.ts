// The money and state invariants of issue 6, read through the public API and the sandbox's control API:
// what the crash, hostile-input and random-sequence tests check after every restart or step.
import { setTimeout as sleep } from 'node:timers/promises';
import { sandboxControl, type AdminSession } from './api.ts';
import type { TestServer } from './server.ts';

export const FINAL_STATUSES = ['REFUNDED', 'REJECTED', 'CANCELLED'] as const;
export const OPEN_STATUSES = ['REQUESTED', 'APPROVED', 'REFUNDING', 'FAILED'] as const;

export interface RefundEvent {
  at: string;
  from: string | null;
  to: string;
  action: string;
  actor: string;
  /** the merchant's person's role; null for buyer, system and WeChat */
  role: string | null;
  note: string | null;
}

export interface SandboxRefund {
  outRefundNo: string;
  outTradeNo: string;
  refundId: string;
  refundFee: number;
  totalFee: number;
  status: string;
  source: string;
  calls: number;
  fees: number[];
}

export interface OrderAudit {
  orderNo: string;
  status: string;
  totalFen: number;
  refundedFen: number;
  refunds: Array<{ refundNo: string; status: string; amountFen: number; source: string }>;
  sandbox: SandboxRefund[];
}

async function readOrder(server: TestServer, admin: AdminSession, orderNo: string): Promise<OrderAudit> {
  const o = await admin.call('GET', `/api/admin/orders/${orderNo}`);
  if (o.status !== 200) throw new Error(`GET order ${orderNo}: ${o.status} ${JSON.stringify(o.body)}`);
  const sb = await sandboxControl(server, 'GET', `/sandbox/refunds?outTradeNo=${encodeURIComponent(orderNo)}`);
  if (sb.status !== 200) throw new Error(`GET /sandbox/refunds: ${sb.status}`);
  return { ...o.body, sandbox: sb.body.items as SandboxRefund[] };
}

/**
 * Reads one order (admin view) and WeChat's (the sandbox's) record of its refunds, until two reads in a row
 * agree (at most 5): while the dispatcher and WeChat work, one read can catch the order row and its refunds
 * on either side of a commit (on PostgreSQL; see the read-skew test in hostile-sequences). The invariants
 * are about states, not about that, which has a test of its own.
 */
export async function auditOrder(server: TestServer, admin: AdminSession, orderNo: string): Promise<OrderAudit> {
  let last = await readOrder(server, admin, orderNo);
  for (let i = 0; i < 4; i++) {
    const next = await readOrder(server, admin, orderNo);
    if (JSON.stringify(next) === JSON.stringify(last)) return next;
    last = next;
  }
  return last;
}

/**
 * Problems with one order's money, as sentences (empty when all is well):
 * refundedFen ≤ totalFen and = the sum of its REFUNDED refunds; at most one open refund; WeChat saw each
 * out_refund_no once, always with the same fee, the fee we hold, and never more in all than the order's total.
 */
export function moneyProblems(a: OrderAudit, opts: { settled?: boolean } = {}): string[] {
  const p: string[] = [];
  const where = `order ${a.orderNo}`;
  if (a.refundedFen > a.totalFen) p.push(`${where}: refundedFen ${a.refundedFen} > totalFen ${a.totalFen}`);
  const refundedSum = a.refunds.filter((r) => r.status === 'REFUNDED').reduce((s, r) => s + r.amountFen, 0);
  if (refundedSum !== a.refundedFen) p.push(`${where}: refundedFen ${a.refundedFen} ≠ sum of REFUNDED refunds ${refundedSum}`);
  const open = a.refunds.filter((r) => (OPEN_STATUSES as readonly string[]).includes(r.status));
  if (open.length > 1) p.push(`${where}: ${open.length} open refunds (${open.map((r) => `${r.refundNo}:${r.status}`).join(', ')})`);
  const seen = new Set<string>();
  for (const s of a.sandbox) {
    if (seen.has(s.outRefundNo)) p.push(`${where}: WeChat holds out_refund_no ${s.outRefundNo} twice`);
    seen.add(s.outRefundNo);
    if (s.fees.length !== s.calls) p.push(`${where}: ${s.outRefundNo} calls ${s.calls} but ${s.fees.length} fees`);
    if (s.fees.some((f) => f !== s.refundFee)) p.push(`${where}: ${s.outRefundNo} sent with different fees ${JSON.stringify(s.fees)}`);
    const ours = a.refunds.find((r) => r.refundNo === s.outRefundNo);
    if (s.source === 'API') {
      if (!ours) p.push(`${where}: WeChat has refund ${s.outRefundNo} that we do not`);
      else if (ours.amountFen !== s.refundFee) p.push(`${where}: ${s.outRefundNo} is ${ours.amountFen} here but ${s.refundFee} at WeChat`);
    }
    // WeChat's SUCCESS reaches us by notification or query: until then REFUNDING (or FAILED / APPROVED, when a
    // resend was refused meanwhile); once things have settled, REFUNDED and nothing else
    const onItsWay = opts.settled ? ['REFUNDED'] : ['REFUNDED', 'REFUNDING', 'FAILED', 'APPROVED'];
    if (ours && s.status === 'SUCCESS' && !onItsWay.includes(ours.status)) {
      p.push(`${where}: ${s.outRefundNo} refunded at WeChat but ${ours.status} here`);
    }
  }
  const atWechat = a.sandbox.filter((s) => s.status !== 'REFUNDCLOSE').reduce((sum, s) => sum + s.refundFee, 0);
  if (atWechat > a.totalFen) p.push(`${where}: WeChat refunded ${atWechat} of a ${a.totalFen} order`);
  if (a.status === 'REFUNDED' && a.refundedFen !== a.totalFen) p.push(`${where}: status REFUNDED with refundedFen ${a.refundedFen}`);
  return p;
}

/** Problems with one refund's history: a chain from null, each step once, one `succeed` iff REFUNDED. */
export function eventProblems(refundNo: string, status: string, events: RefundEvent[], opts: { uniquePairs?: boolean } = {}): string[] {
  const p: string[] = [];
  const where = `refund ${refundNo}`;
  if (events.length === 0) return [`${where}: no events`];
  if (events[0].from !== null) p.push(`${where}: first event is from ${events[0].from}`);
  for (let i = 1; i < events.length; i++) {
    if (events[i].from !== events[i - 1].to) p.push(`${where}: event ${i} goes ${events[i].from}→${events[i].to} after reaching ${events[i - 1].to}`);
  }
  if (events.at(-1)!.to !== status) p.push(`${where}: status ${status} but the last event reaches ${events.at(-1)!.to}`);
  const succeeds = events.filter((e) => e.action === 'succeed' || e.action === 'record_external').length;
  if (status === 'REFUNDED' && succeeds !== 1) p.push(`${where}: REFUNDED with ${succeeds} succeed events`);
  if (status !== 'REFUNDED' && succeeds !== 0) p.push(`${where}: ${status} with ${succeeds} succeed events`);
  if (opts.uniquePairs ?? true) {
    const pairs = new Map<string, number>();
    for (const e of events) pairs.set(`${e.from}→${e.to}`, (pairs.get(`${e.from}→${e.to}`) ?? 0) + 1);
    for (const [pair, n] of pairs) if (n > 1) p.push(`${where}: transition ${pair} recorded ${n} times`);
  }
  return p;
}

type RefundDetail = { refundNo: string; orderNo: string; status: string; amountFen: number; events: RefundEvent[]; wechatCalls: unknown[] };

async function readRefund(admin: AdminSession, refundNo: string): Promise<RefundDetail> {
  const r = await admin.call('GET', `/api/admin/refunds/${refundNo}`);
  if (r.status !== 200) throw new Error(`GET refund ${refundNo}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body as RefundDetail;
}

/** The admin view of a refund with its events, read until two reads in a row agree (see auditOrder). */
export async function refundDetail(admin: AdminSession, refundNo: string): Promise<RefundDetail> {
  let last = await readRefund(admin, refundNo);
  for (let i = 0; i < 4; i++) {
    const next = await readRefund(admin, refundNo);
    if (JSON.stringify(next) === JSON.stringify(last)) return next;
    last = next;
  }
  return last;
}

/** Every invariant over the given orders and all their refunds; returns the audits for further checks. */
export async function allProblems(server: TestServer, admin: AdminSession, orderNos: string[], opts: { uniquePairs?: boolean } = {}) {
  const problems: string[] = [];
  const audits: OrderAudit[] = [];
  for (const orderNo of orderNos) {
    const a = await auditOrder(server, admin, orderNo);
    audits.push(a);
    problems.push(...moneyProblems(a, { settled: true }));
    for (const r of a.refunds) {
      const d = await refundDetail(admin, r.refundNo);
      problems.push(...eventProblems(r.refundNo, d.status, d.events, opts));
    }
  }
  return { problems, audits };
}

/** Waits until every refund of these orders is final (or the time is up); returns the last audits. */
export async function waitAllFinal(server: TestServer, admin: AdminSession, orderNos: string[], timeoutMs: number): Promise<OrderAudit[]> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const audits = await Promise.all(orderNos.map((o) => auditOrder(server, admin, o)));
    const open = audits.flatMap((a) => a.refunds.filter((r) => !(FINAL_STATUSES as readonly string[]).includes(r.status)));
    if (open.length === 0 || Date.now() > until) return audits;
    await sleep(200);
  }
}
