// Orders, refunds and the buyer config shaped exactly like the server's answers, with overrides per test.
import type { Address, MpConfig, Order, Refund, ReturnAddress, Shipment } from '../../../miniprogram/api/types';

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
    type: 'REFUND_ONLY',
    images: [],
    returnShipment: null,
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

/** Where the merchant takes returns (the server sends it once a return is approved). */
export const RETURN_ADDRESS: ReturnAddress = { name: '售后部 王五', phone: '020-12345678', address: '广东省广州市天河区体育西路 1 号 售后仓' };

/** GET /api/mp/config: the merchant's reasons (其他 last, as the server's defaults) and one subscribe template. */
export function makeConfig(overrides: Partial<MpConfig> = {}): MpConfig {
  return {
    subscribeTemplateIds: ['TPL-REFUND'],
    refundReasons: {
      REFUND_ONLY: ['不想要了', '拍错了/多拍了', '商家未按时发货', '其他'],
      RETURN_AND_REFUND: ['商品破损', '商品与描述不符', '质量问题', '其他'],
    },
    ...overrides,
  };
}
