// pages/order-detail rendered with miniprogram-simulate: lines and amounts, its refunds, and 申请退款
// exactly when the server says so (`canRequestRefund`).
import { describe, it, expect, beforeEach } from 'vitest';
import { installWx } from './support/wx-stub';
import type { WxStub } from './support/wx-stub';
import { makeOrder, makeRefund } from './support/fixtures';
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
      refunds: [makeRefund({ refundNo: 'R2', status: 'REFUNDED', amountFen: 1999, actions: [] })],
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
