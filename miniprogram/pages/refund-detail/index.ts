// 退款详情: where the buyer's money is. A progress bar 已申请 → 已同意 → 退款中 → 已退款 (or the ending that
// replaced it: 已拒绝 with the merchant's reason, 已取消, 退款失败), and the buttons the server's `actions` allow.
import { cancelRefund, getRefund } from '../../api/refunds';
import { messageOf } from '../../api/errors';
import type { Refund, RefundStatus } from '../../api/types';
import { formatFen } from '../../utils/money';
import { formatTime } from '../../utils/format';
import { isMoving, refundButtons, refundProgress } from '../../utils/refund';
import type { ActionButton, ProgressStep } from '../../utils/refund';
import { lookup, refundStatusLabel } from '../../utils/status';
import type { Tone } from '../../utils/status';
import { confirmThenRun, toastError } from '../../utils/feedback';

// While the money is on its way (isMoving: APPROVED, REFUNDING today) the page looks again by itself this
// often, so a buyer watching it sees 已退款 arrive without pulling down. Nothing is polled once it has settled.
const AUTO_REFRESH_MS = 5000;

// Timer per page instance, outside `data` (a timer id is not something to render).
const timers = new WeakMap<object, ReturnType<typeof setTimeout>>();

// What each ending means for the buyer, shown under the progress bar.
const STATUS_HINTS: Record<RefundStatus, string> = {
  REQUESTED: '已提交，等待商家处理',
  AWAITING_RETURN: '商家已同意退货，请按下方地址寄回商品并填写快递单号',
  RETURN_SHIPPED: '商品已寄回，等待商家确认收货后退款',
  APPROVED: '商家已同意，即将原路退回',
  REFUNDING: '微信支付处理中，一般几分钟到账，最长 1–3 个工作日',
  REFUNDED: '退款已原路退回',
  REJECTED: '商家拒绝了这笔退款',
  CANCELLED: '你已取消这笔退款申请',
  FAILED: '退款未成功，商家会处理后重新发起',
};

const CANCEL_STEP = {
  title: '取消退款申请',
  content: '取消后这笔申请关闭，之后仍可重新申请。确定取消吗？',
  confirmText: '取消申请',
  cancelText: '再想想',
  loading: '正在取消',
  done: '已取消',
};

Page({
  data: {
    refundNo: '',
    loading: true,
    loaded: false,
    error: '',
    orderNo: '',
    status: '',
    statusText: '',
    tone: 'muted' as Tone,
    hint: '',
    amountText: '',
    reason: '',
    rejectReason: '',
    failReason: '',
    createdText: '',
    updatedText: '',
    steps: [] as ProgressStep[],
    buttons: [] as ActionButton[],
    acting: false,
  },

  onLoad(query: Record<string, string | undefined>) {
    this.setData({ refundNo: query.refundNo ?? '' });
  },

  onShow() {
    this.load();
  },

  onHide() {
    this.stopAutoRefresh();
  },

  onUnload() {
    this.stopAutoRefresh();
  },

  stopAutoRefresh() {
    const timer = timers.get(this);
    if (timer !== undefined) clearTimeout(timer);
    timers.delete(this);
  },

  scheduleAutoRefresh() {
    this.stopAutoRefresh();
    if (!isMoving(this.data.status)) return;
    timers.set(
      this,
      setTimeout(() => {
        timers.delete(this);
        this.load(true);
      }, AUTO_REFRESH_MS),
    );
  },

  async onPullDownRefresh() {
    await this.load();
    wx.stopPullDownRefresh();
  },

  /** `quiet`: an automatic refresh; a failure then waits for the next round instead of toasting every 5 s. */
  async load(quiet = false) {
    this.setData({ loading: true });
    try {
      this.show(await getRefund(this.data.refundNo));
    } catch (err) {
      if (!quiet) {
        this.setData({ error: messageOf(err) });
        toastError(err);
      }
    } finally {
      this.setData({ loading: false });
      this.scheduleAutoRefresh();
    }
  },

  show(refund: Refund) {
    const label = refundStatusLabel(refund.status);
    this.setData({
      loaded: true,
      error: '',
      orderNo: refund.orderNo,
      status: refund.status,
      statusText: label.text,
      tone: label.tone,
      hint: lookup(STATUS_HINTS, refund.status) ?? '',
      amountText: formatFen(refund.amountFen),
      reason: refund.reason,
      rejectReason: refund.status === 'REJECTED' ? refund.rejectReason ?? '' : '',
      failReason: refund.status === 'FAILED' ? refund.failReason ?? '' : '',
      createdText: formatTime(refund.createdAt),
      updatedText: formatTime(refund.updatedAt),
      steps: refundProgress(refund.status),
      buttons: refundButtons(refund.actions ?? []),
    });
  },

  async onAction(e: WechatMiniprogram.TouchEvent) {
    const action = String(e.currentTarget.dataset.action);
    if (this.data.acting) return;
    if (action === 'cancel') await this.cancel();
  },

  async cancel() {
    this.setData({ acting: true });
    const refund = await confirmThenRun(CANCEL_STEP, () => cancelRefund(this.data.refundNo));
    if (refund) this.show(refund);
    this.setData({ acting: false });
  },

  onOrderTap() {
    // Usually the order page is right behind us; go back to it instead of stacking another copy.
    const pages = getCurrentPages();
    const prev = pages.length > 1 ? pages[pages.length - 2] : undefined;
    if (prev && prev.route === 'pages/order-detail/index') {
      wx.navigateBack();
      return;
    }
    wx.navigateTo({ url: `/pages/order-detail/index?orderNo=${encodeURIComponent(this.data.orderNo)}` });
  },
});
