// 我的订单: the tabs every mall has (全部 / 待付款 / 待发货 / 待收货 / 已完成 / 售后) with the server's counts,
// and the orders of the current tab, newest first; refreshed on show and by pulling down.
import { listOrderTab } from '../../api/orders';
import { messageOf } from '../../api/errors';
import type { OrderList, OrderTab } from '../../api/types';
import { orderCard } from '../../utils/order-view';
import type { OrderCard } from '../../utils/order-view';
import { ORDER_TABS } from '../../utils/status';
import { toastError } from '../../utils/feedback';

interface TabView {
  key: OrderTab | '';
  text: string;
  count: number;
}

function tabViews(counts?: OrderList['counts']): TabView[] {
  return ORDER_TABS.map(({ key, text }) => ({ key, text, count: key && counts ? counts[key] ?? 0 : 0 }));
}

function emptyText(tab: OrderTab | ''): string {
  const label = ORDER_TABS.find((t) => t.key === tab);
  return tab && label ? `暂无${label.text}订单` : '还没有订单';
}

// The tab whose answer the page is waiting for, per page instance: a slow answer for a tab the buyer has
// already left must not overwrite the list of the tab now shown.
const pending = new WeakMap<object, number>();

Page({
  data: {
    loading: true,
    loaded: false,
    error: '',
    tab: '' as OrderTab | '',
    tabs: tabViews(),
    emptyText: emptyText(''),
    orders: [] as OrderCard[],
  },

  // A tab page stays alive, and so does its current tab: reload that tab whenever the page comes back,
  // since an order may have been paid, shipped or refunded meanwhile.
  onShow() {
    this.load();
  },

  async onPullDownRefresh() {
    await this.load();
    wx.stopPullDownRefresh();
  },

  onTabTap(e: WechatMiniprogram.TouchEvent) {
    const tab = String(e.currentTarget.dataset.tab ?? '') as OrderTab | '';
    if (tab === this.data.tab) return;
    this.setData({ tab, emptyText: emptyText(tab), orders: [], loaded: false, error: '' });
    this.load();
  },

  async load() {
    const tab = this.data.tab;
    const ticket = (pending.get(this) ?? 0) + 1;
    pending.set(this, ticket);
    this.setData({ loading: true });
    try {
      const list = await listOrderTab(tab || undefined);
      if (pending.get(this) !== ticket) return;
      this.setData({ orders: list.items.map(orderCard), tabs: tabViews(list.counts), error: '', loaded: true });
    } catch (err) {
      if (pending.get(this) !== ticket) return;
      this.setData({ error: messageOf(err) });
      toastError(err);
    } finally {
      if (pending.get(this) === ticket) this.setData({ loading: false });
    }
  },

  onOrderTap(e: WechatMiniprogram.TouchEvent) {
    const orderNo = String(e.currentTarget.dataset.orderno);
    wx.navigateTo({ url: `/pages/order-detail/index?orderNo=${encodeURIComponent(orderNo)}` });
  },
});
