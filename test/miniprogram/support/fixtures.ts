// Orders and refunds shaped exactly like docs/api-shapes.md, with overrides per test.
import type { Address, Order, Refund, Shipment } from '../../../miniprogram/api/types';

export const ADDRESS: Address = {
  name: '张三',
  phone: '13800000000',
  province: '广东省',
  city: '广州市',
  district: '海珠区',
  detail: '新港中路 397 号',
};

export function makeShipment(overrides: Partial<Shipment> = {}): Shipment {
  return { carrier: 'SF', carrierName: '顺丰速运', trackingNo: 'SF1234567890', shippedAt: '2026-11-23T02:30:00.000Z', ...overrides };
}

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
    shippingStatus: 'UNSHIPPED',
    address: { ...ADDRESS },
    shipment: null,
    receivedAt: null,
    actions: [],
    ...overrides,
  };
}
