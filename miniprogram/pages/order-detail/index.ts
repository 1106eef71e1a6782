// 订单详情: lines, paid / refunded / still-refundable amounts, the shipment and delivery address, the order's
// refunds; 申请退款 exactly when the server says a new refund may be asked for (`canRequestRefund`), and
// 确认收货 exactly when its `actions` offer `receive`.
import { getOrder, receiveOrder } from '../../api/orders';
import { messageOf } from '../../api/errors';
import type { Address, Order } from '../../api/types';
import { formatFen } from '../../utils/money';
import { formatTime } from '../../utils/format';
import { addressText } from '../../utils/address';
import { refundRow } from '../../utils/order-view';
import type { RefundRow } from '../../utils/order-view';
import { orderStatusLabel, shippingStatusLabel } from '../../utils/status';
import type { Tone } from '../../utils/status';
import { confirmThenRun, toastError, toastText } from '../../utils/feedback';

const RECEIVE_STEP = {
  title: '确认收货',
  content: '确认已收到商品？确认后订单完成。',
  confirmText: '确认收货',
  cancelText: '还没收到',
  loading: '正在确认',
  done: '已确认收货',
};

interface ShipmentView {
  carrierName: string;
  trackingNo: string;
  shippedText: string;
}

interface LineView {
  productId: number;
  name: string;
  priceText: string;
  quantity: number;
  subtotalText: string;
}

/** The shipment, the receipt and the address as the page draws them. */
function fulfilmentView(order: Order) {
  const shipping = shippingStatusLabel(order.shippingStatus);
  const shipment = order.shipment;
  return {
    shipment: shipment
      ? { carrierName: shipment.carrierName, trackingNo: shipment.trackingNo, shippedText: formatTime(shipment.shippedAt) }
      : null,
    shippingText: shipping.text,
    shippingTone: shipping.tone,
    receivedText: formatTime(order.receivedAt),
    address: order.address ?? null,
    addressText: order.address ? addressText(order.address) : '',
    canReceive: (order.actions ?? []).indexOf('receive') >= 0,
  };
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
    shipment: null as ShipmentView | null,
    shippingText: '',
    shippingTone: 'muted' as Tone,
    receivedText: '',
    address: null as Address | null,
    addressText: '',
    canReceive: false,
    receiving: false,
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
      ...fulfilmentView(order),
    });
  },

  onCopyTracking() {
    const trackingNo = this.data.shipment?.trackingNo;
    if (!trackingNo) return;
    wx.setClipboardData({ data: trackingNo, success: () => toastText('已复制') });
  },

  async onReceive() {
    if (this.data.receiving) return;
    this.setData({ receiving: true });
    const order = await confirmThenRun(RECEIVE_STEP, () => receiveOrder(this.data.orderNo));
    if (order) this.show(order);
    this.setData({ receiving: false });
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
