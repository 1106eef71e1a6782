// pages/refund-detail rendered with miniprogram-simulate: the progress step and the buttons for every status,
// the merchant's reject reason, the failure reason, cancelling (buttons come from the refund's `actions`), the
// type and evidence photos, a return (address + copy, the parcel form when `actions` offers `return`, the parcel
// once sent) and the whole timeline.
import { describe, it, expect, beforeEach, afterEach, vi } from 'vitest';
import { installWx } from './support/wx-stub';
import type { WxStub } from './support/wx-stub';
import { makeRefund, makeShipment, RETURN_ADDRESS } from './support/fixtures';
import { $, $$, closePages, openPage, settle, tap, text } from './support/page-harness';
import { TOKEN_KEY } from '../../miniprogram/api/session';
import type { Refund, RefundStatus } from '../../miniprogram/api/types';

const GET = 'GET /api/mp/refunds/R1';
const CANCEL = 'POST /api/mp/refunds/R1/cancel';
const RETURN = 'POST /api/mp/refunds/R1/return';

let stub: WxStub;

beforeEach(() => {
  stub = installWx();
  stub.storage.set(TOKEN_KEY, 't');
});

afterEach(() => {
  closePages();
  vi.useRealTimers();
});

async function openWith(refund: Partial<Refund>) {
  stub.answer(GET, 200, makeRefund({ refundNo: 'R1', ...refund }));
  const page = await openPage('refund-detail', { refundNo: 'R1' });
  await settle();
  return page;
}

function steps(page: Awaited<ReturnType<typeof openWith>>) {
  return $$(page, '.step').map((el) => {
    const state = Array.from(el.classList).find((c) => c.startsWith('step--'))?.slice('step--'.length);
    return `${el.querySelector('.step-text')?.textContent?.trim()}:${state}`;
  });
}

describe('refund detail', () => {
  it.each<[RefundStatus, string[], string[], string]>([
    ['REQUESTED', ['cancel'], ['已申请:current', '已同意:todo', '退款中:todo', '已退款:todo'], '已申请'],
    ['APPROVED', [], ['已申请:done', '已同意:current', '退款中:todo', '已退款:todo'], '已同意'],
    ['REFUNDING', [], ['已申请:done', '已同意:done', '退款中:current', '已退款:todo'], '退款中'],
    ['REFUNDED', [], ['已申请:done', '已同意:done', '退款中:done', '已退款:done'], '已退款'],
    ['REJECTED', [], ['已申请:done', '已拒绝:error'], '已拒绝'],
    ['CANCELLED', [], ['已申请:done', '已取消:error'], '已取消'],
    ['FAILED', [], ['已申请:done', '已同意:done', '退款中:done', '退款失败:error'], '退款失败'],
  ])('%s: steps, tag and buttons', async (status, actions, expectedSteps, tag) => {
    const page = await openWith({ status, actions });
    expect(steps(page)).toEqual(expectedSteps);
    expect(text(page, '.refund-status')).toBe(tag);
    expect(text(page, '.amount')).toBe('¥12.00');
    const buttons = $$(page, '.action-btn').map((b) => b.textContent?.trim());
    expect(buttons).toEqual(actions.includes('cancel') ? ['取消申请'] : []);
  });

  it('draws buttons from `actions`, not from the status', async () => {
    const page = await openWith({ status: 'REQUESTED', actions: [] });
    expect($(page, '.action-btn')).toBeNull();
  });

  it('shows the merchant’s reason for a rejection', async () => {
    const page = await openWith({ status: 'REJECTED', actions: [], rejectReason: '商品已拆封，影响二次销售' });
    expect(text(page, '.reject-reason')).toBe('商品已拆封，影响二次销售');
    expect($(page, '.fail-reason')).toBeNull();
  });

  it('shows why a refund failed', async () => {
    const page = await openWith({ status: 'FAILED', actions: [], failCode: 'NOTENOUGH', failReason: '基本账户余额不足' });
    expect(text(page, '.fail-reason')).toBe('基本账户余额不足');
    expect($(page, '.reject-reason')).toBeNull();
  });

  it('shows the buyer’s reason and the refund number', async () => {
    const page = await openWith({ reason: '其他：颜色不对' });
    expect(text(page, '.reason')).toBe('其他：颜色不对');
    expect(page.dom!.textContent).toContain('R1');
  });

  it('取消申请 asks first, then cancels once and redraws without the button', async () => {
    stub.answer(CANCEL, 200, makeRefund({ refundNo: 'R1', status: 'CANCELLED', actions: [] }));
    const page = await openWith({ status: 'REQUESTED', actions: ['cancel'] });
    // What the server says after the cancel, timeline included (the page reloads for it).
    stub.answer(GET, 200, makeRefund({ refundNo: 'R1', status: 'CANCELLED', actions: [], events: [
      { at: '2026-11-22T03:04:05.000Z', from: null, to: 'REQUESTED', action: 'request', by: 'buyer' },
      { at: '2026-11-22T03:10:00.000Z', from: 'REQUESTED', to: 'CANCELLED', action: 'cancel', by: 'buyer' },
    ] }));

    tap(page, '.action-cancel');
    tap(page, '.action-cancel');
    await settle();

    expect(stub.wx.showModal).toHaveBeenCalledTimes(1);
    expect(stub.calls(CANCEL)).toHaveLength(1);
    expect(stub.wx.showLoading).toHaveBeenCalledWith({ title: '正在取消', mask: true });
    expect(stub.wx.hideLoading).toHaveBeenCalledTimes(1);
    expect(text(page, '.refund-status')).toBe('已取消');
    expect(steps(page)).toEqual(['已申请:done', '已取消:error']);
    expect($(page, '.action-btn')).toBeNull();
    expect($$(page, '.timeline-text').map((el) => el.textContent?.trim())).toEqual(['取消申请', '提交申请']);
  });

  it('does nothing when the buyer changes their mind in the dialog', async () => {
    stub.wx.showModal.mockImplementationOnce(() => Promise.resolve({ confirm: false, cancel: true, errMsg: 'showModal:ok' }));
    const page = await openWith({ status: 'REQUESTED', actions: ['cancel'] });
    tap(page, '.action-cancel');
    await settle();
    expect(stub.calls(CANCEL)).toHaveLength(0);
    expect($(page, '.action-cancel')).not.toBeNull();
  });

  it('explains a refused cancel (the merchant got there first) in Chinese', async () => {
    stub.answer(CANCEL, 409, { error: { code: 'INVALID_STATE', message: 'refund is APPROVED' } });
    const page = await openWith({ status: 'REQUESTED', actions: ['cancel'] });
    tap(page, '.action-cancel');
    await settle();
    expect(stub.toasts()).toContain('当前状态不能进行此操作，请刷新后重试');
    expect(page.instance.data.acting).toBe(false);
  });

  it('pull-to-refresh reloads the refund and stops the spinner', async () => {
    const page = await openWith({ status: 'APPROVED', actions: [] });
    stub.answer(GET, 200, makeRefund({ refundNo: 'R1', status: 'REFUNDED', actions: [] }));
    await page.instance.onPullDownRefresh();
    expect(text(page, '.refund-status')).toBe('已退款');
    expect(stub.wx.stopPullDownRefresh).toHaveBeenCalled();
  });

  it('the order number leads back to the order', async () => {
    const page = await openWith({ orderNo: 'M5' });
    tap(page, '.order-link');
    await settle();
    expect(stub.wx.navigateTo).toHaveBeenCalledWith({ url: '/pages/order-detail/index?orderNo=M5' });

    stub.pageStack.push({ route: 'pages/order-detail/index', options: { orderNo: 'M5' } }, { route: 'pages/refund-detail/index', options: {} });
    tap(page, '.order-link');
    await settle();
    expect(stub.wx.navigateBack).toHaveBeenCalledTimes(1);
  });

  it('shows the type and the evidence photos, each previewed among the others', async () => {
    const page = await openWith({ type: 'RETURN_AND_REFUND', images: ['/api/uploads/a1', '/api/uploads/b2'] });
    expect(text(page, '.refund-type')).toBe('退货退款');
    const photos = $$(page, '.evidence-photo');
    expect(photos).toHaveLength(2);
    expect(page.instance.data.photos).toEqual(['http://127.0.0.1:3000/api/uploads/a1', 'http://127.0.0.1:3000/api/uploads/b2']);

    page.querySelectorAll('.evidence-photo')[1].dispatchEvent('tap');
    await settle();
    expect(stub.wx.previewImage).toHaveBeenCalledWith({
      urls: ['http://127.0.0.1:3000/api/uploads/a1', 'http://127.0.0.1:3000/api/uploads/b2'],
      current: 'http://127.0.0.1:3000/api/uploads/b2',
    });
  });

  it('a refund without photos shows none, and 仅退款', async () => {
    const page = await openWith({});
    expect(text(page, '.refund-type')).toBe('仅退款');
    expect($(page, '.evidence-photo')).toBeNull();
  });

  it('draws the timeline: every event, newest first, in Beijing time, with who did it', async () => {
    const page = await openWith({
      type: 'RETURN_AND_REFUND',
      status: 'REFUNDING',
      actions: [],
      returnShipment: makeShipment({ trackingNo: 'YT123' }),
      events: [
        { at: '2026-11-22T03:04:05.000Z', from: null, to: 'REQUESTED', action: 'request', by: 'buyer' },
        { at: '2026-11-22T05:00:00.000Z', from: 'REQUESTED', to: 'AWAITING_RETURN', action: 'approve', by: 'merchant' },
        { at: '2026-11-23T01:00:00.000Z', from: 'AWAITING_RETURN', to: 'RETURN_SHIPPED', action: 'return', by: 'buyer' },
        { at: '2026-11-25T02:00:00.000Z', from: 'RETURN_SHIPPED', to: 'APPROVED', action: 'receive', by: 'merchant' },
        { at: '2026-11-25T02:00:01.000Z', from: 'APPROVED', to: 'REFUNDING', action: 'dispatch', by: 'system' },
      ],
    });
    const rows = $$(page, '.timeline-item').map((el) => [el.querySelector('.timeline-text')?.textContent?.trim(), el.querySelector('.timeline-meta')?.textContent?.trim()]);
    expect(rows).toEqual([
      ['系统向微信支付发起退款', '系统 · 2026-11-25 10:00'],
      ['商家确认收货', '商家 · 2026-11-25 10:00'],
      ['已寄回商品', '你 · 2026-11-23 09:00'],
      ['商家同意退货，等待寄回商品', '商家 · 2026-11-22 13:00'],
      ['提交申请', '你 · 2026-11-22 11:04'],
    ]);
  });

  describe('a return', () => {
    const awaiting = { type: 'RETURN_AND_REFUND' as const, status: 'AWAITING_RETURN' as const, returnAddress: RETURN_ADDRESS, actions: ['return', 'cancel'] };

    it('steps through 待寄回 and 已寄回', async () => {
      const page = await openWith(awaiting);
      expect(steps(page)).toEqual(['已申请:done', '待寄回:current', '已寄回:todo', '已同意:todo', '退款中:todo', '已退款:todo']);
      expect(text(page, '.refund-status')).toBe('待寄回');
      expect(text(page, '.hint')).toBe('商家已同意退货，请按下方地址寄回商品并填写快递单号');
    });

    it('shows where to send the goods, and 复制 copies the whole address', async () => {
      const page = await openWith(awaiting);
      expect(text(page, '.return-person')).toBe('售后部 王五 020-12345678');
      expect(text(page, '.return-address')).toBe('广东省广州市天河区体育西路 1 号 售后仓');
      tap(page, '.copy-address');
      await settle();
      expect(stub.wx.setClipboardData).toHaveBeenCalledWith(
        expect.objectContaining({ data: '售后部 王五 020-12345678 广东省广州市天河区体育西路 1 号 售后仓' }),
      );
      expect(stub.toasts()).toContain('已复制');
      // 取消申请 stays, from `actions`.
      expect($$(page, '.action-btn').map((b) => b.textContent?.trim())).toEqual(['取消申请']);
    });

    it('offers the parcel form only when `actions` has return', async () => {
      const page = await openWith(awaiting);
      expect($(page, '.return-form')).not.toBeNull();
      closePages();
      const without = await openWith({ ...awaiting, actions: ['cancel'] });
      expect($(without, '.return-form')).toBeNull();
      expect($(without, '.return-address-card')).not.toBeNull();
    });

    it('sends the carrier’s code and the tracking number (spaces dropped), then shows the parcel', async () => {
      const page = await openWith(awaiting);
      const shipped = makeRefund({
        refundNo: 'R1',
        type: 'RETURN_AND_REFUND',
        status: 'RETURN_SHIPPED',
        actions: [],
        returnAddress: RETURN_ADDRESS,
        returnShipment: makeShipment({ carrier: 'ZTO', carrierName: '中通快递', trackingNo: 'ZT12345678' }),
      });
      stub.answer(RETURN, 200, shipped);
      stub.answer(GET, 200, shipped);

      page.instance.onCarrierChange({ detail: { value: '1' } });
      page.instance.onTrackingInput({ detail: { value: ' ZT 1234 5678 ' } });
      expect(text(page, '.carrier-value')).toBe('中通快递');
      tap(page, '.return-submit');
      tap(page, '.return-submit');
      await settle();

      expect(stub.wx.showModal).toHaveBeenCalledTimes(1);
      expect(stub.wx.showModal.mock.calls[0][0]).toMatchObject({ title: '确认退货物流', content: expect.stringContaining('中通快递 ZT12345678') });
      expect(stub.calls(RETURN)).toHaveLength(1);
      expect(stub.calls(RETURN)[0].data).toEqual({ carrier: 'ZTO', trackingNo: 'ZT12345678' });
      expect(text(page, '.refund-status')).toBe('已寄回');
      expect(text(page, '.return-carrier')).toBe('中通快递');
      expect(text(page, '.return-tracking')).toBe('ZT12345678');
      expect($(page, '.return-form')).toBeNull();
      expect($(page, '.return-address-card')).toBeNull();
    });

    it.each([
      ['', 0, '请填写快递单号'],
      ['顺丰SF123', 0, '快递单号只能包含字母、数字和 -，最多 64 位'],
      ['SF#123', 0, '快递单号只能包含字母、数字和 -，最多 64 位'],
      ['SF123', -1, '请选择快递公司'],
    ])('refuses the tracking number %j (carrier %i) with a message, sending nothing', async (trackingNo, carrierIndex, message) => {
      const page = await openWith(awaiting);
      if (carrierIndex >= 0) page.instance.onCarrierChange({ detail: { value: String(carrierIndex) } });
      page.instance.onTrackingInput({ detail: { value: trackingNo } });
      tap(page, '.return-submit');
      await settle();
      expect(text(page, '.return-error')).toBe(message);
      expect(stub.toasts()).toContain(message);
      expect(stub.calls(RETURN)).toHaveLength(0);
    });

    it('explains a refused parcel in Chinese and keeps the form', async () => {
      stub.answer(RETURN, 400, { error: { code: 'VALIDATION_FAILED', message: 'carrier: XX is not a carrier WeChat knows.' } });
      const page = await openWith(awaiting);
      page.instance.onCarrierChange({ detail: { value: '0' } });
      page.instance.onTrackingInput({ detail: { value: 'SF123' } });
      tap(page, '.return-submit');
      await settle();
      expect(stub.toasts()).toContain('提交的信息有误，请检查后重试');
      expect($(page, '.return-form')).not.toBeNull();
      expect(page.instance.data.returning).toBe(false);
    });

    it('once RETURN_SHIPPED, shows the parcel and waits for the merchant', async () => {
      const page = await openWith({
        type: 'RETURN_AND_REFUND',
        status: 'RETURN_SHIPPED',
        actions: [],
        returnAddress: RETURN_ADDRESS,
        returnShipment: makeShipment({ trackingNo: 'SF1234567890', shippedAt: '2026-11-23T01:00:00.000Z' }),
      });
      expect(text(page, '.return-carrier')).toBe('顺丰速运');
      expect(text(page, '.return-tracking')).toBe('SF1234567890');
      expect(page.dom!.textContent).toContain('2026-11-23 09:00');
      expect(text(page, '.hint')).toBe('商品已寄回，等待商家确认收货后退款');
      expect(steps(page)).toEqual(['已申请:done', '待寄回:done', '已寄回:current', '已同意:todo', '退款中:todo', '已退款:todo']);
      expect($(page, '.return-form')).toBeNull();
      expect($(page, '.return-address-card')).toBeNull();
    });

    it('says when the system closed it because nothing was sent back', async () => {
      const page = await openWith({
        type: 'RETURN_AND_REFUND',
        status: 'CANCELLED',
        actions: [],
        events: [
          { at: '2026-11-22T03:04:05.000Z', from: null, to: 'REQUESTED', action: 'request', by: 'buyer' },
          { at: '2026-11-22T05:00:00.000Z', from: 'REQUESTED', to: 'AWAITING_RETURN', action: 'approve', by: 'merchant' },
          { at: '2026-11-29T05:00:00.000Z', from: 'AWAITING_RETURN', to: 'CANCELLED', action: 'return_timeout', by: 'system' },
        ],
      });
      expect(text(page, '.hint')).toBe('超时未寄回商品，申请已自动关闭');
      expect(text(page, '.timeline-item--latest .timeline-text')).toBe('超时未寄回商品，系统自动关闭申请');
    });

    it('after the merchant received the goods, says the money comes next', async () => {
      const page = await openWith({ type: 'RETURN_AND_REFUND', status: 'APPROVED', actions: [], returnShipment: makeShipment() });
      expect(text(page, '.hint')).toBe('商家已确认收到退货，即将原路退回');
    });
  });

  describe('while the money is on its way', () => {
    // Fake timers: the page's 5 s refresh and the stub's 0 ms answers advance together.
    const flush = () => vi.advanceTimersByTimeAsync(20);

    it('looks again every 5 s until the refund settles, then stops', async () => {
      vi.useFakeTimers();
      stub.answer(GET, 200, makeRefund({ refundNo: 'R1', status: 'REFUNDING', actions: [] }));
      const page = await openPage('refund-detail', { refundNo: 'R1' });
      await flush();
      expect(text(page, '.refund-status')).toBe('退款中');
      expect(stub.calls(GET)).toHaveLength(1);

      stub.answer(GET, 200, makeRefund({ refundNo: 'R1', status: 'REFUNDED', actions: [] }));
      await vi.advanceTimersByTimeAsync(5000);
      await flush();
      expect(stub.calls(GET)).toHaveLength(2);
      expect(text(page, '.refund-status')).toBe('已退款');

      await vi.advanceTimersByTimeAsync(30000);
      expect(stub.calls(GET)).toHaveLength(2);
    });

    it('does not poll a refund waiting for the merchant, nor a hidden page, and stays quiet on a failed round', async () => {
      vi.useFakeTimers();
      stub.answer(GET, 200, makeRefund({ refundNo: 'R1', status: 'REQUESTED' }));
      await openPage('refund-detail', { refundNo: 'R1' });
      await flush();
      await vi.advanceTimersByTimeAsync(20000);
      expect(stub.calls(GET)).toHaveLength(1);
      closePages();

      stub.answer(GET, 200, makeRefund({ refundNo: 'R1', status: 'APPROVED', actions: [] }));
      const page = await openPage('refund-detail', { refundNo: 'R1' });
      await flush();
      stub.route(GET, () => 'network-error');
      await vi.advanceTimersByTimeAsync(5000);
      await flush();
      expect(stub.calls(GET)).toHaveLength(3);
      expect(stub.toasts()).toEqual([]);
      expect(text(page, '.refund-status')).toBe('已同意');

      page.instance.onHide();
      await vi.advanceTimersByTimeAsync(30000);
      expect(stub.calls(GET)).toHaveLength(3);
    });
  });
});
