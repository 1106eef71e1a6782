// pages/refund-detail rendered with miniprogram-simulate: the progress step and the buttons for every status,
// the merchant's reject reason, the failure reason, and cancelling (buttons come from the refund's `actions`).
import { describe, it, expect, beforeEach, afterEach, vi } from 'vitest';
import { installWx } from './support/wx-stub';
import type { WxStub } from './support/wx-stub';
import { makeRefund } from './support/fixtures';
import { $, $$, closePages, openPage, settle, tap, text } from './support/page-harness';
import { TOKEN_KEY } from '../../miniprogram/api/session';
import type { Refund, RefundStatus } from '../../miniprogram/api/types';

const GET = 'GET /api/mp/refunds/R1';
const CANCEL = 'POST /api/mp/refunds/R1/cancel';

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
