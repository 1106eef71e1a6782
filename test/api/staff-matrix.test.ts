// The merchant's team over the real API, on one server:
// 1. every merchant move of the two move tables (refunds' TRANSITIONS, orders' SHIPPING_MOVES) × every staff
//    role, generated from the tables: allowed iff the role is in the row's `staff` (200, the row's `to`, an
//    event naming the person and their role), else 403 FORBIDDEN with nothing changed; and every answer's
//    `actions` for that person lists the move iff they may take it;
// 2. every other admin route that changes something is refused (403) to the roles without its capability;
// 3. the SERVICE approval limit; 4. managing the team (owners, disabling, passwords, sessions).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REFUND_TYPES, TRANSITIONS, type RefundStatus, type RefundType } from '../../server/lifecycle/refunds.ts';
import { SHIPPING_MOVES } from '../../server/lifecycle/shipping.ts';
import { CAPABILITIES, capabilitiesOf, STAFF_ROLES, type Capability, type StaffRole } from '../../server/lifecycle/staff.ts';
import {
  adminSession,
  asBuyer,
  buyerLogin,
  createProduct,
  http,
  sandboxControl,
  TEST_ADDRESS,
  waitFor,
  waitForRefundStatus,
  type AdminSession,
  type HttpAnswer,
} from '../helpers/api.ts';
import { withDb } from '../helpers/database.ts';
import { expectError } from '../helpers/expect-error.ts';
import { protocolEnv } from '../helpers/protocols.ts';
import { startServer, TEST_ADMIN, type TestServer } from '../helpers/server.ts';

let server: TestServer;
let base: string;
let owner: AdminSession; // TEST_ADMIN, the configured OWNER
let productId: number;
/** One person per role, added by the owner through the API. */
const people = {} as Record<StaffRole, { username: string; id: number; session: AdminSession }>;

const PASSWORD = 'long-enough-password';
const AMOUNT = 100; // well under the default approval limit: the matrix is about roles only
const SHIPMENT = { carrier: 'SF', trackingNo: 'SF5550001' };

async function addPerson(username: string, role: StaffRole, password = PASSWORD) {
  const r = await owner.call('POST', '/api/admin/staff', { username, password, role });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  expect(r.body).toMatchObject({ username, role, disabled: false, lastLoginAt: null });
  return r.body as { id: number; username: string; role: StaffRole; disabled: boolean };
}

async function staffList(as: AdminSession = owner) {
  const r = await as.call('GET', '/api/admin/staff');
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body.items as Array<{ id: number; username: string; role: StaffRole; disabled: boolean }>;
}

beforeAll(async () => {
  // over APIv3: every move of the table has its call there (settle_abnormal is APIv3's apply-abnormal-refund)
  server = await startServer({ env: protocolEnv('v3-public-key') });
  base = server.baseUrl;
  owner = await adminSession(base);
  productId = (await createProduct(owner, { name: 'staff-matrix: 茶杯', priceFen: 1000, stock: 100_000 })).id;
  for (const role of STAFF_ROLES) {
    const username = `sm-${role.toLowerCase()}`;
    const { id } = await addPerson(username, role);
    people[role] = { username, id, session: await adminSession(base, { username, password: PASSWORD }) };
  }
});

afterAll(async () => {
  if (server && server.child.exitCode === null) await sandboxControl(server, 'DELETE', '/sandbox/faults');
  await server?.stop();
});

// ---- the subjects: a paid order with an address, and a refund of it ----------------------------------------

interface Subject {
  token: string;
  orderNo: string;
  refundNo?: string;
  type?: RefundType;
}

async function paidOrder(): Promise<Subject> {
  const token = await buyerLogin(base);
  const b = asBuyer(base, token);
  const placed = await b('POST', '/api/mp/orders', { items: [{ productId, quantity: 1 }], address: TEST_ADDRESS });
  expect(placed.status, JSON.stringify(placed.body)).toBe(201);
  const paid = await b('POST', `/api/mp/orders/${placed.body.orderNo}/sandbox-pay`);
  expect(paid.body?.status, JSON.stringify(paid.body)).toBe('PAID');
  return { token, orderNo: placed.body.orderNo };
}

/** A paid order (shipped by the owner when the refund is a return) and a REQUESTED refund of this type. */
async function requestedRefund(type: RefundType, amountFen = AMOUNT): Promise<Subject & { refundNo: string }> {
  const s = await paidOrder();
  if (type === 'RETURN_AND_REFUND') expectOk(await owner.call('POST', `/api/admin/orders/${s.orderNo}/ship`, SHIPMENT), 'owner ships');
  const r = await asBuyer(base, s.token)('POST', `/api/mp/orders/${s.orderNo}/refunds`, { amountFen, reason: '不想要了', type });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  expect(r.body).toMatchObject({ status: 'REQUESTED', type });
  return { ...s, refundNo: r.body.refundNo, type };
}

function expectOk(r: HttpAnswer, what: string) {
  expect(r.status, `${what}: ${JSON.stringify(r.body)}`).toBe(200);
  return r.body;
}

const ownerMove = async (s: Subject, action: 'approve' | 'receive') => expectOk(await owner.call('POST', `/api/admin/refunds/${s.refundNo}/${action}`), `owner ${action}s`);
const buyerReturns = async (s: Subject) => expectOk(await asBuyer(base, s.token)('POST', `/api/mp/refunds/${s.refundNo}/return`, { carrier: 'YTO', trackingNo: 'YT7770001' }), 'buyer returns the goods');

/**
 * How a REQUESTED refund of its type reaches each status a merchant move starts from, through the API.
 * FAILED needs WeChat to refuse the refund number for good (a final err_code, as in faults.test.ts): such
 * refunds are armed in the sandbox in one go (a PUT replaces the fault list) before they are approved.
 */
const REACH: Partial<Record<RefundStatus, (s: Subject) => Promise<void>>> = {
  REQUESTED: async () => {},
  RETURN_SHIPPED: async (s) => {
    await ownerMove(s, 'approve');
    await buyerReturns(s);
  },
  FAILED: async (s) => {
    await ownerMove(s, 'approve');
    if (s.type === 'RETURN_AND_REFUND') {
      await buyerReturns(s);
      await ownerMove(s, 'receive');
    }
    await waitForRefundStatus(owner, s.refundNo!, 'FAILED');
  },
};
const NEEDS_WECHAT_REFUSAL: readonly RefundStatus[] = ['FAILED'];
const FINAL_ERROR = 'USER_ACCOUNT_ABNORMAL';
/** settle_abnormal starts from a refund WeChat reported ABNORMAL (the buyer's card cannot take it), not refused. */
const settlesAbnormal = (c: { action: string }) => c.action === 'settle_abnormal';

// ---- the cases, from the tables ----------------------------------------------------------------------------

interface MoveCase {
  key: string;
  subject: 'refund' | 'order';
  action: string;
  from: string;
  to: string;
  staff: readonly StaffRole[] | undefined;
  type?: RefundType;
  row: object;
}

/** Every merchant row; a row for both types is tried on a refund of each type. */
const CASES: MoveCase[] = [
  ...TRANSITIONS.filter((t) => t.by === 'admin').flatMap((t) =>
    (t.type ? [t.type] : REFUND_TYPES).map((type) => ({
      key: `refund ${t.action} ${t.from} ${type}`,
      subject: 'refund' as const,
      action: t.action,
      from: t.from!,
      to: t.to,
      staff: t.staff,
      type,
      row: t,
    })),
  ),
  ...SHIPPING_MOVES.filter((m) => m.by === 'admin').map((m) => ({
    key: `order ${m.action} ${m.from}`,
    subject: 'order' as const,
    action: m.action,
    from: m.from,
    to: m.to,
    staff: m.staff,
    row: m,
  })),
];

/** Each merchant action's route, as the OpenAPI document declares it, and the body it needs. */
const MOVE_ROUTES: Record<'refund' | 'order', Record<string, { route: string; body?: unknown }>> = {
  refund: {
    approve: { route: 'POST /api/admin/refunds/{refundNo}/approve' },
    reject: { route: 'POST /api/admin/refunds/{refundNo}/reject', body: { reason: '不符合退款条件' } },
    retry: { route: 'POST /api/admin/refunds/{refundNo}/retry' },
    settle_abnormal: { route: 'POST /api/admin/refunds/{refundNo}/abnormal', body: { type: 'MERCHANT_BANK_CARD' } },
    receive: { route: 'POST /api/admin/refunds/{refundNo}/receive' },
    refuse: { route: 'POST /api/admin/refunds/{refundNo}/refuse', body: { reason: '寄回的商品已损坏' } },
  },
  order: {
    ship: { route: 'POST /api/admin/orders/{orderNo}/ship', body: SHIPMENT },
  },
};

const mayMove = (c: { staff?: readonly StaffRole[] }, role: StaffRole) => c.staff === undefined || c.staff.includes(role);

/**
 * What the table lets this role do from here: the merchant rows from this status (of this type), allowed to it;
 * settle_abnormal only on a refund WeChat reported ABNORMAL.
 */
function expectedActions(subject: 'refund' | 'order', status: string, role: StaffRole, type?: RefundType, abnormal = false): string[] {
  const rows =
    subject === 'refund'
      ? TRANSITIONS.filter((t) => t.by === 'admin' && t.from === status && (t.type === undefined || t.type === type))
      : SHIPPING_MOVES.filter((m) => m.by === 'admin' && m.from === status);
  return [...new Set(rows.filter((r) => mayMove(r, role) && (abnormal || !settlesAbnormal(r))).map((r) => r.action))].sort();
}

const sorted = (a: string[]) => [...a].sort();
const fill = (route: string, s: Subject) => route.replace('{refundNo}', s.refundNo ?? '').replace('{orderNo}', s.orderNo);
const split = (route: string) => route.split(' ') as [string, string];

/** What a refused move must leave as it was: the refund, the order's money and shipping, both histories. */
async function snapshot(s: Subject) {
  const o = expectOk(await owner.call('GET', `/api/admin/orders/${s.orderNo}`), 'order detail');
  const order = {
    status: o.status,
    totalFen: o.totalFen,
    refundedFen: o.refundedFen,
    refundableFen: o.refundableFen,
    shippingStatus: o.shippingStatus,
    shipment: o.shipment,
    updatedAt: o.updatedAt,
    events: o.events.length,
    refunds: o.refunds.map((r: { refundNo: string; status: string; updatedAt: string }) => [r.refundNo, r.status, r.updatedAt]),
  };
  if (!s.refundNo) return { order };
  const r = expectOk(await owner.call('GET', `/api/admin/refunds/${s.refundNo}`), 'refund detail');
  return { order, refund: { status: r.status, type: r.type, amountFen: r.amountFen, rejectReason: r.rejectReason, updatedAt: r.updatedAt, events: r.events.length, calls: r.wechatCalls.length } };
}

describe('the role × move matrix, from the move tables', () => {
  const subjects = new Map<string, Subject>(); // `${case.key} ${role}` → its own refund or order
  const tried = new Map<object, Set<string>>(); // merchant row → `${type} ${role}` tried through its route to the end

  beforeAll(async () => {
    const plan = CASES.flatMap((c) => STAFF_ROLES.map((role) => ({ c, role })));
    // 1. a paid order (and a REQUESTED refund) per case and role, all at once
    await Promise.all(
      plan.map(async ({ c, role }) => {
        subjects.set(`${c.key} ${role}`, c.subject === 'order' ? await paidOrder() : await requestedRefund(c.type!));
      }),
    );
    // 2. WeChat will refuse, for good, the refunds that must end FAILED (one PUT: it replaces the list)
    // (or report ABNORMAL, for settle_abnormal: the same PUT)
    const failing = plan.filter(({ c }) => c.subject === 'refund' && NEEDS_WECHAT_REFUSAL.includes(c.from as RefundStatus));
    if (failing.length > 0) {
      const refundNo = (c: MoveCase, role: StaffRole) => subjects.get(`${c.key} ${role}`)!.refundNo;
      const armed = await sandboxControl(server, 'PUT', '/sandbox/faults', {
        refund: failing.filter(({ c }) => !settlesAbnormal(c)).map(({ c, role }) => ({ code: FINAL_ERROR, times: 1, outRefundNo: refundNo(c, role) })),
        settleAs: failing.filter(({ c }) => settlesAbnormal(c)).map(({ c, role }) => ({ status: 'ABNORMAL', times: 1, outRefundNo: refundNo(c, role) })),
      });
      expect(armed.status, JSON.stringify(armed.body)).toBe(200);
    }
    // 3. each refund on to its case's `from` (a case with no way there fails in its own test)
    await Promise.all(
      plan.map(async ({ c, role }) => {
        if (c.subject === 'refund') await REACH[c.from as RefundStatus]?.(subjects.get(`${c.key} ${role}`)!);
      }),
    );
  }, 90_000);

  it('every case has a route and a way to set it up', () => {
    for (const c of CASES) {
      expect(MOVE_ROUTES[c.subject][c.action], `no route mapped for the ${c.subject} action ${c.action}`).toBeDefined();
      if (c.subject === 'refund') expect(REACH[c.from as RefundStatus], `no way to set up a refund in ${c.from}`).toBeDefined();
      else expect(c.from, 'an order case starts from a paid, unshipped order').toBe('UNSHIPPED');
      expect(c.staff, `${c.key}: a merchant row names its roles`).toBeDefined();
    }
    // somebody may take each
    for (const c of CASES) expect(STAFF_ROLES.some((r) => mayMove(c, r)), c.key).toBe(true);
  });

  it('the move routes mapped here are exactly the admin routes of the document that move a refund or an order', async () => {
    const doc = (await http('GET', `${base}/api/openapi.json`)).body as { paths: Record<string, Record<string, unknown>> };
    const declared = Object.entries(doc.paths).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`));
    const mapped = Object.values(MOVE_ROUTES).flatMap((byAction) => Object.values(byAction).map((r) => r.route));
    for (const route of mapped) expect(declared, route).toContain(route);
    // every POST under a refund or an order is a move, except the shipment's upload retry (a capability)
    const moves = declared.filter((r) => /^POST \/api\/admin\/(refunds\/\{refundNo\}|orders\/\{orderNo\})\/[a-z]+$/.test(r));
    expect(sorted(moves)).toEqual(sorted(mapped));
  });

  for (const c of CASES) {
    for (const role of STAFF_ROLES) {
      const allowed = mayMove(c, role);
      it(`${c.key} as ${role}: ${allowed ? `200 → ${c.to}` : '403 FORBIDDEN, nothing changed'}`, async () => {
        const route = MOVE_ROUTES[c.subject][c.action];
        expect(route, `no route for ${c.action}`).toBeDefined();
        const s = subjects.get(`${c.key} ${role}`)!;
        const me = people[role];
        const before = await snapshot(s);
        if (c.subject === 'refund') expect(before.refund).toMatchObject({ status: c.from, type: c.type });
        else expect(before.order.shippingStatus).toBe(c.from);

        // what this person is offered, in every answer that shows the refund or the order
        const want = expectedActions(c.subject, c.from, role, c.type, settlesAbnormal(c));
        expect(want.includes(c.action)).toBe(allowed);
        const order = expectOk(await me.session.call('GET', `/api/admin/orders/${s.orderNo}`), 'order as the person');
        const listed = expectOk(await me.session.call('GET', `/api/admin/orders?q=${s.orderNo}`), 'order list as the person');
        expect(listed.items.map((o: { orderNo: string }) => o.orderNo)).toEqual([s.orderNo]);
        if (c.subject === 'refund') {
          const detail = expectOk(await me.session.call('GET', `/api/admin/refunds/${s.refundNo}`), 'refund as the person');
          const queue = expectOk(await me.session.call('GET', `/api/admin/refunds?q=${s.refundNo}`), 'queue as the person');
          expect(queue.items.map((r: { refundNo: string }) => r.refundNo)).toEqual([s.refundNo]);
          const views = [detail, queue.items[0], ...[detail.order, order, listed.items[0]].map((o) => o.refunds.find((r: { refundNo: string }) => r.refundNo === s.refundNo))];
          for (const v of views) expect(sorted(v.actions), `actions for ${role}`).toEqual(want);
        } else {
          for (const v of [order, listed.items[0]]) expect(sorted(v.actions), `actions for ${role}`).toEqual(want);
        }

        const [method, p] = split(route.route);
        const r = await me.session.call(method, fill(p, s), route.body);
        const done = () => tried.set(c.row, (tried.get(c.row) ?? new Set()).add(`${c.type} ${role}`));
        if (!allowed) {
          expectError(r, 403, 'FORBIDDEN');
          expect(await snapshot(s)).toEqual(before);
          done();
          return;
        }
        expect(r.status, JSON.stringify(r.body)).toBe(200);
        if (c.subject === 'refund') {
          expect(r.body).toMatchObject({ refundNo: s.refundNo, status: c.to, type: c.type });
          expect(sorted(r.body.actions)).toEqual(expectedActions('refund', c.to, role, c.type));
          // settle_abnormal's answer comes before WeChat settles it (REFUNDING, then REFUNDED): wait it out
          if (c.to === 'REFUNDING') await waitForRefundStatus(owner, s.refundNo!, 'REFUNDED');
          const events = expectOk(await owner.call('GET', `/api/admin/refunds/${s.refundNo}`), 'refund detail').events;
          expect(events.filter((e: { action: string }) => e.action === c.action)).toEqual([expect.objectContaining({ from: c.from, to: c.to, actor: me.username, role })]);
        } else {
          expect(r.body).toMatchObject({ orderNo: s.orderNo, shippingStatus: c.to });
          expect(sorted(r.body.actions)).toEqual(expectedActions('order', c.to, role));
          const events = expectOk(await owner.call('GET', `/api/admin/orders/${s.orderNo}`), 'order detail').events;
          expect(events).toEqual([expect.objectContaining({ action: c.action, from: c.from, to: c.to, actor: me.username, role })]);
        }
        done();
      });
    }
  }

  it('every merchant row of both tables was tried, as every role (and on both types when the row is for both)', () => {
    const refundRows = TRANSITIONS.filter((t) => t.by === 'admin');
    const orderRows = SHIPPING_MOVES.filter((m) => m.by === 'admin');
    expect(refundRows.length + orderRows.length).toBeGreaterThanOrEqual(7);
    const expectTried = (row: object, types: readonly (RefundType | undefined)[]) =>
      expect(sorted([...(tried.get(row) ?? [])]), JSON.stringify(row)).toEqual(sorted(types.flatMap((type) => STAFF_ROLES.map((role) => `${type} ${role}`))));
    for (const row of refundRows) expectTried(row, row.type ? [row.type] : REFUND_TYPES);
    for (const row of orderRows) expectTried(row, [undefined]);
  });
});

// ---- capabilities: the other admin routes ------------------------------------------------------------------

/** The admin routes that change something (or show what only some may see) and are not moves: their capability. */
const CAPABILITY_ROUTES: Record<string, Capability> = {
  'POST /api/admin/products': 'manage_products',
  'PATCH /api/admin/products/{id}': 'manage_products',
  'PATCH /api/admin/settings': 'manage_settings',
  'GET /api/admin/settings/changes': 'manage_settings',
  'GET /api/admin/staff': 'manage_staff',
  'POST /api/admin/staff': 'manage_staff',
  'PATCH /api/admin/staff/{id}': 'manage_staff',
  'GET /api/admin/refunds/export.csv': 'export_refunds',
  'POST /api/admin/orders/{orderNo}/wechat-shipping/retry': 'retry_shipping_upload',
};
/** Changes that belong to the session itself: every role may end its own. */
const SESSION_ROUTES = ['POST /api/admin/logout'];

describe('capabilities: every other admin route', () => {
  let adminRoutes: string[];
  let shipped: Subject; // an order the owner shipped, for the upload retry
  let refund: Subject & { refundNo: string };
  let target: { id: number }; // a person the staff PATCH is tried on

  beforeAll(async () => {
    const doc = (await http('GET', `${base}/api/openapi.json`)).body as { paths: Record<string, Record<string, { security?: Array<Record<string, unknown>> }>> };
    adminRoutes = Object.entries(doc.paths).flatMap(([p, ops]) =>
      Object.entries(ops)
        .filter(([, op]) => (op.security ?? []).some((s) => 'adminSession' in s))
        .map(([m]) => `${m.toUpperCase()} ${p}`),
    );
    [shipped, refund] = await Promise.all([paidOrder(), requestedRefund('REFUND_ONLY')]);
    expectOk(await owner.call('POST', `/api/admin/orders/${shipped.orderNo}/ship`, SHIPMENT), 'owner ships');
    // the upload to WeChat done, so that nothing moves while the refusals are checked
    await waitFor(async () => expectOk(await owner.call('GET', `/api/admin/orders/${shipped.orderNo}`), 'order').wechatShipping?.status === 'UPLOADED', 15_000);
    target = await addPerson('sm-target', 'SERVICE');
  });

  /** A call of the route: its parameters filled with real ones, and a body that would change something. */
  function request(route: string, as: StaffRole | 'TEST_ADMIN'): [string, string, unknown] {
    const [method, p] = split(route);
    const path = p.replace('{id}', route.includes('/staff/') ? String(target.id) : String(productId)).replace('{orderNo}', shipped.orderNo).replace('{refundNo}', refund.refundNo);
    const bodies: Record<string, unknown> = {
      'POST /api/admin/products': { name: `staff-matrix: 由 ${as} 添加`, priceFen: 300, stock: 3 },
      'PATCH /api/admin/products/{id}': { priceFen: 1000 }, // the price it has: the owner's call changes nothing
      'PATCH /api/admin/settings': { approvalLimitFen: 50_000 }, // the default: likewise
      'POST /api/admin/staff': { username: `sm-added-by-${as.toLowerCase()}`, password: PASSWORD, role: 'SERVICE' },
      'PATCH /api/admin/staff/{id}': { role: 'FINANCE' },
    };
    return [method, path, method === 'GET' ? undefined : bodies[route]];
  }

  /** What a refused call must not have touched. */
  async function state() {
    const [products, settings, staff, changes] = await Promise.all(
      ['/api/admin/products', '/api/admin/settings', '/api/admin/staff', '/api/admin/settings/changes'].map(async (p) => expectOk(await owner.call('GET', p), p)),
    );
    const upload = expectOk(await owner.call('GET', `/api/admin/orders/${shipped.orderNo}`), 'order').wechatShipping;
    return { products, settings, staff, changes, upload: { attempts: upload.attempts, status: upload.status } };
  }

  it('every admin route is a move, a capability’s, the session’s own, or a read every role may make', () => {
    const moves = Object.values(MOVE_ROUTES).flatMap((byAction) => Object.values(byAction).map((r) => r.route));
    for (const route of Object.keys(CAPABILITY_ROUTES)) expect(adminRoutes, route).toContain(route);
    const unclassified = adminRoutes.filter((r) => !moves.includes(r) && !(r in CAPABILITY_ROUTES) && !SESSION_ROUTES.includes(r) && !r.startsWith('GET '));
    expect(unclassified, 'a new admin route that changes something: add it to MOVE_ROUTES or CAPABILITY_ROUTES').toEqual([]);
  });

  it('/api/admin/me lists each role’s capabilities', async () => {
    for (const role of STAFF_ROLES) {
      const me = expectOk(await people[role].session.call('GET', '/api/admin/me'), 'me');
      expect(me).toMatchObject({ username: people[role].username, role });
      expect(sorted(me.capabilities)).toEqual(sorted(capabilitiesOf(role)));
    }
  });

  it('a role without the capability gets 403 FORBIDDEN and nothing changes; a role with it is let through', async () => {
    const before = await state();
    for (const [route, capability] of Object.entries(CAPABILITY_ROUTES)) {
      for (const role of STAFF_ROLES.filter((r) => !(CAPABILITIES[capability] as readonly StaffRole[]).includes(r))) {
        const r = await people[role].session.call(...request(route, role));
        expectError(r, 403, 'FORBIDDEN');
        expect(r.headers.get('content-disposition'), route).toBeNull();
      }
    }
    expect(await state()).toEqual(before);
    for (const [route, capability] of Object.entries(CAPABILITY_ROUTES)) {
      for (const role of CAPABILITIES[capability]) {
        const r = await people[role].session.call(...request(route, role));
        expect(r.status, `${route} as ${role}: ${JSON.stringify(r.body)}`).not.toBe(403);
        expect(r.status, `${route} as ${role}: ${JSON.stringify(r.body)}`).toBeLessThan(500);
      }
    }
  });

  it('the owner (TEST_ADMIN) succeeds on each', async () => {
    for (const route of Object.keys(CAPABILITY_ROUTES)) {
      const r = await owner.call(...request(route, 'TEST_ADMIN'));
      // the upload was done already: asking again is refused for what it is (409), not for who asks
      if (route.includes('wechat-shipping')) expect([200, 409], `${route}: ${JSON.stringify(r.body)}`).toContain(r.status);
      else expect([200, 201], `${route}: ${JSON.stringify(r.body)}`).toContain(r.status);
    }
  });

  it('the reads (every other GET) answer every role', async () => {
    const reads = adminRoutes.filter((r) => r.startsWith('GET ') && !(r in CAPABILITY_ROUTES));
    expect(reads.length).toBeGreaterThanOrEqual(8);
    for (const route of reads) {
      for (const role of STAFF_ROLES) {
        const r = await people[role].session.call(...request(route, role));
        expect(r.status, `${route} as ${role}: ${JSON.stringify(r.body).slice(0, 200)}`).toBe(200);
      }
    }
  });
});

// ---- the approval limit ------------------------------------------------------------------------------------

describe('the approval limit: SERVICE decides alone only up to it', () => {
  const LIMIT = 500;

  beforeAll(async () => {
    const r = await owner.call('PATCH', '/api/admin/settings', { approvalLimitFen: LIMIT });
    expect(r.body).toMatchObject({ approvalLimitFen: LIMIT });
  });

  afterAll(async () => {
    await owner.call('PATCH', '/api/admin/settings', { approvalLimitFen: 50_000 });
  });

  it('the change is kept with who made it', async () => {
    const changes = expectOk(await owner.call('GET', '/api/admin/settings/changes'), 'changes').items;
    expect(changes[0]).toMatchObject({ key: 'approvalLimitFen', to: LIMIT, actor: TEST_ADMIN.username });
  });

  it('above it: SERVICE is refused 403 APPROVAL_LIMIT (approve and reject), the refund stays REQUESTED with no new event, and SERVICE is offered nothing', async () => {
    const s = await requestedRefund('REFUND_ONLY', LIMIT + 1);
    const service = people.SERVICE.session;
    const before = await snapshot(s);
    const seen = expectOk(await service.call('GET', `/api/admin/refunds/${s.refundNo}`), 'as SERVICE');
    expect(seen.actions).toEqual([]);
    expect(expectOk(await service.call('GET', `/api/admin/refunds?q=${s.refundNo}`), 'queue').items[0].actions).toEqual([]);
    expect(expectOk(await service.call('GET', `/api/admin/orders/${s.orderNo}`), 'order').refunds[0].actions).toEqual([]);
    // finance and the owner are offered both
    for (const role of ['FINANCE', 'OWNER'] as const) {
      expect(sorted(expectOk(await people[role].session.call('GET', `/api/admin/refunds/${s.refundNo}`), role).actions)).toEqual(['approve', 'reject']);
    }
    expectError(await service.call('POST', `/api/admin/refunds/${s.refundNo}/approve`), 403, 'APPROVAL_LIMIT');
    expectError(await service.call('POST', `/api/admin/refunds/${s.refundNo}/reject`, { reason: '超出权限' }), 403, 'APPROVAL_LIMIT');
    expect(await snapshot(s)).toEqual(before);
  });

  it('equal to it: SERVICE approves, and SERVICE rejects', async () => {
    const [a, b] = await Promise.all([requestedRefund('REFUND_ONLY', LIMIT), requestedRefund('REFUND_ONLY', LIMIT)]);
    const service = people.SERVICE.session;
    expect(sorted(expectOk(await service.call('GET', `/api/admin/refunds/${a.refundNo}`), 'as SERVICE').actions)).toEqual(['approve', 'reject']);
    expect(expectOk(await service.call('POST', `/api/admin/refunds/${a.refundNo}/approve`), 'approve at the limit').status).toBe('APPROVED');
    expect(expectOk(await service.call('POST', `/api/admin/refunds/${b.refundNo}/reject`, { reason: '与描述一致' }), 'reject at the limit').status).toBe('REJECTED');
    const events = expectOk(await owner.call('GET', `/api/admin/refunds/${a.refundNo}`), 'detail').events;
    expect(events.find((e: { action: string }) => e.action === 'approve')).toMatchObject({ actor: people.SERVICE.username, role: 'SERVICE' });
  });

  it('above it: FINANCE and OWNER approve, and reject', async () => {
    const [f1, f2, o1, o2] = await Promise.all([1, 2, 3, 4].map(() => requestedRefund('REFUND_ONLY', LIMIT + 1)));
    const fin = people.FINANCE;
    const own = people.OWNER;
    expect(expectOk(await fin.session.call('POST', `/api/admin/refunds/${f1.refundNo}/approve`), 'finance approves').status).toBe('APPROVED');
    expect(expectOk(await fin.session.call('POST', `/api/admin/refunds/${f2.refundNo}/reject`, { reason: '重复申请' }), 'finance rejects').status).toBe('REJECTED');
    expect(expectOk(await own.session.call('POST', `/api/admin/refunds/${o1.refundNo}/approve`), 'owner approves').status).toBe('APPROVED');
    expect(expectOk(await own.session.call('POST', `/api/admin/refunds/${o2.refundNo}/reject`, { reason: '重复申请' }), 'owner rejects').status).toBe('REJECTED');
    for (const [s, who, action] of [
      [f1, fin, 'approve'],
      [f2, fin, 'reject'],
      [o1, own, 'approve'],
      [o2, own, 'reject'],
    ] as const) {
      const events = expectOk(await owner.call('GET', `/api/admin/refunds/${s.refundNo}`), 'detail').events;
      expect(events.filter((e: { action: string }) => e.action === action)).toEqual([expect.objectContaining({ actor: who.username, role: who === fin ? 'FINANCE' : 'OWNER' })]);
    }
  });

  it('a role that may not decide at all is refused for its role, whatever the amount', async () => {
    const s = await requestedRefund('REFUND_ONLY', LIMIT + 1);
    const before = await snapshot(s);
    expectError(await people.WAREHOUSE.session.call('POST', `/api/admin/refunds/${s.refundNo}/approve`), 403, 'FORBIDDEN');
    expect(await snapshot(s)).toEqual(before);
  });
});

// ---- managing the team -------------------------------------------------------------------------------------

describe('staff management', () => {
  const call = (as: AdminSession, method: string, id: number, body: unknown) => as.call(method, `/api/admin/staff/${id}`, body);
  const find = async (id: number) => (await staffList()).find((p) => p.id === id)!;
  let ownerId: number;

  beforeAll(async () => {
    ownerId = (await staffList()).find((p) => p.username === TEST_ADMIN.username)!.id;
  });

  it('a taken username is 409 (the configured owner’s too), and nothing is added', async () => {
    const before = await staffList();
    expectError(await owner.call('POST', '/api/admin/staff', { username: people.SERVICE.username, password: PASSWORD, role: 'FINANCE' }), 409, 'INVALID_STATE');
    expectError(await owner.call('POST', '/api/admin/staff', { username: TEST_ADMIN.username, password: PASSWORD, role: 'OWNER' }), 409, 'INVALID_STATE');
    expect(await staffList()).toEqual(before);
  });

  it('a password under 10 characters is 400, when adding and when resetting; nothing changes', async () => {
    const before = await staffList();
    expectError(await owner.call('POST', '/api/admin/staff', { username: 'sm-short', password: '123456789', role: 'SERVICE' }), 400, 'VALIDATION_FAILED');
    expectError(await call(owner, 'PATCH', people.SERVICE.id, { password: 'short' }), 400, 'VALIDATION_FAILED');
    expect(await staffList()).toEqual(before);
    expect((await people.SERVICE.session.call('GET', '/api/admin/me')).status).toBe(200);
  });

  it('a non-owner cannot list, add or change anyone (403), not even themselves', async () => {
    const before = await staffList();
    for (const role of STAFF_ROLES.filter((r) => r !== 'OWNER')) {
      const s = people[role].session;
      expectError(await s.call('GET', '/api/admin/staff'), 403, 'FORBIDDEN');
      expectError(await s.call('POST', '/api/admin/staff', { username: `sm-x-${role}`, password: PASSWORD, role: 'OWNER' }), 403, 'FORBIDDEN');
      expectError(await call(s, 'PATCH', people[role].id, { role: 'OWNER' }), 403, 'FORBIDDEN');
      expectError(await call(s, 'PATCH', ownerId, { disabled: true }), 403, 'FORBIDDEN');
    }
    expect(await staffList()).toEqual(before);
  });

  it('the last enabled owner can be neither disabled nor demoted (409, unchanged); with two owners one may be demoted, and it applies at once', async () => {
    // the matrix's second owner steps down: the configured owner is the last one
    const demoted = expectOk(await call(owner, 'PATCH', people.OWNER.id, { role: 'FINANCE' }), 'demote the second owner');
    expect(demoted).toMatchObject({ id: people.OWNER.id, role: 'FINANCE', disabled: false });
    // their very next request has the new role
    expectError(await people.OWNER.session.call('GET', '/api/admin/staff'), 403, 'FORBIDDEN');
    expect(expectOk(await people.OWNER.session.call('GET', '/api/admin/me'), 'me').role).toBe('FINANCE');

    const before = await staffList();
    expect(before.filter((p) => p.role === 'OWNER' && !p.disabled).map((p) => p.id)).toEqual([ownerId]);
    for (const patch of [{ disabled: true }, { role: 'SERVICE' }, { role: 'FINANCE', disabled: true }, { role: 'WAREHOUSE', password: 'a-new-long-password' }]) {
      expectError(await call(owner, 'PATCH', ownerId, patch), 409, 'INVALID_STATE');
    }
    expect(await staffList()).toEqual(before);
    expect((await owner.call('GET', '/api/admin/me')).body.role).toBe('OWNER'); // the session lives on, the old password too
    expect((await http('POST', `${base}/api/admin/login`, { body: TEST_ADMIN })).status).toBe(200);

    // a disabled owner does not count: promote the person back, disable them, the configured owner is still the last
    expectOk(await call(owner, 'PATCH', people.OWNER.id, { role: 'OWNER' }), 'promote again');
    expectOk(await call(owner, 'PATCH', people.OWNER.id, { disabled: true }), 'disable the second owner');
    expectError(await call(owner, 'PATCH', ownerId, { role: 'SERVICE' }), 409, 'INVALID_STATE');
    expect((await find(ownerId)).role).toBe('OWNER');
    expectOk(await call(owner, 'PATCH', people.OWNER.id, { disabled: false }), 'enable again');
  });

  it('two owners demoting each other at once: one wins, the shop keeps an owner', async () => {
    // the configured owner hands over to x and y, who are then the only enabled owners, and they race
    // (without the fix in admins/staff.ts, PostgreSQL let both win in the first round or two)
    const ROUNDS = 3;
    for (let round = 0; round < ROUNDS; round++) {
      const x = await addPerson(`sm-race-x${round}`, 'OWNER');
      const y = await addPerson(`sm-race-y${round}`, 'OWNER');
      const xs = await adminSession(base, { username: x.username, password: PASSWORD });
      const ys = await adminSession(base, { username: y.username, password: PASSWORD });
      expectOk(await call(owner, 'PATCH', people.OWNER.id, { role: 'SERVICE' }), 'the second owner steps down');
      expectOk(await call(xs, 'PATCH', ownerId, { role: 'FINANCE' }), 'the configured owner steps down');
      const [a, b] = await Promise.all([call(xs, 'PATCH', y.id, { role: 'SERVICE' }), call(ys, 'PATCH', x.id, { role: 'SERVICE' })]);
      const owners = (await withDb(server.env.DATABASE_URL, (db) => db.adminUser.findMany({ where: { role: 'OWNER', disabled: false } }))).map((o) => o.username);
      // hand back before judging, so that a failure here leaves the rest of the file its owners: the survivor
      // promotes the configured owner, who takes x's and y's roles away and gives the second owner theirs back
      const handBack = async () => {
        if (owners.length !== 1) throw new Error(`enabled owners: ${owners.join(', ') || 'none'}`);
        expectOk(await call(owners[0] === x.username ? xs : ys, 'PATCH', ownerId, { role: 'OWNER' }), 'the configured owner is back');
        for (const id of [x.id, y.id]) expectOk(await call(owner, 'PATCH', id, { role: 'SERVICE' }), 'x and y step down');
        expectOk(await call(owner, 'PATCH', people.OWNER.id, { role: 'OWNER' }), 'the second owner is back');
      };
      await handBack().catch(() =>
        withDb(server.env.DATABASE_URL, async (db) => {
          await db.adminUser.updateMany({ where: { id: { in: [ownerId, people.OWNER.id] } }, data: { role: 'OWNER' } });
          await db.adminUser.updateMany({ where: { id: { in: [x.id, y.id] } }, data: { role: 'SERVICE' } });
        }),
      );
      const what = `round ${round}: ${a.status} ${JSON.stringify(a.body)} / ${b.status} ${JSON.stringify(b.body)}`;
      expect(owners, what).toHaveLength(1);
      const [won, lost] = a.status === 200 ? [a, b] : [b, a];
      expect(won.status, what).toBe(200);
      expect(won.body.role, what).toBe('SERVICE');
      expect(owners[0], what).toBe(won === a ? x.username : y.username); // the winner demoted the other
      // the loser was refused for the shop's sake (409), or had already lost its role when its request came (403)
      expect([403, 409], what).toContain(lost.status);
      expect(lost.body.error.code, what).toBe(lost.status === 409 ? 'INVALID_STATE' : 'FORBIDDEN');
    }
    expect(expectOk(await owner.call('GET', '/api/admin/me'), 'me').role).toBe('OWNER');
  });

  it('disabling a person ends their session at once and they cannot log in; enabling lets them in again', async () => {
    const who = { username: 'sm-leaver', password: PASSWORD };
    const p = await addPerson(who.username, 'WAREHOUSE');
    const s = await adminSession(base, who);
    expect((await s.call('GET', '/api/admin/me')).status).toBe(200); // remembered by the server's session memo
    expect(expectOk(await call(owner, 'PATCH', p.id, { disabled: true }), 'disable')).toMatchObject({ id: p.id, disabled: true, role: 'WAREHOUSE' });
    expectError(await s.call('GET', '/api/admin/me'), 401, 'UNAUTHENTICATED');
    expectError(await s.call('GET', '/api/admin/orders'), 401, 'UNAUTHENTICATED');
    expectError(await http('POST', `${base}/api/admin/login`, { body: who }), 401, 'UNAUTHENTICATED');
    expect(await withDb(server.env.DATABASE_URL, (db) => db.adminSession.count({ where: { adminId: p.id } }))).toBe(0);
    expectOk(await call(owner, 'PATCH', p.id, { disabled: false }), 'enable');
    expectError(await s.call('GET', '/api/admin/me'), 401, 'UNAUTHENTICATED'); // the old session stays ended
    const again = await adminSession(base, who);
    expect((await again.call('GET', '/api/admin/me')).body).toMatchObject({ username: who.username, role: 'WAREHOUSE' });
  });

  it('a password reset ends their sessions; the old password no longer works, the new one does', async () => {
    const who = { username: 'sm-forgetful', password: PASSWORD };
    const p = await addPerson(who.username, 'FINANCE');
    const [s1, s2] = [await adminSession(base, who), await adminSession(base, who)];
    for (const s of [s1, s2]) expect((await s.call('GET', '/api/admin/me')).status).toBe(200);
    const fresh = 'another-long-password';
    expect(expectOk(await call(owner, 'PATCH', p.id, { password: fresh }), 'reset')).toEqual({ id: p.id, username: who.username, role: 'FINANCE', disabled: false, lastLoginAt: expect.any(String) });
    for (const s of [s1, s2]) expectError(await s.call('GET', '/api/admin/me'), 401, 'UNAUTHENTICATED');
    expectError(await http('POST', `${base}/api/admin/login`, { body: who }), 401, 'UNAUTHENTICATED');
    const s3 = await adminSession(base, { username: who.username, password: fresh });
    expect((await s3.call('GET', '/api/admin/me')).body).toMatchObject({ username: who.username, role: 'FINANCE' });
  });

  it('a new role applies from the person’s next request: SERVICE made FINANCE may export', async () => {
    const who = { username: 'sm-promoted', password: PASSWORD };
    const p = await addPerson(who.username, 'SERVICE');
    const s = await adminSession(base, who);
    expectError(await s.call('GET', '/api/admin/refunds/export.csv'), 403, 'FORBIDDEN');
    expectOk(await call(owner, 'PATCH', p.id, { role: 'FINANCE' }), 'promote');
    expect((await s.call('GET', '/api/admin/refunds/export.csv')).status).toBe(200);
  });

  it('an unknown person is 404; an empty or unknown change is 400', async () => {
    expectError(await call(owner, 'PATCH', 999_999, { disabled: true }), 404, 'NOT_FOUND');
    expectError(await call(owner, 'PATCH', people.SERVICE.id, {}), 400, 'VALIDATION_FAILED');
    expectError(await call(owner, 'PATCH', people.SERVICE.id, { role: 'BOSS' }), 400, 'VALIDATION_FAILED');
    expectError(await call(owner, 'PATCH', people.SERVICE.id, { username: 'renamed' }), 400, 'VALIDATION_FAILED');
  });
});
