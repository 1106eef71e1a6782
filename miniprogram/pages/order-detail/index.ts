// 订单详情: lines, paid / refunded / still-refundable amounts, the order's refunds, and 申请退款
// exactly when the server says a new refund may be asked for (`canRequestRefund`).
import { getOrder } from '../../api/orders';
import { messageOf } from '../../api/errors';
import type { Order } from '../../api/types';
import { formatFen } from '../../utils/money';
import { formatTime } from '../../utils/format';
import { refundRow } from '../../utils/order-view';
import type { RefundRow } from '../../utils/order-view';
import { orderStatusLabel } from '../../utils/status';
import type { Tone } from '../../utils/status';
import { toastError } from '../../utils/feedback';

interface LineView {
  productId: number;
  name: string;
  priceText: string;
  quantity: number;
  subtotalText: string;
}

Page({
  data: {
    orderNo: '',
    loading: true,
    loaded: false,
    error: '',
    statusText: '',
    tone: 'muted' as Tone,
    lines: [] as LineView[],
    totalText: '',
    paid: false,
    paidText: '',
    refundedText: '',
    refundableText: '',
    createdText: '',
    paidAtText: '',
    unpaid: false,
    canRequestRefund: false,
    refunds: [] as RefundRow[],
  },

  onLoad(query: Record<string, string | undefined>) {
    this.setData({ orderNo: query.orderNo ?? '' });
  },

  // onShow rather than onLoad: coming back from the refund form or a refund page must show the new state.
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
      this.show(await getOrder(this.data.orderNo));
    } catch (err) {
      this.setData({ error: messageOf(err) });
      toastError(err);
    } finally {
      this.setData({ loading: false });
    }
  },

  show(order: Order) {
    const label = orderStatusLabel(order.status);
    const paid = Boolean(order.paidAt);
    this.setData({
      loaded: true,
      error: '',
      statusText: label.text,
      tone: label.tone,
      lines: order.items.map((i) => ({
        productId: i.productId,
        name: i.name,
        priceText: formatFen(i.priceFen),
        quantity: i.quantity,
        subtotalText: formatFen(i.subtotalFen),
      })),
      totalText: formatFen(order.totalFen),
      paid,
      paidText: formatFen(paid ? order.totalFen : 0),
      refundedText: formatFen(order.refundedFen),
      refundableText: formatFen(order.refundableFen),
      createdText: formatTime(order.createdAt),
      paidAtText: formatTime(order.paidAt),
      unpaid: order.status === 'UNPAID',
      canRequestRefund: order.canRequestRefund === true,
      refunds: order.refunds.map(refundRow),
    });
  },

  onRequestRefund() {
    wx.navigateTo({ url: `/pages/refund-form/index?orderNo=${encodeURIComponent(this.data.orderNo)}` });
  },

  onPay() {
    wx.navigateTo({ url: `/pages/pay/index?orderNo=${encodeURIComponent(this.data.orderNo)}` });
  },

  onRefundTap(e: WechatMiniprogram.TouchEvent) {
    const refundNo = String(e.currentTarget.dataset.refundno);
    wx.navigateTo({ url: `/pages/refund-detail/index?refundNo=${encodeURIComponent(refundNo)}` });
  },
});
