// pages/confirm's delivery address, rendered with miniprogram-simulate: WeChat's picker fills the block, a
// refusal (or no picker at all) opens a form checked like the server, the last address comes back next time,
// and no order leaves without an address.
import { describe, it, expect, beforeEach } from 'vitest';
import { installWx, WECHAT_ADDRESS } from './support/wx-stub';
import type { WxStub } from './support/wx-stub';
import { ADDRESS, makeOrder } from './support/fixtures';
import { $, openPage, settle, tap, text } from './support/page-harness';
import { TOKEN_KEY } from '../../miniprogram/api/session';
import { LAST_ADDRESS_KEY } from '../../miniprogram/utils/address';
import type { Address } from '../../miniprogram/api/types';

const ORDER = 'M20261122000001';
const CREATE = 'POST /api/mp/orders';
const CHOSEN: Address = { name: '李四', phone: '020-81167888', province: '广东省', city: '广州市', district: '天河区', detail: '天河路 385 号' };

let stub: WxStub;

beforeEach(() => {
  stub = installWx();
  stub.storage.set(TOKEN_KEY, 't');
  stub.answer('GET /api/mp/products', 200, { items: [{ id: 1, name: '云南小粒咖啡豆 500g', priceFen: 6800, stock: 3, onSale: true }] });
  stub.answer(CREATE, 201, makeOrder({ orderNo: ORDER, status: 'UNPAID', paidAt: null }));
});

async function openConfirm() {
  const page = await openPage('confirm', { productId: '1' });
  await settle();
  return page;
}

type Page = Awaited<ReturnType<typeof openConfirm>>;

/** wx.chooseAddress calls `fail` once with this errMsg, as WeChat does on a refusal or a closed picker. */
function pickerFails(errMsg: string) {
  stub.wx.chooseAddress.mockImplementationOnce((opts) => {
    setTimeout(() => opts?.fail?.({ errMsg }), 0);
    return undefined;
  });
}

/** Types into the form's input for `field`, through the template's bindinput. */
function type(page: Page, field: keyof Address, value: string) {
  const input = page.querySelector(`.input-${field}`);
  if (!input) throw new Error(`no input for ${field}`);
  input.dispatchEvent('input', { detail: { value } });
}

function fillForm(page: Page, address: Address) {
  for (const [field, value] of Object.entries(address)) type(page, field as keyof Address, value);
}

describe('confirm page: delivery address', () => {
  it('fills the block from WeChat’s picker and remembers it', async () => {
    const page = await openConfirm();
    expect(text(page, '.address-empty')).toContain('选择收货地址');

    tap(page, '.address-card');
    await settle();
    expect(stub.wx.chooseAddress).toHaveBeenCalledTimes(1);
    expect(text(page, '.address-person')).toBe('李四 020-81167888');
    expect(text(page, '.address-text')).toBe('广东省 广州市 天河区 天河路 385 号');
    expect(stub.storage.get(LAST_ADDRESS_KEY)).toEqual(CHOSEN);
  });

  it('offers the last address used again, and sends it with the order', async () => {
    stub.storage.set(LAST_ADDRESS_KEY, ADDRESS);
    const page = await openConfirm();
    expect(text(page, '.address-person')).toBe('张三 13800000000');
    expect(text(page, '.address-text')).toBe('广东省 广州市 海珠区 新港中路 397 号');

    tap(page, '.submit-btn');
    await settle();
    expect(stub.calls(CREATE)).toHaveLength(1);
    expect(stub.calls(CREATE)[0].data).toEqual({ items: [{ productId: 1, quantity: 1 }], address: ADDRESS });
    expect(stub.wx.redirectTo).toHaveBeenCalledWith({ url: `/pages/pay/index?orderNo=${ORDER}` });
  });

  it('sends the address just picked in the request body', async () => {
    const page = await openConfirm();
    tap(page, '.address-card');
    await settle();
    tap(page, '.submit-btn');
    await settle();
    expect(stub.calls(CREATE)[0].data).toEqual({ items: [{ productId: 1, quantity: 1 }], address: CHOSEN });
  });

  it('blocks the order without an address and says why', async () => {
    const page = await openConfirm();
    tap(page, '.submit-btn');
    await settle();
    expect(stub.calls(CREATE)).toHaveLength(0);
    expect(stub.toasts()).toContain('请先选择收货地址');
    expect($(page, '.address-card--missing')).not.toBeNull();
    expect(text(page, '.address-empty')).toContain('请先选择收货地址');
  });

  it('opens the hand-typed form when the buyer refuses the permission', async () => {
    pickerFails('chooseAddress:fail auth deny');
    const page = await openConfirm();
    tap(page, '.address-card');
    await settle();
    expect($(page, '.address-form')).not.toBeNull();
    expect(text(page, '.form-hint')).toBe('未能使用微信收货地址，请手动填写');
  });

  it('opens the form where there is no picker at all (a simulator)', async () => {
    (stub.wx as Partial<WxStub['wx']>).chooseAddress = undefined;
    const page = await openConfirm();
    tap(page, '.address-card');
    await settle();
    expect($(page, '.address-form')).not.toBeNull();
  });

  it('does nothing when the buyer only closes the picker', async () => {
    pickerFails('chooseAddress:fail cancel');
    const page = await openConfirm();
    tap(page, '.address-card');
    await settle();
    expect($(page, '.address-form')).toBeNull();
    expect(page.instance.data.address).toBeNull();
  });

  it('checks the form like the server: every field, and the phone’s characters', async () => {
    pickerFails('chooseAddress:fail auth deny');
    const page = await openConfirm();
    tap(page, '.address-card');
    await settle();

    tap(page, '.save-address-btn');
    await settle();
    expect(text(page, '.error-name')).toBe('请填写收货人');
    expect(text(page, '.error-phone')).toBe('请填写手机号码');
    expect(text(page, '.error-detail')).toBe('请填写详细地址');
    expect(stub.toasts()).toContain('请填写收货人');

    fillForm(page, { ...ADDRESS, phone: '138-abcd-0000' });
    await settle();
    expect($(page, '.error-name')).toBeNull(); // typing clears a field's message
    tap(page, '.save-address-btn');
    await settle();
    expect(text(page, '.error-phone')).toBe('手机号码应为 5–20 位数字，可含 + 或 -');
    expect(stub.toasts()).toContain('手机号码应为 5–20 位数字，可含 + 或 -');
    expect($(page, '.address-form')).not.toBeNull();

    for (const phone of ['1234', '1'.repeat(21)]) {
      type(page, 'phone', phone);
      tap(page, '.save-address-btn');
      await settle();
      expect(text(page, '.error-phone')).toBe('手机号码应为 5–20 位数字，可含 + 或 -');
    }
    type(page, 'detail', '很'.repeat(101));
    tap(page, '.save-address-btn');
    await settle();
    expect(text(page, '.error-detail')).toBe('详细地址最多 100 个字');

    // While the form is open and unsaved, nothing is ordered.
    tap(page, '.submit-btn');
    await settle();
    expect(stub.calls(CREATE)).toHaveLength(0);
    expect(stub.toasts()).toContain('请先保存收货地址');

    type(page, 'phone', ' +86 138 0000 0000 ');
    type(page, 'detail', '  新港中路 397 号 ');
    tap(page, '.save-address-btn');
    await settle();
    const typed = { ...ADDRESS, phone: '+8613800000000' };
    expect($(page, '.address-form')).toBeNull();
    expect(text(page, '.address-person')).toBe('张三 +8613800000000');
    expect(stub.storage.get(LAST_ADDRESS_KEY)).toEqual(typed);

    tap(page, '.submit-btn');
    await settle();
    expect(stub.calls(CREATE)[0].data).toEqual({ items: [{ productId: 1, quantity: 1 }], address: typed });
  });

  it('sends an address WeChat gave that breaks a limit to the form, with the field marked', async () => {
    stub.wx.chooseAddress.mockImplementationOnce((opts) => {
      setTimeout(() => opts?.success?.({ errMsg: 'chooseAddress:ok', ...WECHAT_ADDRESS, telNumber: '020 8116 7888 转 8' }), 0);
      return undefined;
    });
    const page = await openConfirm();
    tap(page, '.address-card');
    await settle();
    expect($(page, '.address-form')).not.toBeNull();
    expect(text(page, '.error-phone')).toBe('手机号码应为 5–20 位数字，可含 + 或 -');
    expect(page.instance.data.form.name).toBe('李四');
    expect(stub.storage.has(LAST_ADDRESS_KEY)).toBe(false);
  });

  it('手动填写 edits the current address without opening WeChat’s picker', async () => {
    stub.storage.set(LAST_ADDRESS_KEY, ADDRESS);
    const page = await openConfirm();
    tap(page, '.manual-btn');
    await settle();
    expect(stub.wx.chooseAddress).not.toHaveBeenCalled();
    expect(page.instance.data.form).toEqual(ADDRESS);
    tap(page, '.cancel-form-btn');
    await settle();
    expect($(page, '.address-form')).toBeNull();
    expect(text(page, '.address-person')).toBe('张三 13800000000');
  });

  it('ignores a stored address this build cannot use', async () => {
    stub.storage.set(LAST_ADDRESS_KEY, { name: '张三', phone: 'x' });
    const page = await openConfirm();
    expect(page.instance.data.address).toBeNull();
  });
});
