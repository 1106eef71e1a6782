// pages/refund-form rendered with miniprogram-simulate (official WXML compiler): 仅退款 / 退货退款, the merchant's
// reasons (其他 → the buyer's own words), validation, exact yuan → fen, photos (pick, upload with progress, retry,
// remove, preview, nine at most), the subscribe dialog before the request, one submission per tap storm, and the
// Idempotency-Key kept across retries.
import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { installWx } from './support/wx-stub';
import type { WxStub } from './support/wx-stub';
import { makeConfig, makeOrder, makeRefund } from './support/fixtures';
import { $, $$, closePages, openPage, settle, tap, text } from './support/page-harness';
import { TOKEN_KEY } from '../../miniprogram/api/session';
import { forgetMpConfig } from '../../miniprogram/api/config';
import type { Order } from '../../miniprogram/api/types';

const ORDER = 'M20261122000001';
const REFUNDS = `POST /api/mp/orders/${ORDER}/refunds`;
const CONFIG = 'GET /api/mp/config';

let stub: WxStub;

beforeEach(() => {
  stub = installWx();
  stub.storage.set(TOKEN_KEY, 't');
  forgetMpConfig();
  stub.answer(CONFIG, 200, makeConfig());
  stub.answer(`GET /api/mp/orders/${ORDER}`, 200, makeOrder({ refundableFen: 13600 }));
  stub.answer(REFUNDS, 201, makeRefund({ refundNo: 'R9' }));
});

afterEach(() => {
  closePages();
});

async function openForm(order?: Partial<Order>) {
  if (order) stub.answer(`GET /api/mp/orders/${ORDER}`, 200, makeOrder({ refundableFen: 13600, ...order }));
  const page = await openPage('refund-form', { orderNo: ORDER });
  await settle();
  return page;
}

type Page = Awaited<ReturnType<typeof openForm>>;

/** Opens the form and adds `n` photos from the album (each `size` bytes) with a tap on 添加照片. */
async function openWithPhotos(n = 1, size?: number) {
  stub.pickPhotos(n, size);
  const page = await openForm();
  tap(page, '.photo-add');
  await settle();
  return page;
}

function fill(page: Page, amount: string, reasonIndex = 0, note = '') {
  page.instance.onAmountInput({ detail: { value: amount } });
  page.instance.onReasonChange({ detail: { value: String(reasonIndex) } });
  page.instance.onNoteInput({ detail: { value: note } });
}

function photoStates(page: Page): string[] {
  return page.instance.data.photos.map((p: { state: string }) => p.state);
}

/** The order in which wx calls happened (vitest numbers every mock call). */
function callOrder(fn: { mock: { invocationCallOrder: number[] } }, i = 0): number {
  return fn.mock.invocationCallOrder[i];
}

function refundPostOrder(): number {
  const i = stub.wx.request.mock.calls.findIndex((c) => c[0].method === 'POST' && c[0].url.endsWith(`/orders/${ORDER}/refunds`));
  return stub.wx.request.mock.invocationCallOrder[i];
}

describe('refund form', () => {
  it('opens with the amount still refundable, in yuan, 仅退款 chosen and the merchant’s reasons for it', async () => {
    const page = await openForm();
    expect(page.instance.data.amountText).toBe('136.00');
    expect(text(page, '.reason-value')).toBe('请选择');
    expect(page.instance.data.reasons).toEqual(['不想要了', '拍错了/多拍了', '商家未按时发货', '其他']);
    expect($(page, '.type-REFUND_ONLY')!.classList.contains('type-option--active')).toBe(true);
    expect(text(page, '.submit-btn')).toBe('提交申请');
    expect(stub.calls(CONFIG)[0].header.Authorization).toBeUndefined();
  });

  it.each(['abc', '1.234', '-1', '', '1e3', '.'])('shows an error for the amount %j and sends nothing', async (amount) => {
    const page = await openForm();
    fill(page, amount);
    tap(page, '.submit-btn');
    await settle();
    expect(text(page, '.amount-error')).toBe('请输入正确的金额，最多两位小数');
    expect(stub.calls(REFUNDS)).toHaveLength(0);
    expect(stub.toasts()).toContain('请输入正确的金额，最多两位小数');
  });

  it('refuses more than is refundable, and zero', async () => {
    const page = await openForm();
    fill(page, '136.01');
    tap(page, '.submit-btn');
    await settle();
    expect(text(page, '.amount-error')).toBe('最多可退 ¥136.00');

    fill(page, '0');
    tap(page, '.submit-btn');
    await settle();
    expect(text(page, '.amount-error')).toBe('退款金额至少 ¥0.01');
    expect(stub.calls(REFUNDS)).toHaveLength(0);
  });

  it('asks for a reason before sending', async () => {
    const page = await openForm();
    page.instance.onAmountInput({ detail: { value: '10' } });
    tap(page, '.submit-btn');
    await settle();
    expect(text(page, '.reason-error')).toBe('请选择退款原因');
    expect($(page, '.amount-error')).toBeNull();
    expect(stub.calls(REFUNDS)).toHaveLength(0);
  });

  it('converts the amount exactly, sends type, reason + note and no photos, and opens the refund', async () => {
    const page = await openForm();
    fill(page, '19.99', 1, '颜色和图片不一样');
    expect(text(page, '.reason-value')).toBe('拍错了/多拍了');
    tap(page, '.submit-btn');
    await settle();

    const [sent] = stub.calls(REFUNDS);
    expect(sent.data).toEqual({ amountFen: 1999, reason: '拍错了/多拍了：颜色和图片不一样', type: 'REFUND_ONLY', images: [] });
    expect(sent.header['Idempotency-Key']).toMatch(/^mp-[0-9a-z]+-[0-9a-z]{16}$/);
    expect(stub.wx.redirectTo).toHaveBeenCalledWith({ url: '/pages/refund-detail/index?refundNo=R9' });
  });

  it('submits once however fast the buyer taps, and shows the button loading meanwhile', async () => {
    let release: () => void = () => undefined;
    stub.route(REFUNDS, () => new Promise((resolve) => (release = () => resolve({ statusCode: 201, data: makeRefund({ refundNo: 'R9' }) }))));
    const page = await openForm();
    fill(page, '0.1', 0);

    tap(page, '.submit-btn');
    tap(page, '.submit-btn');
    await settle();
    tap(page, '.submit-btn');
    await settle();

    expect(page.instance.data.submitting).toBe(true);
    expect(stub.calls(REFUNDS)).toHaveLength(1);
    expect(stub.calls(REFUNDS)[0].data).toEqual({ amountFen: 10, reason: '不想要了', type: 'REFUND_ONLY', images: [] });
    release();
    await settle();
    expect(stub.calls(REFUNDS)).toHaveLength(1);
    expect(stub.wx.redirectTo).toHaveBeenCalledTimes(1);
  });

  it('retries with the same Idempotency-Key after a lost answer, so the server can hand back the same refund', async () => {
    let n = 0;
    stub.route(REFUNDS, () => (++n === 1 ? 'network-error' : { statusCode: 201, data: makeRefund({ refundNo: 'R9' }) }));
    const page = await openForm();
    fill(page, '5', 1);

    tap(page, '.submit-btn');
    await settle();
    expect(stub.toasts()).toContain('网络不给力，请检查网络后重试');
    expect(page.instance.data.submitting).toBe(false);
    tap(page, '.submit-btn');
    await settle();

    const keys = stub.calls(REFUNDS).map((r) => r.header['Idempotency-Key']);
    expect(keys).toHaveLength(2);
    expect(keys[0]).toBe(keys[1]);
    // The subscribe dialog is asked for once per form, not again on the retry.
    expect(stub.wx.requestSubscribeMessage).toHaveBeenCalledTimes(1);
  });

  it('shows the server refusal in Chinese and uses a fresh key for the corrected request', async () => {
    let n = 0;
    stub.route(REFUNDS, () =>
      ++n === 1
        ? { statusCode: 422, data: { error: { code: 'REFUND_AMOUNT_EXCEEDS', message: 'amountFen exceeds refundable' } } }
        : { statusCode: 201, data: makeRefund({ refundNo: 'R9' }) },
    );
    const page = await openForm();
    fill(page, '100', 0);
    tap(page, '.submit-btn');
    await settle();
    expect(stub.toasts()).toContain('退款金额超过了可退金额');

    fill(page, '50', 0);
    tap(page, '.submit-btn');
    await settle();
    const keys = stub.calls(REFUNDS).map((r) => r.header['Idempotency-Key']);
    expect(keys).toHaveLength(2);
    expect(keys[0]).not.toBe(keys[1]);
  });

  it('each opening of the form gets its own key', async () => {
    const first = await openForm();
    const second = await openForm();
    expect(first.instance.data.idempotencyKey).not.toBe(second.instance.data.idempotencyKey);
  });

  it('offers no form when the order cannot be refunded now', async () => {
    const page = await openForm({ status: 'REFUND_REQUESTED', canRequestRefund: false, refundableFen: 0 });
    expect(text(page, '.not-allowed')).toBe('该订单当前不能申请退款');
    expect($(page, '.submit-btn')).toBeNull();
    page.instance.onSubmit();
    await settle();
    expect(stub.calls(REFUNDS)).toHaveLength(0);
  });
});

describe('refund type', () => {
  it('退货退款 is disabled with a hint before the order is shipped', async () => {
    const page = await openForm({ shippingStatus: 'UNSHIPPED' });
    expect($(page, '.type-RETURN_AND_REFUND')!.classList.contains('type-option--disabled')).toBe(true);
    expect(text(page, '.type-hint')).toBe('商品还没有发货，只能申请仅退款');

    tap(page, '.type-RETURN_AND_REFUND');
    await settle();
    expect(page.instance.data.type).toBe('REFUND_ONLY');
    expect(stub.toasts()).toContain('商品还没有发货，只能申请仅退款');
  });

  it.each(['SHIPPED', 'RECEIVED'] as const)('once %s, 退货退款 brings its own reasons and is sent as the type', async (shippingStatus) => {
    const page = await openForm({ shippingStatus });
    expect($(page, '.type-RETURN_AND_REFUND')!.classList.contains('type-option--disabled')).toBe(false);
    expect($(page, '.type-hint')).toBeNull();
    fill(page, '20', 1);

    tap(page, '.type-RETURN_AND_REFUND');
    await settle();
    expect($(page, '.type-RETURN_AND_REFUND')!.classList.contains('type-option--active')).toBe(true);
    expect(page.instance.data.reasons).toEqual(['商品破损', '商品与描述不符', '质量问题', '其他']);
    // The pick was from the other list: it starts over.
    expect(text(page, '.reason-value')).toBe('请选择');

    page.instance.onReasonChange({ detail: { value: '0' } });
    tap(page, '.submit-btn');
    await settle();
    expect(stub.calls(REFUNDS)[0].data).toEqual({ amountFen: 2000, reason: '商品破损', type: 'RETURN_AND_REFUND', images: [] });
  });

  it('explains the server refusing a return for an order not shipped after all', async () => {
    stub.answer(REFUNDS, 422, { error: { code: 'NOT_SHIPPED', message: 'A return needs goods to send back' } });
    const page = await openForm({ shippingStatus: 'SHIPPED' });
    tap(page, '.type-RETURN_AND_REFUND');
    await settle();
    fill(page, '20', 0);
    tap(page, '.submit-btn');
    await settle();
    expect(stub.toasts()).toContain('商品还没有发货，请选择仅退款');
  });
});

describe('reasons', () => {
  it('其他 opens a field for the buyer’s own reason, which is then required and sent', async () => {
    const page = await openForm();
    expect($(page, '.own-reason-input')).toBeNull();
    fill(page, '5', 3);
    expect(text(page, '.reason-value')).toBe('其他');
    expect($(page, '.own-reason-input')).not.toBeNull();

    tap(page, '.submit-btn');
    await settle();
    expect(text(page, '.reason-error')).toBe('请写下退款原因');
    expect(stub.calls(REFUNDS)).toHaveLength(0);

    page.instance.onOwnReasonInput({ detail: { value: '  颜色和图片不一样 ' } });
    page.instance.onNoteInput({ detail: { value: '偏红' } });
    tap(page, '.submit-btn');
    await settle();
    expect(stub.calls(REFUNDS)[0].data).toMatchObject({ reason: '颜色和图片不一样：偏红' });

    page.instance.onReasonChange({ detail: { value: '0' } });
    expect($(page, '.own-reason-input')).toBeNull();
  });

  it('without the merchant’s list (config unavailable) the buyer writes the reason, and no subscription is asked', async () => {
    stub.route(CONFIG, () => 'network-error');
    const page = await openForm();
    expect(page.instance.data.reasons).toEqual(['其他']);
    fill(page, '5', 0);
    page.instance.onOwnReasonInput({ detail: { value: '不想要了' } });
    tap(page, '.submit-btn');
    await settle();
    expect(stub.calls(REFUNDS)[0].data).toMatchObject({ reason: '不想要了' });
    expect(stub.wx.requestSubscribeMessage).not.toHaveBeenCalled();
  });
});

describe('photos', () => {
  it('picks compressed images only, uploads each as "file" with the token, shows its progress, and sends the URLs', async () => {
    stub.holdUploads();
    const page = await openWithPhotos(2);

    expect(stub.wx.chooseMedia).toHaveBeenCalledWith(expect.objectContaining({ count: 9, mediaType: ['image'], sizeType: ['compressed'] }));
    expect(stub.uploads).toHaveLength(2);
    for (const u of stub.uploads) {
      expect(u).toMatchObject({ path: '/api/mp/uploads', name: 'file' });
      expect(u.header.Authorization).toBe('Bearer t');
    }
    expect(stub.uploads.map((u) => u.filePath)).toEqual(['wxfile://tmp/photo-1.jpg', 'wxfile://tmp/photo-2.jpg']);

    stub.uploads[0].progress(40);
    await settle();
    expect($$(page, '.photo-progress').map((el) => el.textContent?.trim())).toEqual(['40%', '0%']);
    expect(text(page, '.photo-count')).toBe('2/9');

    stub.uploads[0].answer(201, { url: '/api/uploads/first' });
    stub.uploads[1].answer(201, { url: '/api/uploads/second' });
    await settle();
    expect(photoStates(page)).toEqual(['done', 'done']);
    expect($(page, '.photo-progress')).toBeNull();
    expect($(page, '.photo-note')).toBeNull();

    fill(page, '5', 0);
    tap(page, '.submit-btn');
    await settle();
    expect(stub.calls(REFUNDS)[0].data).toMatchObject({ images: ['/api/uploads/first', '/api/uploads/second'] });
  });

  it('asks the album only for the photos still allowed, and a 10th photo is impossible', async () => {
    stub.pickPhotos(7);
    const page = await openForm();
    tap(page, '.photo-add');
    await settle(10);
    expect(page.instance.data.photos).toHaveLength(7);

    stub.pickPhotos(9);
    tap(page, '.photo-add');
    await settle(10);
    expect(stub.wx.chooseMedia).toHaveBeenLastCalledWith(expect.objectContaining({ count: 2 }));
    expect(page.instance.data.photos).toHaveLength(9);
    expect(text(page, '.photo-count')).toBe('9/9');
    expect($(page, '.photo-add')).toBeNull();

    await page.instance.onAddPhotos();
    expect(stub.wx.chooseMedia).toHaveBeenCalledTimes(2);
    expect(page.instance.data.photos).toHaveLength(9);
    expect(stub.toasts()).toContain('最多上传 9 张照片');
  });

  it('uploads three at a time, starting the next as one finishes', async () => {
    stub.holdUploads();
    const page = await openWithPhotos(5);
    expect(stub.uploads).toHaveLength(3);
    expect(photoStates(page)).toEqual(['uploading', 'uploading', 'uploading', 'waiting', 'waiting']);
    expect(text(page, '.photo-note')).toBe('正在上传 5 张照片…');

    stub.uploads[1].answer(201, { url: '/api/uploads/b' });
    await settle();
    expect(stub.uploads).toHaveLength(4);
    expect(stub.uploads[3].filePath).toBe('wxfile://tmp/photo-4.jpg');
  });

  it('a failed photo blocks the submit until it is retried', async () => {
    let n = 0;
    stub.onUpload((u) => setTimeout(() => (++n === 1 ? u.fail() : u.answer(201, { url: `/api/uploads/ok-${n}` })), 0));
    const page = await openWithPhotos();
    expect(photoStates(page)).toEqual(['failed']);
    expect(text(page, '.photo-failed-text')).toBe('上传失败');
    expect(text(page, '.photo-note')).toBe('1 张照片上传失败，请重试或删除后再提交');

    fill(page, '5', 0);
    tap(page, '.submit-btn');
    await settle();
    expect(stub.calls(REFUNDS)).toHaveLength(0);
    expect(stub.toasts()).toContain('有照片上传失败，请重试或删除');

    tap(page, '.photo-retry');
    await settle();
    expect(photoStates(page)).toEqual(['done']);
    tap(page, '.submit-btn');
    await settle();
    expect(stub.calls(REFUNDS)[0].data).toMatchObject({ images: ['/api/uploads/ok-2'] });
  });

  it('a failed photo blocks the submit until it is removed', async () => {
    stub.onUpload((u) =>
      setTimeout(() => (u.filePath.endsWith('photo-1.jpg') ? u.answer(413, { error: { code: 'PAYLOAD_TOO_LARGE', message: 'x' } }) : u.answer(201, { url: '/api/uploads/kept' })), 0),
    );
    const page = await openWithPhotos(2);
    expect(photoStates(page)).toEqual(['failed', 'done']);
    expect(stub.toasts()).toContain('照片超过 5 MB，请换一张');

    tap(page, '.photo-remove');
    await settle();
    expect(photoStates(page)).toEqual(['done']);
    fill(page, '5', 0);
    tap(page, '.submit-btn');
    await settle();
    expect(stub.calls(REFUNDS)[0].data).toMatchObject({ images: ['/api/uploads/kept'] });
  });

  it('a photo over 5 MB is not sent at all and cannot be retried', async () => {
    const page = await openWithPhotos(1, 6 * 1024 * 1024);
    expect(stub.uploads).toHaveLength(0);
    expect(photoStates(page)).toEqual(['failed']);
    expect($(page, '.photo-retry')).toBeNull();
  });

  it('waits for photos still uploading before submitting', async () => {
    stub.holdUploads();
    const page = await openWithPhotos();
    fill(page, '5', 0);
    tap(page, '.submit-btn');
    await settle();
    expect(stub.calls(REFUNDS)).toHaveLength(0);
    expect(stub.toasts()).toContain('照片还在上传，请稍候');
  });

  it('removing a photo while it uploads aborts the upload', async () => {
    stub.holdUploads();
    const page = await openWithPhotos();
    tap(page, '.photo-remove');
    await settle();
    expect(stub.uploads[0].aborted).toBe(true);
    expect(page.instance.data.photos).toEqual([]);
    // The abort's failure belongs to no photo any more: nothing is reported.
    expect(stub.toasts()).toEqual([]);
  });

  it('a tap on a thumbnail previews it among the others', async () => {
    const page = await openWithPhotos(2);
    const second = page.querySelectorAll('.photo-img')[1];
    second.dispatchEvent('tap');
    await settle();
    expect(stub.wx.previewImage).toHaveBeenCalledWith({
      urls: ['wxfile://tmp/photo-1.jpg', 'wxfile://tmp/photo-2.jpg'],
      current: 'wxfile://tmp/photo-2.jpg',
    });
  });

  it('closing the album sends nothing and says nothing', async () => {
    stub.wx.chooseMedia.mockImplementationOnce((o?: { fail?: (e: { errMsg: string }) => void }) => {
      setTimeout(() => o?.fail?.({ errMsg: 'chooseMedia:fail cancel' }), 0);
      return undefined;
    });
    const page = await openWithPhotos();
    expect(page.instance.data.photos).toEqual([]);
    expect(stub.toasts()).toEqual([]);
  });
});

describe('subscribe message', () => {
  it('asks for the merchant’s templates on the submit tap, before the request', async () => {
    const page = await openForm();
    fill(page, '5', 0);
    tap(page, '.submit-btn');
    await settle();
    expect(stub.wx.requestSubscribeMessage).toHaveBeenCalledWith(expect.objectContaining({ tmplIds: ['TPL-REFUND'] }));
    expect(stub.calls(REFUNDS)).toHaveLength(1);
    expect(callOrder(stub.wx.requestSubscribeMessage)).toBeLessThan(refundPostOrder());
  });

  it.each(['reject', 'fail'] as const)('a refusal (%s) still submits', async (answer) => {
    stub.answerSubscribe(answer);
    const page = await openForm();
    fill(page, '5', 0);
    tap(page, '.submit-btn');
    await settle();
    expect(stub.wx.requestSubscribeMessage).toHaveBeenCalledTimes(1);
    expect(stub.calls(REFUNDS)).toHaveLength(1);
    expect(stub.wx.redirectTo).toHaveBeenCalledWith({ url: '/pages/refund-detail/index?refundNo=R9' });
  });

  it('is not asked when the merchant has no template, nor when the form is not valid', async () => {
    const page = await openForm();
    tap(page, '.submit-btn');
    await settle();
    expect(stub.wx.requestSubscribeMessage).not.toHaveBeenCalled();

    forgetMpConfig();
    stub.answer(CONFIG, 200, makeConfig({ subscribeTemplateIds: [] }));
    const other = await openForm();
    fill(other, '5', 0);
    tap(other, '.submit-btn');
    await settle();
    expect(stub.wx.requestSubscribeMessage).not.toHaveBeenCalled();
    expect(stub.calls(REFUNDS)).toHaveLength(1);
  });
});
