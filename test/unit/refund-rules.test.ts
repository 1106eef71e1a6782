// The pure rules behind a refund request and behind what a refund's move does to its order, without a server:
// refundBlocker (may this request go ahead?) and orderAfterMove (the order's money after a move).
import { describe, expect, it } from 'vitest';
import { DomainError } from '../../server/errors.ts';
import { orderAfterMove, type OrderMoney } from '../../server/refunds/order-effect.ts';
import { MAX_REFUNDS_PER_ORDER, REFUND_WINDOW_MS, refundBlocker } from '../../server/refunds/rules.ts';

const NOW = new Date('2026-12-01T12:00:00Z');
const paid = (over: Partial<Parameters<typeof refundBlocker>[0]> = {}) => ({
  status: 'PAID',
  totalFen: 1000,
  refundedFen: 0,
  pendingRefundFen: 0,
  openRefundNo: null,
  refundCount: 0,
  paidAt: new Date(NOW.getTime() - 3600_000),
  ...over,
});

function codeOf(e: DomainError | null): string | null {
  return e?.code ?? null;
}

describe('refundBlocker: may a request for this amount go ahead now?', () => {
  it('a paid order with nothing refunded: any amount from 1 to the total', () => {
    expect(refundBlocker(paid(), 1, NOW)).toBeNull();
    expect(refundBlocker(paid(), 1000, NOW)).toBeNull();
    expect(codeOf(refundBlocker(paid(), 1001, NOW))).toBe('REFUND_AMOUNT_EXCEEDS');
  });

  it('unpaid or closed orders cannot be refunded', () => {
    expect(codeOf(refundBlocker(paid({ status: 'UNPAID', paidAt: null }), 1, NOW))).toBe('INVALID_STATE');
    expect(codeOf(refundBlocker(paid({ status: 'CLOSED', paidAt: null }), 1, NOW))).toBe('INVALID_STATE');
  });

  it('one open refund at a time, naming the open one', () => {
    const e = refundBlocker(paid({ openRefundNo: 'R1', pendingRefundFen: 100, status: 'REFUND_REQUESTED' }), 1, NOW);
    expect(codeOf(e)).toBe('REFUND_IN_PROGRESS');
    expect(e?.message).toContain('R1');
  });

  it('what is refunded and what is pending both count against the total', () => {
    expect(refundBlocker(paid({ refundedFen: 600, status: 'PARTIALLY_REFUNDED' }), 400, NOW)).toBeNull();
    expect(codeOf(refundBlocker(paid({ refundedFen: 600, status: 'PARTIALLY_REFUNDED' }), 401, NOW))).toBe('REFUND_AMOUNT_EXCEEDS');
    const full = refundBlocker(paid({ refundedFen: 1000, status: 'REFUNDED' }), 1, NOW);
    expect(full?.message).toContain('nothing left');
  });

  it(`at most ${MAX_REFUNDS_PER_ORDER} refunds per order`, () => {
    expect(refundBlocker(paid({ refundCount: MAX_REFUNDS_PER_ORDER - 1 }), 1, NOW)).toBeNull();
    expect(codeOf(refundBlocker(paid({ refundCount: MAX_REFUNDS_PER_ORDER }), 1, NOW))).toBe('REFUND_LIMIT_REACHED');
  });

  it('up to 365 days after payment, not a millisecond later', () => {
    expect(refundBlocker(paid({ paidAt: new Date(NOW.getTime() - REFUND_WINDOW_MS) }), 1, NOW)).toBeNull();
    expect(codeOf(refundBlocker(paid({ paidAt: new Date(NOW.getTime() - REFUND_WINDOW_MS - 1) }), 1, NOW))).toBe('REFUND_WINDOW_EXPIRED');
  });
});

const order = (over: Partial<OrderMoney> = {}): OrderMoney => ({
  status: 'PAID',
  totalFen: 1000,
  refundedFen: 0,
  pendingRefundFen: 0,
  openRefundNo: null,
  refundCount: 0,
  ...over,
});

describe('orderAfterMove: the order after one of its refunds moved', () => {
  it('a request opens the refund: pending, counted, and the order shows it', () => {
    expect(orderAfterMove(order(), { refundNo: 'R1', amountFen: 300, from: null, to: 'REQUESTED' })).toEqual(
      order({ status: 'REFUND_REQUESTED', pendingRefundFen: 300, openRefundNo: 'R1', refundCount: 1 }),
    );
  });

  it('a move between open statuses changes only the status the order shows', () => {
    const open = order({ status: 'REFUND_APPROVED', pendingRefundFen: 300, openRefundNo: 'R1', refundCount: 1 });
    expect(orderAfterMove(open, { refundNo: 'R1', amountFen: 300, from: 'APPROVED', to: 'REFUNDING' })).toEqual({ ...open, status: 'REFUNDING' });
  });

  it('refunded: pending becomes refunded and the order is free for the next request', () => {
    const open = order({ status: 'REFUNDING', pendingRefundFen: 300, openRefundNo: 'R1', refundCount: 1 });
    expect(orderAfterMove(open, { refundNo: 'R1', amountFen: 300, from: 'REFUNDING', to: 'REFUNDED' })).toEqual(
      order({ status: 'PARTIALLY_REFUNDED', refundedFen: 300, refundCount: 1 }),
    );
    const whole = order({ status: 'REFUNDING', pendingRefundFen: 1000, openRefundNo: 'R1', refundCount: 1 });
    expect(orderAfterMove(whole, { refundNo: 'R1', amountFen: 1000, from: 'REFUNDING', to: 'REFUNDED' })).toMatchObject({ status: 'REFUNDED', refundedFen: 1000 });
  });

  it('rejected or cancelled: the amount is free again and the place among the 50 is given back', () => {
    const open = order({ status: 'REFUND_REQUESTED', pendingRefundFen: 300, openRefundNo: 'R1', refundCount: 1 });
    for (const to of ['REJECTED', 'CANCELLED'] as const) {
      expect(orderAfterMove(open, { refundNo: 'R1', amountFen: 300, from: 'REQUESTED', to })).toEqual(order());
    }
  });

  it('failed stays open: the order shows REFUND_FAILED and keeps the amount pending', () => {
    const open = order({ status: 'REFUNDING', pendingRefundFen: 300, openRefundNo: 'R1', refundCount: 1 });
    expect(orderAfterMove(open, { refundNo: 'R1', amountFen: 300, from: 'REFUNDING', to: 'FAILED' })).toEqual({ ...open, status: 'REFUND_FAILED' });
  });

  it('a refund made on the merchant platform is counted and refunded, and an open one of ours keeps showing', () => {
    const open = order({ status: 'REFUND_REQUESTED', pendingRefundFen: 300, openRefundNo: 'R1', refundCount: 1 });
    expect(orderAfterMove(open, { refundNo: 'X1', amountFen: 200, from: null, to: 'REFUNDED' })).toEqual({ ...open, refundedFen: 200, refundCount: 2 });
    // WeChat never saw our withdrawn requests: a platform refund is recorded even at our own count of 50
    expect(orderAfterMove(order({ refundCount: MAX_REFUNDS_PER_ORDER }), { refundNo: 'X2', amountFen: 1, from: null, to: 'REFUNDED' })).toMatchObject({
      refundCount: MAX_REFUNDS_PER_ORDER,
      refundedFen: 1,
      status: 'PARTIALLY_REFUNDED',
    });
  });

  it('refuses what would break the money: a second open refund, more than paid', () => {
    const open = order({ status: 'REFUND_REQUESTED', pendingRefundFen: 300, openRefundNo: 'R1', refundCount: 1 });
    expect(orderAfterMove(open, { refundNo: 'R2', amountFen: 1, from: null, to: 'REQUESTED' })).toHaveProperty('refused');
    expect(orderAfterMove(order({ refundedFen: 900 }), { refundNo: 'R3', amountFen: 101, from: null, to: 'REQUESTED' })).toHaveProperty('refused');
    expect(orderAfterMove(order({ refundedFen: 900 }), { refundNo: 'X3', amountFen: 101, from: null, to: 'REFUNDED' })).toHaveProperty('refused');
  });
});
