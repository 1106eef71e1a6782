// Orders and refunds shaped exactly like docs/api-shapes.md, with overrides per test.
import type { Order, Refund } from '../../../miniprogram/api/types';

export function makeRefund(overrides: Partial<Refund> = {}): Refund {
  return {
    refundNo: 'R20261122000001',
    orderNo: 'M20261122000001',
    status: 'REQUESTED',
    amountFen: 1200,
    reason: '不想要了',
    rejectReason: null,
    failReason: null,
    failCode: null,
    source: 'BUYER',
    actions: ['cancel'],
    createdAt: '2026-11-22T03:04:05.000Z',
    updatedAt: '2026-11-22T03:04:05.000Z',
    ...overrides,
  };
}

export function makeOrder(overrides: Partial<Order> = {}): Order {
  return {
    orderNo: 'M20261122000001',
    status: 'PAID',
    totalFen: 13600,
    refundedFen: 0,
    refundableFen: 13600,
    canRequestRefund: true,
    items: [{ productId: 1, name: '云南小粒咖啡豆 500g', priceFen: 6800, quantity: 2, subtotalFen: 13600 }],
    refunds: [],
    createdAt: '2026-11-22T03:00:00.000Z',
    paidAt: '2026-11-22T03:01:00.000Z',
    updatedAt: '2026-11-22T03:01:00.000Z',
    ...overrides,
  };
}
