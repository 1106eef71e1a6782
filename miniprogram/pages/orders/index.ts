// 我的订单: the buyer's orders, newest first, with status tags; refreshed on show and by pulling down.
import { listOrders } from '../../api/orders';
import { messageOf } from '../../api/errors';
import { orderCard } from '../../utils/order-view';
import type { OrderCard } from '../../utils/order-view';
import { toastError } from '../../utils/feedback';

Page({
  data: {
    loading: true,
    loaded: false,
    error: '',
    orders: [] as OrderCard[],
  },

  // A tab page stays alive: reload whenever it comes back, since a refund may have moved meanwhile.
  onShow() {
    this.load();
  },

  async onPullDownRefresh() {
    await this.load();
    wx.stopPullDownRefresh();
  },

  async load() {
    this.setData({ loading: true });
    try {
      const orders = await listOrders();
      this.setData({ orders: orders.map(orderCard), error: '', loaded: true });
    } catch (err) {
      this.setData({ error: messageOf(err) });
      toastError(err);
    } finally {
      this.setData({ loading: false });
    }
  },

  onOrderTap(e: WechatMiniprogram.TouchEvent) {
    const orderNo = String(e.currentTarget.dataset.orderno);
    wx.navigateTo({ url: `/pages/order-detail/index?orderNo=${encodeURIComponent(orderNo)}` });
  },
});
