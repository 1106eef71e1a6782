// Hostile input (issue 6): random sequences of buyer and merchant actions against the live API — refund
// requests with random (and invalid) amounts, cancel, approve, reject, retry, duplicate clicks fired at once,
// WeChat failing in between — checking the invariants after every step: refundedFen ≤ totalFen (and equal to
// what was refunded), at most one open refund per order, terminal refunds stay terminal, WeChat never
// refunds more than an order's total nor sees one refund with two fees, and every rejected action is a
// 4xx that changed nothing (only the dispatcher and WeChat may move a refund meanwhile).
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TRANSITIONS } from '../../server/lifecycle/refunds.ts';
import { adminSession, asBuyer, buyerLogin, placePaidOrderOf, sandboxControl, type AdminSession, type HttpAnswer } from '../helpers/api.ts';
import { auditOrder, eventProblems, moneyProblems, refundDetail, type OrderAudit } from '../helpers/invariants.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;
let base: string;
let admin: AdminSession;
let products: Array<{ id: number; priceFen: number }>;

beforeAll(async () => {
  server = await startServer({ env: { SANDBOX_SETTLE_DELAY_MS: '100' } });
  base = server.baseUrl;
  admin = await adminSession(base);
  products = (await admin.call('GET', '/api/admin/products')).body.items.filter((p: any) => p.onSale && p.stock > 100);
  expect(products.length).toBeGreaterThanOrEqual(2);
});

afterAll(async () => {
  await server?.stop();
});

// ---- the actions -------------------------------------------------------------------------------------------

type Amount = { kind: 'part'; f: number } | { kind: 'all' } | { kind: 'over'; by: number } | { kind: 'raw'; v: unknown };
type Dup = 'request' | 'request-key' | 'approve' | 'cancel' | 'approve+reject' | 'approve+cancel' | 'retry' | 'cancel+approve+reject';
type Action =
  | { t: 'request'; order: number; amount: Amount; key: boolean; reason: string }
  | { t: 'cancel'; refund: number; asOther: boolean }
  | { t: 'approve'; refund: number }
  | { t: 'reject'; refund: number; reason: string }
  | { t: 'retry'; refund: number }
  | { t: 'dup'; kind: Dup; order: number; refund: number; amount: Amount }
  | { t: 'wechat'; fault: 'final-error' | 'retryable' | 'change' | 'close' }
  | { t: 'wait'; ms: number };

const amount: fc.Arbitrary<Amount> = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 1, max: 100 }).map((pct) => ({ kind: 'part' as const, f: pct / 100 })) },
  { weight: 1, arbitrary: fc.constant({ kind: 'all' as const }) },
  { weight: 2, arbitrary: fc.integer({ min: 1, max: 500 }).map((by) => ({ kind: 'over' as const, by })) },
  {
    weight: 2,
    arbitrary: fc
      .constantFrom<unknown>(0, -1, -100, 1.5, 0.01, '100', '', null, true, [100], { v: 1 }, 1e12, 2 ** 53, Number.MAX_SAFE_INTEGER)
      .map((v) => ({ kind: 'raw' as const, v })),
  },
);
const reason = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('不想要了', 'damaged', '尺码不合适') },
  // (no NUL: it has its own test in security-http, as it breaks the PostgreSQL pass)
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 30 }).filter((r) => !r.includes('\u0000')) },
  { weight: 1, arbitrary: fc.constantFrom('  ', '', 'x'.repeat(201), '\n\t') },
);
/** Which refund an action aims at: counted from the newest, so that open ones are hit often. */
const pick = fc.nat({ max: 6 });
const action: fc.Arbitrary<Action> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ t: fc.constant('request' as const), order: fc.nat(), amount, key: fc.boolean(), reason }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('cancel' as const), refund: pick, asOther: fc.integer({ min: 0, max: 3 }).map((n) => n === 0) }) },
  { weight: 5, arbitrary: fc.record({ t: fc.constant('approve' as const), refund: pick }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('reject' as const), refund: pick, reason }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('retry' as const), refund: pick }) },
  {
    weight: 4,
    arbitrary: fc.record({
      t: fc.constant('dup' as const),
      kind: fc.constantFrom<Dup>('request', 'request-key', 'approve', 'cancel', 'approve+reject', 'approve+cancel', 'retry', 'cancel+approve+reject'),
      order: fc.nat(),
      refund: pick,
      amount,
    }),
  },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('wechat' as const), fault: fc.constantFrom('final-error', 'retryable', 'change', 'close') }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('wait' as const), ms: fc.integer({ min: 100, max: 700 }) }) },
);

// ---- the world of one run ----------------------------------------------------------------------------------

interface Buyer {
  token: string;
  call: ReturnType<typeof asBuyer>;
}
interface World {
  buyers: Buyer[];
  orders: Array<{ orderNo: string; owner: number; totalFen: number }>;
  refunds: Array<{ refundNo: string; order: number }>;
  /** refundNo → the terminal status once seen: it must never change again. */
  terminal: Map<string, string>;
  log: string[];
}

const TERMINAL = new Set(['REFUNDED', 'REJECTED', 'CANCELLED']);
const OPEN = new Set(['REQUESTED', 'APPROVED', 'REFUNDING', 'FAILED']);
/** What only the dispatcher and WeChat may do to a refund (the closure of their transitions in the table). */
const BACKGROUND = (() => {
  const edges = TRANSITIONS.filter((t) => (t.by === 'system' || t.by === 'wechat') && t.from !== null).map((t) => [t.from!, t.to] as const);
  const reach = new Set<string>(edges.map(([a, b]) => `${a}>${b}`));
  for (let grew = true; grew; ) {
    grew = false;
    for (const x of [...reach]) {
      const [a, b] = x.split('>');
      for (const [c, d] of edges) if (c === b && !reach.has(`${a}>${d}`)) (reach.add(`${a}>${d}`), (grew = true));
    }
  }
  return reach;
})();

function resolveAmount(a: Amount, refundable: number): unknown {
  if (a.kind === 'part') return Math.max(1, Math.floor(a.f * refundable));
  if (a.kind === 'all') return refundable;
  if (a.kind === 'over') return refundable + a.by;
  return a.v;
}

async function audits(w: World): Promise<OrderAudit[]> {
  return Promise.all(w.orders.map((o) => auditOrder(server, admin, o.orderNo)));
}

function refundsOf(a: OrderAudit) {
  return new Map(a.refunds.map((r) => [r.refundNo, r.status]));
}

/** After a refused action: no refund appeared or vanished, and any status change is the background's. */
function onlyBackgroundMoves(before: OrderAudit[], after: OrderAudit[]): string[] {
  const p: string[] = [];
  for (let i = 0; i < before.length; i++) {
    const b = refundsOf(before[i]);
    const a = refundsOf(after[i]);
    if (a.size !== b.size) p.push(`order ${before[i].orderNo}: ${b.size} refunds became ${a.size}`);
    for (const [no, st] of a) {
      const was = b.get(no);
      if (was === undefined) p.push(`order ${before[i].orderNo}: refund ${no} appeared`);
      else if (was !== st && !BACKGROUND.has(`${was}>${st}`)) p.push(`refund ${no}: ${was} → ${st} by a refused action`);
    }
  }
  return p;
}

function isError(r: HttpAnswer, statuses: number[]): boolean {
  return statuses.includes(r.status) && typeof r.body?.error?.code === 'string' && typeof r.body?.error?.message === 'string';
}

/** Runs one action; returns whether it was refused (every answer a 4xx) and any broken expectation. */
async function perform(w: World, act: Action, before: OrderAudit[]): Promise<{ refused: boolean; problems: string[] }> {
  const problems: string[] = [];
  const expectStatus = (what: string, r: HttpAnswer, ok: number[]) => {
    if (!ok.includes(r.status)) problems.push(`${what}: got ${r.status} ${JSON.stringify(r.body).slice(0, 200)}, expected ${ok.join('|')}`);
    if (r.status >= 400 && !isError(r, [r.status])) problems.push(`${what}: error without the {error:{code,message}} shape`);
    if (r.status >= 500) problems.push(`${what}: server error ${r.status}`);
  };
  const refundAt = (i: number) => (w.refunds.length === 0 ? undefined : w.refunds[w.refunds.length - 1 - (i % w.refunds.length)]);
  const statusOf = (refundNo: string) => before.flatMap((a) => a.refunds).find((r) => r.refundNo === refundNo)?.status;
  const newRefund = (r: HttpAnswer, order: number) => {
    if (r.status === 201 && !w.refunds.some((x) => x.refundNo === r.body.refundNo)) w.refunds.push({ refundNo: r.body.refundNo, order });
  };
  const admin1 = (verb: string, refundNo: string, body?: unknown) => admin.call('POST', `/api/admin/refunds/${refundNo}/${verb}`, body);

  switch (act.t) {
    case 'wait':
      await new Promise((r) => setTimeout(r, act.ms));
      return { refused: false, problems };
    case 'wechat': {
      const body =
        act.fault === 'final-error'
          ? { refund: [{ code: 'USER_ACCOUNT_ABNORMAL', times: 1 }] }
          : act.fault === 'retryable'
            ? { refund: [{ code: 'SYSTEMERROR', times: 1 }] }
            : { settleAs: [{ status: act.fault === 'change' ? 'CHANGE' : 'REFUNDCLOSE', times: 1 }] };
      const r = await sandboxControl(server, 'PUT', '/sandbox/faults', body);
      if (r.status !== 200) problems.push(`sandbox faults: ${r.status}`);
      return { refused: false, problems };
    }
    case 'request': {
      const oi = act.order % w.orders.length;
      const o = w.orders[oi];
      const view = (await w.buyers[o.owner].call('GET', `/api/mp/orders/${o.orderNo}`)).body;
      const amountFen = resolveAmount(act.amount, view.refundableFen);
      const headers: Record<string, string> = act.key ? { 'idempotency-key': `k-${w.refunds.length}-${Math.random().toString(36).slice(2, 8)}` } : {};
      const r = await w.buyers[o.owner].call('POST', `/api/mp/orders/${o.orderNo}/refunds`, { amountFen, reason: act.reason }, headers);
      // what was open just before the request (fresh): only the background can close an APPROVED/REFUNDING one
      const open = (view.refunds as Array<{ status: string }>).filter((x) => OPEN.has(x.status)).map((x) => x.status);
      const validAmount = typeof amountFen === 'number' && Number.isInteger(amountFen) && amountFen >= 1 && amountFen <= view.refundableFen;
      const validReason = act.reason.trim().length >= 1 && act.reason.trim().length <= 200;
      const valid = validAmount && validReason && open.length === 0;
      const mayClose = validAmount && validReason && open.length === 1 && (open[0] === 'APPROVED' || open[0] === 'REFUNDING');
      const label = `request ${JSON.stringify(amountFen)} of ${view.refundableFen} refundable (open: ${open.join(',') || 'none'})`;
      expectStatus(label, r, valid ? [201] : mayClose ? [201, 409] : [400, 409, 422]);
      if (r.status === 201) {
        if (r.body.amountFen !== amountFen || r.body.status !== 'REQUESTED') problems.push(`request answered ${JSON.stringify(r.body)}`);
        newRefund(r, oi);
      }
      return { refused: r.status >= 400, problems };
    }
    case 'cancel': {
      const ref = refundAt(act.refund);
      if (!ref) return { refused: false, problems };
      const owner = w.orders[ref.order].owner;
      const who = act.asOther ? 1 - owner : owner;
      const r = await w.buyers[who].call('POST', `/api/mp/refunds/${ref.refundNo}/cancel`);
      const st = statusOf(ref.refundNo);
      expectStatus(`cancel ${st} as ${act.asOther ? 'another buyer' : 'its buyer'}`, r, act.asOther ? [404] : st === 'REQUESTED' ? [200] : [409]);
      return { refused: r.status >= 400, problems };
    }
    case 'approve': {
      const ref = refundAt(act.refund);
      if (!ref) return { refused: false, problems };
      const st = statusOf(ref.refundNo);
      const r = await admin1('approve', ref.refundNo);
      expectStatus(`approve ${st}`, r, st === 'REQUESTED' ? [200] : [409]);
      return { refused: r.status >= 400, problems };
    }
    case 'reject': {
      const ref = refundAt(act.refund);
      if (!ref) return { refused: false, problems };
      const st = statusOf(ref.refundNo);
      const okReason = act.reason.trim().length >= 1 && act.reason.trim().length <= 200;
      const r = await admin1('reject', ref.refundNo, { reason: act.reason });
      expectStatus(`reject ${st} with ${JSON.stringify(act.reason.slice(0, 20))}`, r, !okReason ? [400, 409] : st === 'REQUESTED' ? [200] : [409]);
      return { refused: r.status >= 400, problems };
    }
    case 'retry': {
      const ref = refundAt(act.refund);
      if (!ref) return { refused: false, problems };
      const st = statusOf(ref.refundNo);
      const r = await admin1('retry', ref.refundNo);
      // FAILED may turn REFUNDED meanwhile on WeChat's late word (then 409 is right too), and an APPROVED or
      // REFUNDING one may have failed meanwhile (then the retry is right)
      expectStatus(`retry ${st}`, r, st === 'FAILED' || BACKGROUND.has(`${st}>FAILED`) ? [200, 409] : [409]);
      return { refused: r.status >= 400, problems };
    }
    case 'dup': {
      const answers: HttpAnswer[] = [];
      if (act.kind === 'request' || act.kind === 'request-key') {
        const oi = act.order % w.orders.length;
        const o = w.orders[oi];
        const view = (await w.buyers[o.owner].call('GET', `/api/mp/orders/${o.orderNo}`)).body;
        const amountFen = resolveAmount(act.amount, view.refundableFen);
        const headers: Record<string, string> = act.kind === 'request-key' ? { 'idempotency-key': `dup-${Date.now()}-${Math.random().toString(36).slice(2)}` } : {};
        const body = { amountFen, reason: 'double tap' };
        answers.push(...(await Promise.all([0, 1, 2].map(() => w.buyers[o.owner].call('POST', `/api/mp/orders/${o.orderNo}/refunds`, body, headers)))));
        const created = answers.filter((r) => r.status === 201);
        const nos = new Set(created.map((r) => r.body.refundNo));
        if (nos.size > 1) problems.push(`3 identical requests created ${nos.size} refunds`);
        if (act.kind === 'request-key' && created.length > 0 && created.length !== 3) {
          problems.push(`same Idempotency-Key: ${created.length} of 3 answered the refund (${answers.map((r) => r.status).join(',')})`);
        }
        for (const r of answers) expectStatus(`duplicate request ${JSON.stringify(amountFen)}`, r, [201, 400, 409, 422]);
        for (const r of created) newRefund(r, oi);
      } else {
        const ref = refundAt(act.refund);
        if (!ref) return { refused: false, problems };
        const st = statusOf(ref.refundNo);
        const owner = w.orders[ref.order].owner;
        const cancel = () => w.buyers[owner].call('POST', `/api/mp/refunds/${ref.refundNo}/cancel`);
        const calls: Array<() => Promise<HttpAnswer>> =
          act.kind === 'approve'
            ? [0, 1, 2].map(() => () => admin1('approve', ref.refundNo))
            : act.kind === 'cancel'
              ? [0, 1, 2].map(() => cancel)
              : act.kind === 'retry'
                ? [0, 1, 2].map(() => () => admin1('retry', ref.refundNo))
                : act.kind === 'approve+reject'
                  ? [() => admin1('approve', ref.refundNo), () => admin1('reject', ref.refundNo, { reason: 'no' })]
                  : act.kind === 'approve+cancel'
                    ? [() => admin1('approve', ref.refundNo), cancel]
                    : [cancel, () => admin1('approve', ref.refundNo), () => admin1('reject', ref.refundNo, { reason: 'no' })];
        answers.push(...(await Promise.all(calls.map((c) => c()))));
        const wins = answers.filter((r) => r.status === 200).length;
        const from = act.kind === 'retry' ? 'FAILED' : 'REQUESTED';
        if (st === from && act.kind !== 'retry' && wins !== 1) problems.push(`${act.kind} on ${st}: ${wins} of ${answers.length} won (${answers.map((r) => r.status).join(',')})`);
        if (wins > 1) problems.push(`${act.kind} on ${st}: ${wins} concurrent changes all succeeded`);
        if (st !== from && !BACKGROUND.has(`${st}>${from}`) && wins !== 0) problems.push(`${act.kind} on ${st}: ${wins} succeeded`);
        for (const r of answers) expectStatus(`${act.kind} on ${st}`, r, [200, 409]);
      }
      return { refused: answers.length > 0 && answers.every((r) => r.status >= 400), problems };
    }
  }
}

/** The invariants after a step. */
async function check(w: World, act: Action, before: OrderAudit[], refused: boolean): Promise<{ problems: string[]; after: OrderAudit[] }> {
  const after = await audits(w);
  const problems = after.flatMap((a) => moneyProblems(a));
  for (const a of after) {
    for (const r of a.refunds) {
      const was = w.terminal.get(r.refundNo);
      if (was !== undefined && was !== r.status) problems.push(`terminal refund ${r.refundNo} went ${was} → ${r.status}`);
      if (TERMINAL.has(r.status)) w.terminal.set(r.refundNo, r.status);
    }
  }
  if (refused) problems.push(...onlyBackgroundMoves(before, after));
  // the refunds the action aimed at: their history is a chain of the table with one `succeed` at most
  const touched = 'refund' in act && w.refunds.length > 0 ? [w.refunds[w.refunds.length - 1 - (act.refund % w.refunds.length)].refundNo] : [];
  for (const no of touched) {
    const d = await refundDetail(admin, no);
    problems.push(...eventProblems(no, d.status, d.events, { uniquePairs: false }));
    // request, approve, reject, cancel happen once in a refund's life (retry may repeat, after each failure)
    const once = d.events.filter((e) => e.action !== 'retry' && (e.actor === 'buyer' || e.role !== null)).map((e) => e.action);
    if (new Set(once).size !== once.length) problems.push(`refund ${no}: a buyer/merchant action recorded twice: ${once.join(', ')}`);
  }
  return { problems, after };
}

async function newWorld(): Promise<World> {
  const buyers: Buyer[] = [];
  for (let i = 0; i < 2; i++) {
    const token = await buyerLogin(base);
    buyers.push({ token, call: asBuyer(base, token) });
  }
  const orders: World['orders'] = [];
  const plan = [
    { owner: 0, product: products[0], qty: 1 },
    { owner: 0, product: products[1], qty: 2 },
    { owner: 1, product: products[0], qty: 1 },
  ];
  for (const p of plan) {
    const o = await placePaidOrderOf(base, buyers[p.owner].token, p.product.id, p.qty);
    orders.push({ orderNo: o.orderNo, owner: p.owner, totalFen: o.totalFen });
  }
  return { buyers, orders, refunds: [], terminal: new Map(), log: [] };
}

const RUNS = 4;
const STEPS = 40;

describe('random sequences of buyer and merchant actions keep the invariants', () => {
  it(`${RUNS} runs × ${STEPS} steps, invariants checked after each step`, async () => {
    const started = Date.now();
    await fc.assert(
      fc.asyncProperty(fc.array(action, { minLength: STEPS, maxLength: STEPS }), async (acts) => {
        const w = await newWorld();
        try {
          let before = await audits(w);
          for (const [i, act] of acts.entries()) {
            const { refused, problems } = await perform(w, act, before);
            const checked = await check(w, act, before, refused);
            w.log.push(`${i}: ${JSON.stringify(act)}${refused ? ' (refused)' : ''}`);
            const all = [...problems, ...checked.problems];
            if (all.length > 0) throw new Error(`after step ${i}:\n  ${all.join('\n  ')}\nsteps:\n  ${w.log.join('\n  ')}`);
            before = checked.after;
          }
          // let the dispatcher and WeChat finish what was approved, then everything once more, every event
          const until = Date.now() + 10_000;
          let last = await audits(w);
          const busy = (a: OrderAudit) =>
            a.refunds.some((r) => r.status === 'APPROVED' || r.status === 'REFUNDING') ||
            a.sandbox.some((x) => x.status === 'SUCCESS' && a.refunds.find((r) => r.refundNo === x.outRefundNo)?.status !== 'REFUNDED');
          while (Date.now() < until && last.some(busy)) {
            await new Promise((r) => setTimeout(r, 250));
            last = await audits(w);
          }
          const end = last.flatMap((a) => moneyProblems(a, { settled: true }));
          for (const a of last) {
            for (const r of a.refunds) {
              if (r.status === 'APPROVED' || r.status === 'REFUNDING') end.push(`refund ${r.refundNo} still ${r.status} 10 s after the last step`);
              const d = await refundDetail(admin, r.refundNo);
              end.push(...eventProblems(r.refundNo, d.status, d.events, { uniquePairs: false }));
              const was = w.terminal.get(r.refundNo);
              if (was !== undefined && was !== r.status) end.push(`terminal refund ${r.refundNo} went ${was} → ${r.status}`);
            }
          }
          if (end.length > 0) throw new Error(`at the end:\n  ${end.join('\n  ')}\nsteps:\n  ${w.log.join('\n  ')}`);
        } finally {
          await sandboxControl(server, 'DELETE', '/sandbox/faults');
        }
      }),
      { numRuns: RUNS, endOnFailure: true },
    );
    expect(Date.now() - started).toBeLessThan(120_000);
  }, 150_000);
});

describe('reading an order or a refund while it settles', () => {
  it('never shows a self-contradictory answer: refundedFen = the REFUNDED refunds, status = the last event', async () => {
    const token = await buyerLogin(base);
    const buyer = asBuyer(base, token);
    const orders: Array<{ orderNo: string; totalFen: number }> = [];
    for (let i = 0; i < 12; i++) orders.push(await placePaidOrderOf(base, token, products[i % 2].id));
    const refundNos: string[] = [];
    for (const o of orders) {
      const r = await buyer('POST', `/api/mp/orders/${o.orderNo}/refunds`, { amountFen: o.totalFen, reason: '不想要了' });
      expect(r.status).toBe(201);
      refundNos.push(r.body.refundNo);
    }
    await Promise.all(refundNos.map((no) => admin.call('POST', `/api/admin/refunds/${no}/approve`)));
    const contradictions: string[] = [];
    let reads = 0;
    const until = Date.now() + 15_000;
    for (let settled = false; !settled && Date.now() < until; ) {
      const [views, details] = await Promise.all([
        Promise.all([...orders.map((o) => admin.call('GET', `/api/admin/orders/${o.orderNo}`)), ...orders.map((o) => buyer('GET', `/api/mp/orders/${o.orderNo}`))]),
        Promise.all(refundNos.map((no) => admin.call('GET', `/api/admin/refunds/${no}`))),
      ]);
      for (const d of details) {
        reads++;
        const last = (d.body.events as Array<{ to: string }>).at(-1)?.to;
        if (last !== d.body.status) contradictions.push(`refund ${d.body.refundNo}: status ${d.body.status}, last event → ${last}`);
      }
      settled = true;
      for (const v of views) {
        reads++;
        const refunded = (v.body.refunds as Array<{ status: string; amountFen: number }>).filter((r) => r.status === 'REFUNDED').reduce((a, r) => a + r.amountFen, 0);
        if (refunded !== v.body.refundedFen) {
          contradictions.push(`${v.body.orderNo}: status ${v.body.status}, refundedFen ${v.body.refundedFen}, refunds ${JSON.stringify(v.body.refunds.map((r: { status: string }) => r.status))}`);
        }
        if (v.body.status !== 'REFUNDED') settled = false;
      }
    }
    expect(reads).toBeGreaterThan(orders.length * 3);
    expect(contradictions, `${contradictions.length} of ${reads} reads contradict themselves`).toEqual([]);
  });
});
