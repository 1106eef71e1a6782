// pages/refund-form rendered with miniprogram-simulate (official WXML compiler): validation, exact yuan → fen,
// the reason picker and note, one submission per tap storm, and the Idempotency-Key kept across retries.
import { describe, it, expect, beforeEach } from 'vitest';
import { installWx } from './support/wx-stub';
import type { WxStub } from './support/wx-stub';
import { makeOrder, makeRefund } from './support/fixtures';
import { $, openPage, settle, tap, text } from './support/page-harness';
import { TOKEN_KEY } from '../../miniprogram/api/session';

const ORDER = 'M20261122000001';
const REFUNDS = `POST /api/mp/orders/${ORDER}/refunds`;

let stub: WxStub;

beforeEach(() => {
  stub = installWx();
  stub.storage.set(TOKEN_KEY, 't');
  stub.answer(`GET /api/mp/orders/${ORDER}`, 200, makeOrder({ refundableFen: 13600 }));
  stub.answer(REFUNDS, 201, makeRefund({ refundNo: 'R9' }));
});

async function openForm() {
  const page = await openPage('refund-form', { orderNo: ORDER });
  await settle();
  return page;
}

type Page = Awaited<ReturnType<typeof openForm>>;

function fill(page: Page, amount: string, reasonIndex = 0, note = '') {
  page.instance.onAmountInput({ detail: { value: amount } });
  page.instance.onReasonChange({ detail: { value: String(reasonIndex) } });
  page.instance.onNoteInput({ detail: { value: note } });
}

describe('refund form', () => {
  it('opens with the amount still refundable, in yuan, and the five reasons', async () => {
    const page = await openForm();
    expect(page.instance.data.amountText).toBe('136.00');
    expect(text(page, '.reason-value')).toBe('请选择');
    expect(page.instance.data.reasons).toEqual(['不想要了', '商品有质量问题', '商品与描述不符', '发货太慢', '其他']);
    expect(text(page, '.submit-btn')).toBe('提交申请');
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

  it('converts the amount exactly, sends reason + note, and opens the refund', async () => {
    const page = await openForm();
    fill(page, '19.99', 4, '颜色和图片不一样');
    expect(text(page, '.reason-value')).toBe('其他');
    tap(page, '.submit-btn');
    await settle();

    const [sent] = stub.calls(REFUNDS);
    expect(sent.data).toEqual({ amountFen: 1999, reason: '其他：颜色和图片不一样' });
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
    expect(stub.calls(REFUNDS)[0].data).toEqual({ amountFen: 10, reason: '不想要了' });
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
    stub.answer(`GET /api/mp/orders/${ORDER}`, 200, makeOrder({ status: 'REFUND_REQUESTED', canRequestRefund: false, refundableFen: 0 }));
    const page = await openForm();
    expect(text(page, '.not-allowed')).toBe('该订单当前不能申请退款');
    expect($(page, '.submit-btn')).toBeNull();
    page.instance.onSubmit();
    await settle();
    expect(stub.calls(REFUNDS)).toHaveLength(0);
  });
});
