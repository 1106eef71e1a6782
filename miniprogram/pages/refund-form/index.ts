// 申请退款: amount in yuan (defaults to what is still refundable), a reason from the list, an optional note.
// The amount is converted to fen exactly (utils/money). One Idempotency-Key is made per form and sent with
// every attempt, so a double tap or a retry after a lost answer can never create two refunds.
import { getOrder } from '../../api/orders';
import { requestRefund } from '../../api/refunds';
import { ApiError, messageOf } from '../../api/errors';
import { fenToYuan, formatFen, yuanToFen } from '../../utils/money';
import { composeReason, REFUND_NOTE_MAX, REFUND_REASONS } from '../../utils/refund';
import { newIdempotencyKey } from '../../utils/id';
import { toastError, toastSuccess, toastText } from '../../utils/feedback';

Page({
  data: {
    orderNo: '',
    loading: true,
    error: '',
    refundableFen: 0,
    refundableText: '',
    allowed: false,
    amountText: '',
    amountError: '',
    reasons: REFUND_REASONS as string[],
    reasonIndex: -1,
    reasonError: '',
    note: '',
    noteMax: REFUND_NOTE_MAX,
    submitting: false,
    idempotencyKey: '',
  },

  onLoad(query: Record<string, string | undefined>) {
    this.setData({ orderNo: query.orderNo ?? '', idempotencyKey: newIdempotencyKey() });
    this.load();
  },

  async load() {
    this.setData({ loading: true });
    try {
      const order = await getOrder(this.data.orderNo);
      this.setData({
        error: '',
        refundableFen: order.refundableFen,
        refundableText: formatFen(order.refundableFen),
        allowed: order.canRequestRefund === true,
        amountText: order.refundableFen > 0 ? fenToYuan(order.refundableFen) : '',
      });
    } catch (err) {
      this.setData({ error: messageOf(err) });
      toastError(err);
    } finally {
      this.setData({ loading: false });
    }
  },

  onAmountInput(e: WechatMiniprogram.Input) {
    this.setData({ amountText: e.detail.value, amountError: '' });
  },

  onReasonChange(e: WechatMiniprogram.PickerChange) {
    this.setData({ reasonIndex: Number(e.detail.value), reasonError: '' });
  },

  onNoteInput(e: WechatMiniprogram.Input) {
    this.setData({ note: e.detail.value });
  },

  /** The amount in fen, or null after putting the reason on screen. */
  validate(): number | null {
    const fen = yuanToFen(this.data.amountText);
    let amountError = '';
    if (fen === null) amountError = '请输入正确的金额，最多两位小数';
    else if (fen < 1) amountError = '退款金额至少 ¥0.01';
    else if (fen > this.data.refundableFen) amountError = `最多可退 ${this.data.refundableText}`;
    const reasonError = this.data.reasonIndex < 0 ? '请选择退款原因' : '';
    this.setData({ amountError, reasonError });
    if (amountError || reasonError) {
      toastText(amountError || reasonError);
      return null;
    }
    return fen;
  },

  async onSubmit() {
    if (this.data.submitting || !this.data.allowed) return;
    const amountFen = this.validate();
    if (amountFen === null) return;
    // Set before the first await: a second tap in the same instant finds the form already submitting.
    this.setData({ submitting: true });
    const reason = composeReason(REFUND_REASONS[this.data.reasonIndex], this.data.note);
    try {
      const refund = await requestRefund(this.data.orderNo, { amountFen, reason }, this.data.idempotencyKey);
      toastSuccess('已提交申请');
      wx.redirectTo({ url: `/pages/refund-detail/index?refundNo=${encodeURIComponent(refund.refundNo)}` });
    } catch (err) {
      // A 4xx means the server refused and created nothing, so an edited retry may use a new key.
      // Anything else (no answer, 5xx) may have created the refund: keep the key so the retry finds it.
      if (err instanceof ApiError && err.refusedByServer) this.setData({ idempotencyKey: newIdempotencyKey() });
      toastError(err);
      this.setData({ submitting: false });
    }
  },
});
