// The buying pages rendered with miniprogram-simulate: product list → confirmation (quantity, one order per
// tap storm) → payment (wx.requestPayment in live mode, the marked 模拟支付 in sandbox mode) → my orders.
import { describe, it, expect, beforeEach } from 'vitest';
import { installWx } from './support/wx-stub';
import type { WxStub } from './support/wx-stub';
import { ADDRESS, makeOrder } from './support/fixtures';
import { $, $$, openPage, settle, tap, text } from './support/page-harness';
import { TOKEN_KEY } from '../../miniprogram/api/session';
import { LAST_ADDRESS_KEY } from '../../miniprogram/utils/address';

const PRODUCTS = [
  { id: 1, name: '云南小粒咖啡豆 500g', description: '中度烘焙', imageUrl: null, priceFen: 6800, stock: 3, onSale: true },
  { id: 2, name: '手冲滤纸 100 张', description: null, imageUrl: null, priceFen: 1990, stock: 0, onSale: true },
];
const ORDER = 'M20261122000001';

let stub: WxStub;

beforeEach(() => {
  stub = installWx();
  stub.storage.set(TOKEN_KEY, 't');
  stub.answer('GET /api/mp/products', 200, { items: PRODUCTS });
});

describe('product list', () => {
  it('lists products with prices; a sold-out one does not open', async () => {
    const page = await openPage('index');
    await settle();
    const cards = $$(page, '.product');
    expect(cards).toHaveLength(2);
    expect(cards[0].textContent).toContain('云南小粒咖啡豆 500g');
    expect(cards[0].textContent).toContain('¥68.00');
    expect(cards[1].textContent).toContain('已售罄');

    tap(page, '.product--soldout');
    await settle();
    expect(stub.wx.navigateTo).not.toHaveBeenCalled();
    tap(page, '.product');
    await settle();
    expect(stub.wx.navigateTo).toHaveBeenCalledWith({ url: '/pages/confirm/index?productId=1' });
  });

  it('shows the error and a retry when the server cannot be reached', async () => {
    stub.route('GET /api/mp/products', () => 'network-error');
    const page = await openPage('index');
    await settle();
    expect(text(page, '.empty')).toContain('网络不给力');
    expect($(page, '.retry-btn')).not.toBeNull();
  });
});

describe('order confirmation', () => {
  it('bounds the quantity by stock, totals exactly, and places one order however fast the taps', async () => {
    stub.answer('POST /api/mp/orders', 201, makeOrder({ orderNo: ORDER, status: 'UNPAID', paidAt: null }));
    stub.storage.set(LAST_ADDRESS_KEY, ADDRESS);
    const page = await openPage('confirm', { productId: '1' });
    await settle();
    expect(text(page, '.stepper-value')).toBe('1');

    for (let i = 0; i < 5; i++) tap(page, '.plus-btn');
    await settle();
    expect(text(page, '.stepper-value')).toBe('3'); // stock 3
    expect(page.instance.data.totalText).toBe('¥204.00');
    tap(page, '.minus-btn');
    await settle();
    expect(page.instance.data.totalText).toBe('¥136.00');

    tap(page, '.submit-btn');
    tap(page, '.submit-btn');
    await settle();
    expect(stub.calls('POST /api/mp/orders')).toHaveLength(1);
    expect(stub.calls('POST /api/mp/orders')[0].data).toEqual({ items: [{ productId: 1, quantity: 2 }], address: ADDRESS });
    expect(stub.wx.redirectTo).toHaveBeenCalledWith({ url: `/pages/pay/index?orderNo=${ORDER}` });
  });

  it('says so when the product is gone', async () => {
    const page = await openPage('confirm', { productId: '42' });
    await settle();
    expect(text(page, '.empty')).toBe('商品已下架或不存在');
  });
});

describe('payment', () => {
  beforeEach(() => {
    stub.answer(`GET /api/mp/orders/${ORDER}`, 200, makeOrder({ orderNo: ORDER, status: 'UNPAID', paidAt: null }));
  });

  // APIv2 signs paySign with MD5 (or HMAC-SHA256), APIv3 with the merchant's RSA key: the page passes either through
  it.each(['MD5', 'RSA'])('live mode (signType %s): opens the WeChat cashier with exactly the server’s fields, then the order', async (signType) => {
    const fields = { timeStamp: '1763780000', nonceStr: 'n0nce', package: 'prepay_id=wx1', signType, paySign: 'ABC' };
    stub.answer(`POST /api/mp/orders/${ORDER}/pay`, 200, fields);
    const page = await openPage('pay', { orderNo: ORDER });
    await settle();
    expect(text(page, '.amount')).toBe('¥136.00');
    expect($(page, '.sandbox-pay-btn')).toBeNull();

    tap(page, '.pay-btn');
    await settle();
    expect(stub.wx.requestPayment).toHaveBeenCalledTimes(1);
    expect(stub.wx.requestPayment.mock.calls[0][0]).toEqual(fields);
    expect(stub.wx.redirectTo).toHaveBeenCalledWith({ url: `/pages/order-detail/index?orderNo=${ORDER}` });
  });

  it('paying from the order’s own page goes back to it instead of stacking a copy', async () => {
    stub.answer(`POST /api/mp/orders/${ORDER}/pay`, 200, { timeStamp: '1', nonceStr: 'n', package: 'p', signType: 'MD5', paySign: 's', sandbox: true });
    stub.answer(`POST /api/mp/orders/${ORDER}/sandbox-pay`, 200, makeOrder({ orderNo: ORDER, status: 'PAID' }));
    stub.pageStack.push({ route: 'pages/order-detail/index', options: { orderNo: ORDER } }, { route: 'pages/pay/index', options: { orderNo: ORDER } });
    const page = await openPage('pay', { orderNo: ORDER });
    await settle();
    tap(page, '.pay-btn');
    await settle();
    tap(page, '.sandbox-pay-btn');
    await settle();
    expect(stub.wx.navigateBack).toHaveBeenCalledTimes(1);
    expect(stub.wx.redirectTo).not.toHaveBeenCalled();
  });

  it('live mode: a buyer closing the cashier stays on the page, told 已取消支付', async () => {
    stub.answer(`POST /api/mp/orders/${ORDER}/pay`, 200, { timeStamp: '1', nonceStr: 'n', package: 'p', signType: 'MD5', paySign: 's' });
    stub.wx.requestPayment.mockImplementationOnce(() => Promise.reject({ errMsg: 'requestPayment:fail cancel' }));
    const page = await openPage('pay', { orderNo: ORDER });
    await settle();
    tap(page, '.pay-btn');
    await settle();
    expect(stub.toasts()).toContain('已取消支付');
    expect(stub.wx.redirectTo).not.toHaveBeenCalled();
    expect(page.instance.data.paying).toBe(false);
  });

  it('sandbox mode: no cashier; a marked 模拟支付 button pays through sandbox-pay, once', async () => {
    stub.answer(`POST /api/mp/orders/${ORDER}/pay`, 200, {
      timeStamp: '1', nonceStr: 'n', package: 'prepay_id=sb', signType: 'MD5', paySign: 's', sandbox: true,
    });
    stub.answer(`POST /api/mp/orders/${ORDER}/sandbox-pay`, 200, makeOrder({ orderNo: ORDER, status: 'PAID' }));
    const page = await openPage('pay', { orderNo: ORDER });
    await settle();

    tap(page, '.pay-btn');
    await settle();
    expect(stub.wx.requestPayment).not.toHaveBeenCalled();
    expect(text(page, '.sandbox-title')).toBe('沙箱环境 · 模拟支付');
    expect(text(page, '.sandbox-pay-btn')).toBe('模拟支付 ¥136.00');
    expect($(page, '.pay-btn')).toBeNull();

    tap(page, '.sandbox-pay-btn');
    tap(page, '.sandbox-pay-btn');
    await settle();
    expect(stub.calls(`POST /api/mp/orders/${ORDER}/sandbox-pay`)).toHaveLength(1);
    expect(stub.wx.redirectTo).toHaveBeenCalledWith({ url: `/pages/order-detail/index?orderNo=${ORDER}` });
  });
});

describe('my orders', () => {
  it('shows status tags, refreshes on pull-down, and opens an order', async () => {
    stub.answer('GET /api/mp/orders', 200, {
      items: [
        makeOrder({ orderNo: 'M2', status: 'REFUNDING' }),
        makeOrder({ orderNo: 'M1', status: 'UNPAID', paidAt: null }),
      ],
    });
    const page = await openPage('orders');
    await settle();
    expect($$(page, '.order-status').map((e) => e.textContent?.trim())).toEqual(['退款中', '待付款']);
    expect($$(page, '.order-status')[0].classList.contains('tag--primary')).toBe(true);

    stub.answer('GET /api/mp/orders', 200, { items: [makeOrder({ orderNo: 'M2', status: 'REFUNDED' })] });
    await page.instance.onPullDownRefresh();
    expect($$(page, '.order-status').map((e) => e.textContent?.trim())).toEqual(['已退款']);
    expect(stub.wx.stopPullDownRefresh).toHaveBeenCalledTimes(1);

    tap(page, '.order-card');
    await settle();
    expect(stub.wx.navigateTo).toHaveBeenCalledWith({ url: '/pages/order-detail/index?orderNo=M2' });
  });

  it('has a friendly empty state', async () => {
    stub.answer('GET /api/mp/orders', 200, { items: [] });
    const page = await openPage('orders');
    await settle();
    expect(text(page, '.empty')).toBe('还没有订单');
  });
});
