// 退款详情: where the buyer's money (and, for a return, the goods) is. A progress bar 已申请 → 已同意 → 退款中 →
// 已退款, or 已申请 → 待寄回 → 已寄回 → 已同意 → 退款中 → 已退款 for a return (or the ending that replaced it:
// 已拒绝 with the merchant's reason, 已取消, 退款失败); the evidence photos; while the goods are awaited, the
// merchant's return address and the form for the parcel; the return's parcel once sent; the whole timeline;
// and the buttons the server's `actions` allow.
import { cancelRefund, getRefund, returnGoods } from '../../api/refunds';
import { messageOf } from '../../api/errors';
import type { Refund, RefundStatus, ReturnAddress } from '../../api/types';
import { absoluteUrl } from '../../config';
import { formatFen } from '../../utils/money';
import { formatTime } from '../../utils/format';
import { isMoving, refundButtons, refundProgress, refundTimeline } from '../../utils/refund';
import type { ActionButton, ProgressStep, TimelineEntry } from '../../utils/refund';
import { normalizeTrackingNo, RETURN_CARRIERS, trackingNoError } from '../../utils/carriers';
import { lookup, refundStatusLabel, refundTypeLabel } from '../../utils/status';
import type { Tone } from '../../utils/status';
import { confirmThenRun, toastError, toastText } from '../../utils/feedback';

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
  APPROVED: '商家已同意退款，即将原路退回',
  REFUNDING: '微信支付处理中，一般几分钟到账，最长 1–3 个工作日',
  REFUNDED: '退款已原路退回',
  REJECTED: '商家拒绝了这笔退款',
  CANCELLED: '你已取消这笔退款申请',
  FAILED: '退款未成功，商家会处理后重新发起',
};

/** The hint, where the status alone does not say it: a return's approval comes after receipt, and a system close. */
function hintFor(refund: Refund, lastAction: string): string {
  if (refund.status === 'APPROVED' && refund.type === 'RETURN_AND_REFUND') return '商家已确认收到退货，即将原路退回';
  if (refund.status === 'AWAITING_RETURN' && !refund.returnAddress) return '商家已同意退货，请联系商家获取退货地址后寄回商品';
  if (refund.status === 'CANCELLED' && lastAction === 'return_timeout') return '超时未寄回商品，申请已自动关闭';
  return lookup(STATUS_HINTS, refund.status) ?? '';
}

interface ReturnShipmentView {
  carrierName: string;
  trackingNo: string;
  shippedText: string;
}

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
    typeText: '',
    photos: [] as string[],
    returnAddress: null as ReturnAddress | null,
    returnShipment: null as ReturnShipmentView | null,
    canReturn: false,
    carrierNames: RETURN_CARRIERS.map((c) => c.name),
    carrierIndex: -1,
    trackingNo: '',
    returnError: '',
    returning: false,
    timeline: [] as TimelineEntry[],
    lastAction: '',
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
    // Only GET sends the timeline; the answer to a move does not, and the old one stays until the reload after it.
    const events = refund.events;
    const lastAction = events && events.length ? events[events.length - 1].action : this.data.lastAction;
    const shipment = refund.returnShipment;
    this.setData({
      loaded: true,
      error: '',
      orderNo: refund.orderNo,
      status: refund.status,
      statusText: label.text,
      tone: label.tone,
      hint: hintFor(refund, lastAction),
      lastAction,
      typeText: refundTypeLabel(refund.type),
      photos: (refund.images ?? []).map(absoluteUrl),
      returnAddress: refund.status === 'AWAITING_RETURN' ? refund.returnAddress ?? null : null,
      returnShipment: shipment
        ? { carrierName: shipment.carrierName, trackingNo: shipment.trackingNo, shippedText: formatTime(shipment.shippedAt) }
        : null,
      canReturn: (refund.actions ?? []).indexOf('return') >= 0,
      ...(events ? { timeline: refundTimeline(events) } : {}),
      amountText: formatFen(refund.amountFen),
      reason: refund.reason,
      rejectReason: refund.status === 'REJECTED' ? refund.rejectReason ?? '' : '',
      failReason: refund.status === 'FAILED' ? refund.failReason ?? '' : '',
      createdText: formatTime(refund.createdAt),
      updatedText: formatTime(refund.updatedAt),
      steps: refundProgress(refund.status, refund.type, Boolean(shipment)),
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
    this.setData({ acting: false });
    if (refund) this.moved(refund);
  },

  /** After the buyer's own move: draw its answer at once, then reload quietly for the timeline with the move. */
  moved(refund: Refund) {
    this.show(refund);
    this.load(true);
  },

  onPreviewPhoto(e: WechatMiniprogram.TouchEvent) {
    const current = String(e.currentTarget.dataset.url);
    wx.previewImage({ urls: this.data.photos, current });
  },

  onCopyAddress() {
    const a = this.data.returnAddress;
    if (!a) return;
    wx.setClipboardData({ data: `${a.name} ${a.phone} ${a.address}`, success: () => toastText('已复制') });
  },

  onCarrierChange(e: WechatMiniprogram.PickerChange) {
    this.setData({ carrierIndex: Number(e.detail.value), returnError: '' });
  },

  onTrackingInput(e: WechatMiniprogram.Input) {
    this.setData({ trackingNo: e.detail.value, returnError: '' });
  },

  async onSubmitReturn() {
    if (this.data.returning || !this.data.canReturn) return;
    const carrier = RETURN_CARRIERS[this.data.carrierIndex];
    const trackingNo = normalizeTrackingNo(this.data.trackingNo);
    const returnError = carrier ? trackingNoError(trackingNo) : '请选择快递公司';
    this.setData({ trackingNo, returnError });
    if (!carrier || returnError) {
      toastText(returnError);
      return;
    }
    this.setData({ returning: true });
    // The parcel cannot be changed once sent: one look at the number before it goes.
    const step = {
      title: '确认退货物流',
      content: `${carrier.name} ${trackingNo}\n提交后不能修改，请核对快递单号。`,
      confirmText: '提交',
      cancelText: '再看看',
      loading: '正在提交',
      done: '已提交',
    };
    const refund = await confirmThenRun(step, () => returnGoods(this.data.refundNo, { carrier: carrier.code, trackingNo }));
    this.setData({ returning: false });
    if (refund) this.moved(refund);
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
