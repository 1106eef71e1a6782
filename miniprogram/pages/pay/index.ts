// 支付订单: asks the server for payment parameters, then opens WeChat's cashier (wx.requestPayment).
// A sandbox server has no real cashier: its answer carries `sandbox: true`, and the page offers a clearly
// marked 模拟支付 button that has the embedded WeChat simulator pay and notify, as the real cashier would.
import { getOrder, payOrder, sandboxPay } from '../../api/orders';
import { messageOf } from '../../api/errors';
import type { Order } from '../../api/types';
import { formatFen } from '../../utils/money';
import { orderStatusLabel } from '../../utils/status';
import { toastError, toastSuccess, toastText } from '../../utils/feedback';

type RequestPaymentSignType = WechatMiniprogram.RequestPaymentOption['signType'];

Page({
  data: {
    orderNo: '',
    loading: true,
    error: '',
    totalText: '',
    statusText: '',
    unpaid: false,
    lines: [] as { productId: number; name: string; quantity: number; subtotalText: string }[],
    paying: false,
    sandbox: false,
  },

  onLoad(query: Record<string, string | undefined>) {
    this.setData({ orderNo: query.orderNo ?? '' });
    this.load();
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
    this.setData({
      error: '',
      totalText: formatFen(order.totalFen),
      statusText: orderStatusLabel(order.status).text,
      unpaid: order.status === 'UNPAID',
      lines: order.items.map((i) => ({
        productId: i.productId,
        name: i.name,
        quantity: i.quantity,
        subtotalText: formatFen(i.subtotalFen),
      })),
    });
  },

  async onPay() {
    if (this.data.paying) return;
    this.setData({ paying: true });
    try {
      const params = await payOrder(this.data.orderNo);
      if (params.sandbox) {
        // No cashier to open: reveal the 模拟支付 button and let the buyer confirm explicitly.
        this.setData({ sandbox: true, paying: false });
        return;
      }
      await wx.requestPayment({
        timeStamp: params.timeStamp,
        nonceStr: params.nonceStr,
        package: params.package,
        signType: params.signType as RequestPaymentSignType,
        paySign: params.paySign,
      });
      // The cashier's success is only the buyer's side: the order turns PAID when WeChat notifies the server,
      // so the detail page may briefly still say 待付款 (pull down to refresh).
      toastSuccess('支付成功');
      this.goToDetail();
    } catch (err) {
      const errMsg = (err as { errMsg?: string } | null)?.errMsg ?? '';
      if (errMsg.indexOf('cancel') >= 0) toastText('已取消支付');
      else if (errMsg) toastText('支付未完成，请稍后重试');
      else toastError(err);
      this.setData({ paying: false });
    }
  },

  async onSandboxPay() {
    if (this.data.paying) return;
    this.setData({ paying: true });
    try {
      await sandboxPay(this.data.orderNo);
      toastSuccess('模拟支付成功');
      this.goToDetail();
    } catch (err) {
      toastError(err);
      this.setData({ paying: false });
    }
  },

  goToDetail() {
    // Opened from the order's own page (去支付): go back to it (it reloads on show) rather than stack a copy.
    const pages = getCurrentPages();
    const prev = pages.length > 1 ? pages[pages.length - 2] : undefined;
    if (prev && prev.route === 'pages/order-detail/index' && prev.options.orderNo === this.data.orderNo) {
      wx.navigateBack();
      return;
    }
    wx.redirectTo({ url: `/pages/order-detail/index?orderNo=${encodeURIComponent(this.data.orderNo)}` });
  },
});
