// pages/order-detail rendered with miniprogram-simulate: lines and amounts, its refunds, and 申请退款
// exactly when the server says so (`canRequestRefund`); the shipment, the address, and 确认收货 exactly when
// the order's `actions` offer `receive`.
import { describe, it, expect, beforeEach } from 'vitest';
import { installWx } from './support/wx-stub';
import type { WxStub } from './support/wx-stub';
import { makeOrder, makeRefund, makeShipment } from './support/fixtures';
import { $, $$, openPage, settle, tap, text } from './support/page-harness';
import { TOKEN_KEY } from '../../miniprogram/api/session';
import type { Order } from '../../miniprogram/api/types';

const ORDER = 'M20261122000001';

let stub: WxStub;

beforeEach(() => {
  stub = installWx();
  stub.storage.set(TOKEN_KEY, 't');
});

async function openWith(order: Partial<Order>) {
  stub.answer(`GET /api/mp/orders/${ORDER}`, 200, makeOrder(order));
  const page = await openPage('order-detail', { orderNo: ORDER });
  await settle();
  return page;
}

describe('order detail', () => {
  it('shows lines, paid, refunded and still-refundable amounts, and its refunds', async () => {
    const page = await openWith({
      status: 'PARTIALLY_REFUNDED',
      refundedFen: 1999,
      refundableFen: 11601,
      refunds: [makeRefund({ refundNo: 'R2', status: 'REFUNDED', type: 'RETURN_AND_REFUND', amountFen: 1999, actions: [] })],
    });
    expect(text(page, '.order-status')).toBe('部分退款');
    expect(text(page, '.line')).toContain('云南小粒咖啡豆 500g');
    expect(text(page, '.line')).toContain('¥68.00 × 2');
    expect(text(page, '.paid-amount')).toBe('¥136.00');
    expect(text(page, '.refunded-amount')).toBe('¥19.99');
    expect(text(page, '.refundable-amount')).toBe('¥116.01');
    const rows = $$(page, '.refund-row');
    expect(rows).toHaveLength(1);
    expect(rows[0].textContent).toContain('¥19.99');
    expect(rows[0].textContent).toContain('已退款');
    expect(text(page, '.refund-row-meta')).toBe('退货退款 · 不想要了 · 2026-11-22 11:04');
  });

  it('offers 申请退款 when the order allows it, and opens the form', async () => {
    const page = await openWith({ canRequestRefund: true });
    expect(text(page, '.refund-btn')).toBe('申请退款');
    tap(page, '.refund-btn');
    await settle();
    expect(stub.wx.navigateTo).toHaveBeenCalledWith({ url: `/pages/refund-form/index?orderNo=${ORDER}` });
  });

  it.each<[string, Partial<Order>]>([
    ['a refund is open', { status: 'REFUND_REQUESTED', canRequestRefund: false, refunds: [makeRefund()] }],
    ['everything is refunded', { status: 'REFUNDED', refundedFen: 13600, refundableFen: 0, canRequestRefund: false }],
    ['it is unpaid', { status: 'UNPAID', paidAt: null, refundableFen: 0, canRequestRefund: false }],
    ['it is closed', { status: 'CLOSED', paidAt: null, refundableFen: 0, canRequestRefund: false }],
  ])('has no 申请退款 when %s', async (_why, order) => {
    const page = await openWith(order);
    expect($(page, '.refund-btn')).toBeNull();
  });

  it('trusts canRequestRefund over its own guess: a PAID order past the refund window has no button', async () => {
    const page = await openWith({ status: 'PAID', refundableFen: 13600, canRequestRefund: false });
    expect($(page, '.refund-btn')).toBeNull();
  });

  it('an unpaid order shows 去支付 and ¥0.00 paid', async () => {
    const page = await openWith({ status: 'UNPAID', paidAt: null, refundableFen: 0, canRequestRefund: false });
    expect(text(page, '.order-status')).toBe('待付款');
    expect(text(page, '.paid-amount')).toBe('¥0.00');
    tap(page, '.pay-btn');
    await settle();
    expect(stub.wx.navigateTo).toHaveBeenCalledWith({ url: `/pages/pay/index?orderNo=${ORDER}` });
  });

  it('tapping a refund opens its detail', async () => {
    const page = await openWith({ status: 'REFUND_REQUESTED', canRequestRefund: false, refunds: [makeRefund({ refundNo: 'R7' })] });
    tap(page, '.refund-row');
    await settle();
    expect(stub.wx.navigateTo).toHaveBeenCalledWith({ url: '/pages/refund-detail/index?refundNo=R7' });
  });

  it('says so in Chinese when the order is not there (another buyer’s, say)', async () => {
    stub.answer(`GET /api/mp/orders/${ORDER}`, 404, { error: { code: 'NOT_FOUND', message: 'order not found' } });
    const page = await openPage('order-detail', { orderNo: ORDER });
    await settle();
    expect(text(page, '.empty')).toBe('没有找到相关订单或退款');
    expect(stub.toasts()).toContain('没有找到相关订单或退款');
  });
});

describe('order detail: shipping and receipt', () => {
  const RECEIVE = `POST /api/mp/orders/${ORDER}/receive`;
  const shipped: Partial<Order> = { shippingStatus: 'SHIPPED', shipment: makeShipment(), actions: ['receive'] };

  it('shows the carrier, the tracking number with 复制, the shipping time and the address', async () => {
    const page = await openWith(shipped);
    expect(text(page, '.shipping-status')).toBe('已发货');
    expect(text(page, '.carrier')).toBe('顺丰速运');
    expect(text(page, '.tracking-no')).toBe('SF1234567890');
    expect(text(page, '.shipped-at')).toBe('2026-11-23 10:30');
    expect($(page, '.received-at')).toBeNull();
    expect(text(page, '.address-card .address-person')).toBe('张三 13800000000');
    expect(text(page, '.address-card .address-text')).toBe('广东省 广州市 海珠区 新港中路 397 号');

    tap(page, '.copy-btn');
    await settle();
    expect(stub.wx.setClipboardData).toHaveBeenCalledTimes(1);
    expect(stub.wx.setClipboardData.mock.calls[0][0]).toMatchObject({ data: 'SF1234567890' });
    expect(stub.toasts()).toContain('已复制');
  });

  it('has no shipment block before shipping, and no address block for an order placed without one', async () => {
    const page = await openWith({ address: null });
    expect($(page, '.shipment-card')).toBeNull();
    expect($(page, '.address-card')).toBeNull();
  });

  it.each<[string, Partial<Order>]>([
    ['unshipped', {}],
    ['shipped, but the server offers no receive', { ...shipped, actions: [] }],
    ['an action this build does not know', { ...shipped, actions: ['toString'] }],
  ])('has no 确认收货 when %s', async (_why, order) => {
    const page = await openWith(order);
    expect($(page, '.receive-btn')).toBeNull();
  });

  it('asks first: cancelling the modal sends nothing', async () => {
    stub.wx.showModal.mockImplementationOnce(() => Promise.resolve({ errMsg: 'showModal:ok', confirm: false, cancel: true }));
    const page = await openWith(shipped);
    tap(page, '.receive-btn');
    await settle();
    expect(stub.wx.showModal).toHaveBeenCalledTimes(1);
    expect((stub.wx.showModal.mock.calls[0][0] as { content: string }).content).toContain('确认已收到商品');
    expect(stub.calls(RECEIVE)).toHaveLength(0);
    expect(text(page, '.receive-btn')).toBe('确认收货');
  });

  it('confirming sends the POST once and shows 已收货 with the time', async () => {
    stub.answer(RECEIVE, 200, makeOrder({ ...shipped, shippingStatus: 'RECEIVED', receivedAt: '2026-11-24T01:00:00.000Z', actions: [] }));
    const page = await openWith(shipped);
    tap(page, '.receive-btn');
    tap(page, '.receive-btn');
    await settle();
    expect(stub.calls(RECEIVE)).toHaveLength(1);
    expect(text(page, '.shipping-status')).toBe('已收货');
    expect(text(page, '.received-at')).toBe('2026-11-24 09:00');
    expect($(page, '.receive-btn')).toBeNull();
    expect(stub.toasts()).toContain('已确认收货');
  });

  it('a refused receipt says why in Chinese and keeps the button', async () => {
    stub.answer(RECEIVE, 409, { error: { code: 'INVALID_STATE', message: 'not shipped' } });
    const page = await openWith(shipped);
    tap(page, '.receive-btn');
    await settle();
    expect(stub.toasts()).toContain('当前状态不能进行此操作，请刷新后重试');
    expect(text(page, '.receive-btn')).toBe('确认收货');
    expect(page.instance.data.receiving).toBe(false);
  });
});
