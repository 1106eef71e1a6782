// Property tests for THE refund lifecycle table (server/lifecycle/refunds.ts): its shape, and random sequences
// of actions by random roles against a model of one order, checking the money and state invariants each step.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ORDER_STATUS_FOR_OPEN_REFUND,
  OPEN_STATUSES,
  REFUND_STATUSES,
  REFUND_TYPES,
  TERMINAL_STATUSES,
  TRANSITIONS,
  actionsFor,
  findTransition,
  isOpen,
  type RefundAction,
  type RefundStatus,
  type RefundType,
  type Role,
  type Viewer,
} from '../../server/lifecycle/refunds.ts';

const ROLES: readonly Role[] = ['buyer', 'admin', 'system', 'wechat'];
/** The owner stands for `admin` here (every merchant move); the role × move matrix is in staff-matrix.test.ts. */
const OWNER: Viewer = { role: 'admin', staffRole: 'OWNER' };
const viewer = (role: Role): Viewer => (role === 'admin' ? OWNER : role);
const ACTIONS: readonly RefundAction[] = [
  'request',
  'record_external',
  'approve',
  'auto_approve',
  'reject',
  'cancel',
  'return',
  'return_timeout',
  'receive',
  'refuse',
  'auto_receive',
  'dispatch',
  'succeed',
  'fail',
  'retry',
  'settle_abnormal',
];

describe('the transitions table', () => {
  it('every status is either open or terminal, never both', () => {
    for (const s of REFUND_STATUSES) expect(OPEN_STATUSES.includes(s) !== TERMINAL_STATUSES.includes(s), s).toBe(true);
    expect(new Set([...OPEN_STATUSES, ...TERMINAL_STATUSES])).toEqual(new Set(REFUND_STATUSES));
    for (const s of REFUND_STATUSES) expect(isOpen(s)).toBe(OPEN_STATUSES.includes(s));
  });

  it('terminal statuses have no exits', () => {
    for (const s of TERMINAL_STATUSES) {
      expect(TRANSITIONS.filter((t) => t.from === s), s).toEqual([]);
      for (const role of ROLES) expect(actionsFor(s, viewer(role))).toEqual([]);
    }
  });

  it('every status is reachable from null (the request), and every open status can still end', () => {
    const reached = new Set<RefundStatus | null>([null]);
    for (let changed = true; changed; ) {
      changed = false;
      for (const t of TRANSITIONS) {
        if (reached.has(t.from) && !reached.has(t.to)) {
          reached.add(t.to);
          changed = true;
        }
      }
    }
    for (const s of REFUND_STATUSES) expect(reached.has(s), `${s} reachable`).toBe(true);
    // from each open status a terminal one is reachable
    for (const s of OPEN_STATUSES) {
      const seen = new Set<RefundStatus>([s]);
      const queue: RefundStatus[] = [s];
      while (queue.length) {
        const cur = queue.shift()!;
        for (const t of TRANSITIONS.filter((x) => x.from === cur)) if (!seen.has(t.to)) (seen.add(t.to), queue.push(t.to));
      }
      expect(TERMINAL_STATUSES.some((t) => seen.has(t)), `${s} can end`).toBe(true);
    }
  });

  it('every transition names a known status, action, role and type; (from, action) leads one way for each type', () => {
    for (const t of TRANSITIONS) {
      expect(t.from === null || REFUND_STATUSES.includes(t.from)).toBe(true);
      expect(REFUND_STATUSES.includes(t.to)).toBe(true);
      expect(ACTIONS.includes(t.action)).toBe(true);
      expect(t.by, `${t.from} --${t.action}-->`).toBeDefined();
      expect(ROLES.includes(t.by)).toBe(true);
      if (t.type !== undefined) expect(REFUND_TYPES).toContain(t.type);
    }
    for (const type of REFUND_TYPES) {
      const keys = new Set<string>();
      for (const t of TRANSITIONS.filter((x) => x.type === undefined || x.type === type)) {
        const key = `${t.from}|${t.action}`;
        expect(keys.has(key), `duplicate ${key} for ${type}`).toBe(false);
        keys.add(key);
      }
    }
  });

  it('returns: approval waits for the goods; only a return ever reaches the return statuses', () => {
    expect(findTransition('REQUESTED', 'approve', 'RETURN_AND_REFUND')).toMatchObject({ to: 'AWAITING_RETURN', by: 'admin' });
    expect(findTransition('REQUESTED', 'approve', 'REFUND_ONLY')).toMatchObject({ to: 'APPROVED', by: 'admin' });
    expect(findTransition('RETURN_SHIPPED', 'receive', 'RETURN_AND_REFUND')).toMatchObject({ to: 'APPROVED', by: 'admin' });
    for (const t of TRANSITIONS.filter((x) => x.to === 'AWAITING_RETURN' || x.to === 'RETURN_SHIPPED' || x.from === 'AWAITING_RETURN' || x.from === 'RETURN_SHIPPED')) {
      expect(t.type, `${t.from} --${t.action}-->`).toBe('RETURN_AND_REFUND');
    }
    // every timed move is the system's, and no person may take one
    for (const a of ['auto_approve', 'return_timeout', 'auto_receive'] as const) {
      for (const t of TRANSITIONS.filter((x) => x.action === a)) expect(t.by).toBe('system');
    }
  });

  it('money leaves only through succeed / record_external, both by WeChat, and only REFUNDED is reached that way', () => {
    for (const t of TRANSITIONS.filter((x) => x.to === 'REFUNDED')) {
      expect(['succeed', 'record_external']).toContain(t.action);
      expect(t.by).toBe('wechat');
    }
    for (const t of TRANSITIONS.filter((x) => x.action === 'succeed')) expect(t.to).toBe('REFUNDED');
    // buyers and admins can never mark anything refunded; REFUNDING only when the merchant sends an ABNORMAL
    // refund to their bank card (the call to WeChat follows, and WeChat's word settles it)
    for (const t of TRANSITIONS.filter((x) => x.by === 'buyer' || x.by === 'admin')) {
      expect(t.to).not.toBe('REFUNDED');
      if (t.to === 'REFUNDING') expect(t).toMatchObject({ from: 'FAILED', action: 'settle_abnormal', staff: ['OWNER', 'FINANCE'] });
    }
  });

  it('the contract’s roles: buyer requests and cancels, admin approves/rejects/retries, the dispatcher sends', () => {
    expect(findTransition(null, 'request')).toMatchObject({ to: 'REQUESTED', by: 'buyer' });
    expect(findTransition('REQUESTED', 'cancel')).toMatchObject({ to: 'CANCELLED', by: 'buyer' });
    expect(findTransition('REQUESTED', 'approve')).toMatchObject({ to: 'APPROVED', by: 'admin' });
    expect(findTransition('REQUESTED', 'reject')).toMatchObject({ to: 'REJECTED', by: 'admin' });
    expect(findTransition('FAILED', 'retry')).toMatchObject({ to: 'APPROVED', by: 'admin' });
    expect(findTransition('APPROVED', 'dispatch')).toMatchObject({ to: 'REFUNDING', by: 'system' });
    expect(findTransition('REFUNDING', 'cancel')).toBeUndefined();
    expect(findTransition('APPROVED', 'cancel')).toBeUndefined();
    expect(findTransition('REFUNDING', 'retry')).toBeUndefined();
  });

  it('actionsFor(status, role, type) ⊆ the table, and equals it', () => {
    fc.assert(
      fc.property(fc.constantFrom(...REFUND_STATUSES), fc.constantFrom(...ROLES), fc.constantFrom(...REFUND_TYPES), (s, role, type) => {
        const acts = actionsFor(s, viewer(role), type);
        expect(new Set(acts).size).toBe(acts.length);
        for (const a of acts) expect(findTransition(s, a, type)).toMatchObject({ from: s, action: a, by: role });
        const expected = TRANSITIONS.filter((t) => t.from === s && t.by === role && (t.type === undefined || t.type === type)).map((t) => t.action);
        expect([...acts].sort()).toEqual([...expected].sort());
      }),
      { numRuns: 200 },
    );
    // the UI's buttons from api-shapes.md
    expect(actionsFor('REQUESTED', 'buyer')).toEqual(['cancel']);
    expect([...actionsFor('REQUESTED', OWNER)].sort()).toEqual(['approve', 'reject']);
    // settle_abnormal is in the table; the refund view offers it only for an ABNORMAL refund over APIv3
    expect(actionsFor('FAILED', OWNER)).toEqual(['retry', 'settle_abnormal']);
    for (const s of ['APPROVED', 'REFUNDING', 'REFUNDED', 'REJECTED', 'CANCELLED'] as const) expect(actionsFor(s, OWNER)).toEqual([]);
  });

  it('the order shows the open refund’s status for exactly the open statuses', () => {
    expect(new Set(Object.keys(ORDER_STATUS_FOR_OPEN_REFUND))).toEqual(new Set(OPEN_STATUSES));
  });
});

// ---- random sequences against a model of one order ---------------------------------------------------------

interface ModelRefund {
  type: RefundType;
  status: RefundStatus;
  amount: number;
  history: RefundStatus[];
}

interface Step {
  action: RefundAction;
  role: Role;
  target: number; // which refund (index mod count), or the new refund's amount source
  amount: number;
  type: RefundType;
}

const step: fc.Arbitrary<Step> = fc.record({
  type: fc.constantFrom(...REFUND_TYPES),
  action: fc.constantFrom(...ACTIONS),
  role: fc.constantFrom(...ROLES),
  target: fc.nat(),
  amount: fc.integer({ min: -5, max: 1200 }),
});

/**
 * Applies a step the way the server's rules do: a transition only if the table has it for this role; a new
 * request only within what is refundable and with no open refund (docs/lifecycle.md).
 */
function apply(total: number, refunds: ModelRefund[], s: Step): boolean {
  if (s.action === 'request' || s.action === 'record_external') {
    const t = findTransition(null, s.action);
    if (!t || t.by !== s.role) return false;
    const refunded = refunds.filter((r) => r.status === 'REFUNDED').reduce((a, r) => a + r.amount, 0);
    const open = refunds.filter((r) => isOpen(r.status));
    const pending = open.reduce((a, r) => a + r.amount, 0);
    if (!Number.isInteger(s.amount) || s.amount < 1 || s.amount > total - refunded - pending) return false;
    if (s.action === 'request' && (open.length > 0 || refunds.length >= 50)) return false;
    refunds.push({ type: s.type, status: t.to, amount: s.amount, history: [t.to] });
    return true;
  }
  if (refunds.length === 0) return false;
  const r = refunds[s.target % refunds.length];
  const t = findTransition(r.status, s.action, r.type);
  if (!t || t.by !== s.role) return false;
  r.status = t.to;
  r.history.push(t.to);
  return true;
}

describe('random action sequences against the table', () => {
  it('keep every invariant after every step', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1000 }), fc.array(step, { minLength: 1, maxLength: 200 }), (total, steps) => {
        const refunds: ModelRefund[] = [];
        const terminalSeen = new Map<ModelRefund, RefundStatus>();
        for (const s of steps) {
          const before = refunds.map((r) => r.status);
          const applied = apply(total, refunds, s);
          if (!applied) expect(refunds.map((r) => r.status)).toEqual(before);
          // statuses are known ones
          for (const r of refunds) expect(REFUND_STATUSES).toContain(r.status);
          // terminal stays terminal (and unchanged)
          for (const [r, st] of terminalSeen) expect(r.status).toBe(st);
          for (const r of refunds) if (TERMINAL_STATUSES.includes(r.status)) terminalSeen.set(r, r.status);
          // money: refunded never above the total; refunded + the open one's amount never above it either
          const refunded = refunds.filter((r) => r.status === 'REFUNDED').reduce((a, r) => a + r.amount, 0);
          const open = refunds.filter((r) => isOpen(r.status));
          expect(refunded).toBeLessThanOrEqual(total);
          expect(refunded + open.reduce((a, r) => a + r.amount, 0)).toBeLessThanOrEqual(total);
          // buyer requests: at most one open refund
          expect(open.length).toBeLessThanOrEqual(1);
          // every history is a path in the table
          for (const r of refunds) {
            for (let i = 1; i < r.history.length; i++) {
              expect(TRANSITIONS.some((t) => t.from === r.history[i - 1] && t.to === r.history[i])).toBe(true);
            }
            // REFUNDED at most once in any history, and last if present
            const idx = r.history.indexOf('REFUNDED');
            if (idx >= 0) expect(idx).toBe(r.history.length - 1);
          }
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('a refund reaches REFUNDED only through REFUNDING, or by WeChat’s word on an APPROVED/FAILED one', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 100 }), (steps) => {
        const refunds: ModelRefund[] = [];
        for (const s of steps) apply(1000, refunds, s);
        for (const r of refunds) {
          const i = r.history.indexOf('REFUNDED');
          if (i > 0) expect(['REFUNDING', 'APPROVED', 'FAILED']).toContain(r.history[i - 1]);
          if (i === 0) expect(r.history).toEqual(['REFUNDED']); // record_external
        }
      }),
      { numRuns: 500 },
    );
  });
});
