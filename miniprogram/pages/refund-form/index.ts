// 申请退款: 仅退款 or 退货退款 (a return only once the goods were shipped), a reason from the merchant's list for
// that type or the buyer's own (其他), the amount in yuan (defaults to what is still refundable), an optional
// note and up to 9 photos, each uploaded as soon as it is picked.
// The amount is converted to fen exactly (utils/money). One Idempotency-Key is made per form and sent with
// every attempt, so a double tap or a retry after a lost answer can never create two refunds.
import { getOrder } from '../../api/orders';
import { requestRefund } from '../../api/refunds';
import { getMpConfig } from '../../api/config';
import { uploadImage } from '../../api/uploads';
import { ApiError, messageOf } from '../../api/errors';
import type { MpConfig, NewRefund, RefundType } from '../../api/types';
import { fenToYuan, formatFen, yuanToFen } from '../../utils/money';
import { composeReason, OTHER_REASON, OWN_REASON_MAX, reasonChoices, REFUND_NOTE_MAX } from '../../utils/refund';
import { lookup, REFUND_TYPE } from '../../utils/status';
import { newIdempotencyKey } from '../../utils/id';
import { toastError, toastSuccess, toastText } from '../../utils/feedback';

const MAX_PHOTOS = 9;
// The server's limit; a bigger photo is refused here rather than after sending 5 MB for nothing.
const MAX_PHOTO_BYTES = 5 * 1024 * 1024;
// WeChat allows 10 requests and uploads at once; three photos at a time leave room for the page's own calls.
const PARALLEL_UPLOADS = 3;

const RETURN_NEEDS_SHIPPING = '商品还没有发货，只能申请仅退款';

type PhotoState = 'waiting' | 'uploading' | 'done' | 'failed';

interface PhotoView {
  key: string;
  /** The local file: the thumbnail and the preview show it while (and after) it uploads. */
  path: string;
  size: number;
  state: PhotoState;
  progress: number;
  /** What the server gave back, sent in `images`. */
  url: string;
  error: string;
  /** A photo too large for the server is not worth sending again. */
  retryable: boolean;
}

interface TypeOption {
  type: RefundType;
  text: string;
  desc: string;
  disabled: boolean;
}

// Upload tasks per page instance, outside `data` (a task is not something to render); null until it starts.
const inFlight = new WeakMap<object, Map<string, WechatMiniprogram.UploadTask | null>>();
// Pages the buyer left: nothing more is uploaded for them.
const closed = new WeakSet<object>();
let photoSeq = 0;

function uploadsOf(page: object): Map<string, WechatMiniprogram.UploadTask | null> {
  let uploads = inFlight.get(page);
  if (!uploads) {
    uploads = new Map();
    inFlight.set(page, uploads);
  }
  return uploads;
}

function typeOptions(returnAllowed: boolean): TypeOption[] {
  return [
    { type: 'REFUND_ONLY', text: REFUND_TYPE.REFUND_ONLY, desc: '未收到货，或与商家协商不退货', disabled: false },
    { type: 'RETURN_AND_REFUND', text: REFUND_TYPE.RETURN_AND_REFUND, desc: '已收到货，需要退还商品', disabled: !returnAllowed },
  ];
}

function reasonsByType(config: MpConfig | null): Record<RefundType, string[]> {
  return {
    REFUND_ONLY: reasonChoices(config?.refundReasons?.REFUND_ONLY),
    RETURN_AND_REFUND: reasonChoices(config?.refundReasons?.RETURN_AND_REFUND),
  };
}

/** A line under the photos while any is not uploaded ('' when all are), and whether it is a failure. */
function photoNote(photos: readonly PhotoView[]): { photoNote: string; photoFailed: boolean } {
  const failed = photos.filter((p) => p.state === 'failed').length;
  const pending = photos.filter((p) => p.state === 'waiting' || p.state === 'uploading').length;
  if (failed) return { photoNote: `${failed} 张照片上传失败，请重试或删除后再提交`, photoFailed: true };
  return { photoNote: pending ? `正在上传 ${pending} 张照片…` : '', photoFailed: false };
}

function choosePhotos(count: number): Promise<WechatMiniprogram.MediaFile[]> {
  return new Promise((resolve, reject) => {
    wx.chooseMedia({
      count,
      mediaType: ['image'],
      sizeType: ['compressed'],
      success: (res) => resolve(res.tempFiles),
      // Closing the album is not an error; a refused permission is.
      fail: (err) => (/cancel/.test(err.errMsg) ? resolve([]) : reject(err)),
    });
  });
}

/** Resolves whatever the buyer answers (or if WeChat cannot ask): a refusal never holds up the refund. */
function askToSubscribe(tmplIds: string[]): Promise<void> {
  return new Promise((resolve) => {
    try {
      wx.requestSubscribeMessage({ tmplIds, complete: () => resolve() });
    } catch {
      resolve();
    }
  });
}

Page({
  data: {
    orderNo: '',
    loading: true,
    error: '',
    refundableFen: 0,
    refundableText: '',
    allowed: false,
    type: 'REFUND_ONLY' as RefundType,
    returnAllowed: false,
    typeOptions: typeOptions(false),
    typeHint: '',
    reasonsByType: reasonsByType(null),
    reasons: [] as string[],
    reasonIndex: -1,
    reasonError: '',
    isOther: false,
    ownReason: '',
    ownReasonMax: OWN_REASON_MAX,
    amountText: '',
    amountError: '',
    note: '',
    noteMax: REFUND_NOTE_MAX,
    photos: [] as PhotoView[],
    photoMax: MAX_PHOTOS,
    photoNote: '',
    photoFailed: false,
    subscribeTemplateIds: [] as string[],
    subscribeAsked: false,
    submitting: false,
    idempotencyKey: '',
  },

  onLoad(query: Record<string, string | undefined>) {
    this.setData({ orderNo: query.orderNo ?? '', idempotencyKey: newIdempotencyKey() });
    this.load();
  },

  onUnload() {
    closed.add(this);
    const uploads = uploadsOf(this);
    const tasks = [...uploads.values()];
    // Cleared first, so the aborted uploads' failures are not reported.
    uploads.clear();
    for (const task of tasks) task?.abort();
  },

  async load() {
    this.setData({ loading: true });
    // Without the merchant's list the buyer can still write a reason (其他) and no subscription is asked for.
    const config = getMpConfig().catch(() => null);
    try {
      const order = await getOrder(this.data.orderNo);
      const returnAllowed = order.shippingStatus === 'SHIPPED' || order.shippingStatus === 'RECEIVED';
      const reasons = reasonsByType(await config);
      this.setData({
        error: '',
        refundableFen: order.refundableFen,
        refundableText: formatFen(order.refundableFen),
        allowed: order.canRequestRefund === true,
        amountText: order.refundableFen > 0 ? fenToYuan(order.refundableFen) : '',
        returnAllowed,
        typeOptions: typeOptions(returnAllowed),
        typeHint: returnAllowed ? '' : RETURN_NEEDS_SHIPPING,
        reasonsByType: reasons,
        reasons: reasons[this.data.type],
        subscribeTemplateIds: (await config)?.subscribeTemplateIds ?? [],
      });
    } catch (err) {
      this.setData({ error: messageOf(err) });
      toastError(err);
    } finally {
      this.setData({ loading: false });
    }
  },

  onTypeTap(e: WechatMiniprogram.TouchEvent) {
    const type = String(e.currentTarget.dataset.type) as RefundType;
    if (type === 'RETURN_AND_REFUND' && !this.data.returnAllowed) {
      toastText(RETURN_NEEDS_SHIPPING);
      return;
    }
    if (type === this.data.type || lookup(REFUND_TYPE, type) === undefined) return;
    // Each type has its own reasons, so the pick starts over.
    this.setData({ type, reasons: this.data.reasonsByType[type], reasonIndex: -1, isOther: false, reasonError: '' });
  },

  onReasonChange(e: WechatMiniprogram.PickerChange) {
    const reasonIndex = Number(e.detail.value);
    this.setData({ reasonIndex, isOther: this.data.reasons[reasonIndex] === OTHER_REASON, reasonError: '' });
  },

  onOwnReasonInput(e: WechatMiniprogram.Input) {
    this.setData({ ownReason: e.detail.value, reasonError: '' });
  },

  onAmountInput(e: WechatMiniprogram.Input) {
    this.setData({ amountText: e.detail.value, amountError: '' });
  },

  onNoteInput(e: WechatMiniprogram.Input) {
    this.setData({ note: e.detail.value });
  },

  // ---- photos -----------------------------------------------------------------------------------------

  setPhotos(photos: PhotoView[]) {
    this.setData({ photos, ...photoNote(photos) });
  },

  patchPhoto(key: string, patch: Partial<PhotoView>) {
    const photos = this.data.photos;
    const i = photos.findIndex((p) => p.key === key);
    // Removed meanwhile: its late answer has nowhere to go.
    if (i < 0) return;
    this.setPhotos(photos.map((p, j) => (j === i ? { ...p, ...patch } : p)));
  },

  onProgress(key: string, progress: number) {
    const i = this.data.photos.findIndex((p) => p.key === key);
    // One field, not the whole list: progress arrives many times a second.
    if (i >= 0 && this.data.photos[i].progress !== progress) this.setData({ [`photos[${i}].progress`]: progress });
  },

  async onAddPhotos() {
    const room = MAX_PHOTOS - this.data.photos.length;
    if (this.data.submitting) return;
    if (room <= 0) {
      toastText(`最多上传 ${MAX_PHOTOS} 张照片`);
      return;
    }
    let files: WechatMiniprogram.MediaFile[];
    try {
      files = await choosePhotos(room);
    } catch {
      toastText('无法选择照片，请在设置中允许访问相册');
      return;
    }
    // Photos picked twice in a row (two quick taps) must still stop at nine.
    const added = files.slice(0, MAX_PHOTOS - this.data.photos.length).map((f): PhotoView => {
      const tooLarge = f.size > MAX_PHOTO_BYTES;
      return {
        key: `p${++photoSeq}`,
        path: f.tempFilePath,
        size: f.size,
        state: tooLarge ? 'failed' : 'waiting',
        progress: 0,
        url: '',
        error: tooLarge ? '照片超过 5 MB，请换一张' : '',
        retryable: !tooLarge,
      };
    });
    if (!added.length) return;
    this.setPhotos([...this.data.photos, ...added]);
    this.pumpUploads();
  },

  /** Starts waiting photos while fewer than PARALLEL_UPLOADS are on their way. */
  pumpUploads() {
    const uploads = uploadsOf(this);
    if (closed.has(this)) return;
    for (const photo of this.data.photos) {
      if (uploads.size >= PARALLEL_UPLOADS) return;
      if (photo.state === 'waiting' && !uploads.has(photo.key)) this.upload(photo);
    }
  },

  async upload(photo: PhotoView) {
    const uploads = uploadsOf(this);
    uploads.set(photo.key, null);
    this.patchPhoto(photo.key, { state: 'uploading', progress: 0, error: '' });
    try {
      const url = await uploadImage(photo.path, {
        onProgress: (p) => this.onProgress(photo.key, p),
        onTask: (task) => uploads.set(photo.key, task),
      });
      this.patchPhoto(photo.key, { state: 'done', progress: 100, url });
    } catch (err) {
      if (uploads.has(photo.key)) {
        this.patchPhoto(photo.key, { state: 'failed', error: messageOf(err) });
        toastError(err);
      }
    } finally {
      uploads.delete(photo.key);
      this.pumpUploads();
    }
  },

  onRetryPhoto(e: WechatMiniprogram.TouchEvent) {
    const key = String(e.currentTarget.dataset.key);
    const photo = this.data.photos.find((p) => p.key === key);
    if (!photo || photo.state !== 'failed' || !photo.retryable) return;
    this.patchPhoto(key, { state: 'waiting', progress: 0, error: '' });
    this.pumpUploads();
  },

  onRemovePhoto(e: WechatMiniprogram.TouchEvent) {
    const key = String(e.currentTarget.dataset.key);
    const uploads = uploadsOf(this);
    const task = uploads.get(key);
    // Deleted first, so the aborted upload's failure is not reported as one.
    uploads.delete(key);
    task?.abort();
    this.setPhotos(this.data.photos.filter((p) => p.key !== key));
    this.pumpUploads();
  },

  onPreviewPhoto(e: WechatMiniprogram.TouchEvent) {
    const key = String(e.currentTarget.dataset.key);
    const photo = this.data.photos.find((p) => p.key === key);
    if (!photo) return;
    wx.previewImage({ urls: this.data.photos.map((p) => p.path), current: photo.path });
  },

  // ---- submit -----------------------------------------------------------------------------------------

  /** The request, or null after putting what is wrong on screen. */
  validate(): NewRefund | null {
    const { photos, reasons, reasonIndex, isOther } = this.data;
    const fen = yuanToFen(this.data.amountText);
    let amountError = '';
    if (fen === null) amountError = '请输入正确的金额，最多两位小数';
    else if (fen < 1) amountError = '退款金额至少 ¥0.01';
    else if (fen > this.data.refundableFen) amountError = `最多可退 ${this.data.refundableText}`;
    const ownReason = this.data.ownReason.trim();
    let reasonError = '';
    if (reasonIndex < 0) reasonError = '请选择退款原因';
    else if (isOther && !ownReason) reasonError = '请写下退款原因';
    this.setData({ amountError, reasonError });
    // Photos still on their way or failed would be missing from the request.
    const photoProblem = photos.some((p) => p.state === 'failed')
      ? '有照片上传失败，请重试或删除'
      : photos.some((p) => p.state !== 'done')
        ? '照片还在上传，请稍候'
        : '';
    const problem = amountError || reasonError || photoProblem;
    if (problem || fen === null) {
      toastText(problem);
      return null;
    }
    const reason = isOther ? ownReason : reasons[reasonIndex];
    return {
      amountFen: fen,
      reason: composeReason(reason, this.data.note),
      type: this.data.type,
      images: photos.map((p) => p.url),
    };
  },

  async onSubmit() {
    if (this.data.submitting || !this.data.allowed) return;
    const refund = this.validate();
    if (!refund) return;
    // Set before the first await: a second tap in the same instant finds the form already submitting.
    this.setData({ submitting: true });
    // WeChat shows the subscribe dialog only from a tap, so it is asked here, before the first await.
    const tmplIds = this.data.subscribeTemplateIds;
    const asked = tmplIds.length && !this.data.subscribeAsked ? askToSubscribe(tmplIds) : Promise.resolve();
    if (tmplIds.length) this.setData({ subscribeAsked: true });
    try {
      await asked;
      const created = await requestRefund(this.data.orderNo, refund, this.data.idempotencyKey);
      toastSuccess('已提交申请');
      wx.redirectTo({ url: `/pages/refund-detail/index?refundNo=${encodeURIComponent(created.refundNo)}` });
    } catch (err) {
      // A 4xx means the server refused and created nothing, so an edited retry may use a new key.
      // Anything else (no answer, 5xx) may have created the refund: keep the key so the retry finds it.
      if (err instanceof ApiError && err.refusedByServer) this.setData({ idempotencyKey: newIdempotencyKey() });
      toastError(err);
      this.setData({ submitting: false });
    }
  },
});
