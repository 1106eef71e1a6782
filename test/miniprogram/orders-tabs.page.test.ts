// pages/orders' tabs, rendered with miniprogram-simulate: 全部 / 待付款 / 待发货 / 待收货 / 已完成 / 售后 with the
// server's counts, `?tab=` per tab, the tab kept when the page comes back, empty tabs, and the shipping line.
import { describe, it, expect, beforeEach } from 'vitest';
import { installWx } from './support/wx-stub';
import type { WxStub } from './support/wx-stub';
import { makeOrder, makeShipment } from './support/fixtures';
import { $$, openPage, settle, tap, text } from './support/page-harness';
import { TOKEN_KEY } from '../../miniprogram/api/session';
import type { OrderTab } from '../../miniprogram/api/types';

const COUNTS: Record<OrderTab, number> = { UNPAID: 2, TO_SHIP: 1, TO_RECEIVE: 1, DONE: 0, AFTER_SALES: 120 };

let stub: WxStub;

beforeEach(() => {
  stub = installWx();
  stub.storage.set(TOKEN_KEY, 't');
  stub.answer('GET /api/mp/orders', 200, {
    items: [
      makeOrder({ orderNo: 'M3', shippingStatus: 'SHIPPED', shipment: makeShipment(), actions: ['receive'] }),
      makeOrder({ orderNo: 'M2', shippingStatus: 'RECEIVED', shipment: makeShipment({ carrierName: '中通快递' }), receivedAt: '2026-11-24T00:00:00.000Z' }),
      makeOrder({ orderNo: 'M1', status: 'UNPAID', paidAt: null }),
    ],
    counts: COUNTS,
  });
  for (const tab of Object.keys(COUNTS)) stub.answer(`GET /api/mp/orders?tab=${tab}`, 200, { items: [], counts: COUNTS });
});

async function openOrders() {
  const page = await openPage('orders');
  await settle();
  return page;
}

type Page = Awaited<ReturnType<typeof openOrders>>;

const tabTexts = (page: Page) => $$(page, '.tab-text').map((e) => e.textContent?.trim());
const tabCounts = (page: Page) => $$(page, '.tab').map((e) => e.querySelector('.tab-count')?.textContent?.trim() ?? '');
const activeTab = (page: Page) => text(page, '.tab--active .tab-text');
const orderNos = (page: Page) => page.instance.data.orders.map((o: { orderNo: string }) => o.orderNo);

function tapTab(page: Page, index: number) {
  const tabs = page.querySelectorAll('.tab');
  tabs[index].dispatchEvent('tap');
}

describe('my orders: tabs', () => {
  it('draws the six tabs with the server’s counts (none for 全部 or an empty tab, 99+ past 99)', async () => {
    const page = await openOrders();
    expect(tabTexts(page)).toEqual(['全部', '待付款', '待发货', '待收货', '已完成', '售后']);
    expect(tabCounts(page)).toEqual(['', '2', '1', '1', '', '99+']);
    expect(activeTab(page)).toBe('全部');
    expect(stub.calls('GET /api/mp/orders')).toHaveLength(1);
  });

  it('asks for ?tab= when a tab is tapped, and says so in Chinese when it is empty', async () => {
    const page = await openOrders();
    tapTab(page, 2);
    await settle();
    expect(stub.calls('GET /api/mp/orders?tab=TO_SHIP')).toHaveLength(1);
    expect(activeTab(page)).toBe('待发货');
    expect(text(page, '.empty')).toBe('暂无待发货订单');

    tapTab(page, 5);
    await settle();
    expect(stub.calls('GET /api/mp/orders?tab=AFTER_SALES')).toHaveLength(1);
    expect(text(page, '.empty')).toBe('暂无售后订单');

    tapTab(page, 0);
    await settle();
    expect(stub.calls('GET /api/mp/orders')).toHaveLength(2);
    expect(orderNos(page)).toEqual(['M3', 'M2', 'M1']);
  });

  it('keeps the tab when the page comes back, and pull-down reloads that tab', async () => {
    stub.answer('GET /api/mp/orders?tab=TO_RECEIVE', 200, { items: [makeOrder({ orderNo: 'M3', shippingStatus: 'SHIPPED', shipment: makeShipment() })], counts: COUNTS });
    const page = await openOrders();
    tapTab(page, 3);
    await settle();
    expect(orderNos(page)).toEqual(['M3']);

    page.instance.onShow();
    await settle();
    expect(activeTab(page)).toBe('待收货');
    expect(stub.calls('GET /api/mp/orders?tab=TO_RECEIVE')).toHaveLength(2);

    stub.answer('GET /api/mp/orders?tab=TO_RECEIVE', 200, { items: [], counts: { ...COUNTS, TO_RECEIVE: 0, DONE: 1 } });
    await page.instance.onPullDownRefresh();
    expect(stub.calls('GET /api/mp/orders?tab=TO_RECEIVE')).toHaveLength(3);
    expect(stub.wx.stopPullDownRefresh).toHaveBeenCalledTimes(1);
    expect(text(page, '.empty')).toBe('暂无待收货订单');
    expect(tabCounts(page)).toEqual(['', '2', '1', '', '1', '99+']);
  });

  it('a slow answer for a tab already left does not replace the list shown', async () => {
    let release: () => void = () => undefined;
    stub.route('GET /api/mp/orders?tab=UNPAID', () => new Promise((resolve) => {
      release = () => resolve({ statusCode: 200, data: { items: [makeOrder({ orderNo: 'SLOW', status: 'UNPAID' })], counts: COUNTS } });
    }));
    const page = await openOrders();
    tapTab(page, 1);
    await settle();
    tapTab(page, 0);
    await settle();
    release();
    await settle();
    expect(activeTab(page)).toBe('全部');
    expect(orderNos(page)).toEqual(['M3', 'M2', 'M1']);
  });

  it('shows the shipping state on shipped and received orders only', async () => {
    const page = await openOrders();
    const cards = $$(page, '.order-card');
    expect(cards.map((c) => c.querySelector('.order-shipping')?.textContent?.trim() ?? '')).toEqual([
      '已发货 · 顺丰速运',
      '已收货 · 中通快递',
      '',
    ]);
  });
});
