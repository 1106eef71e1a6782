// 确认订单: a delivery address (WeChat's picker, or typed by hand), a quantity for one product, then place the
// order and go to payment. The last address used is offered again for the next order.
import { createOrder } from '../../api/orders';
import { listProducts } from '../../api/products';
import { messageOf } from '../../api/errors';
import type { Address, Product } from '../../api/types';
import { formatFen } from '../../utils/money';
import {
  ADDRESS_FIELDS,
  ADDRESS_MAX_LENGTH,
  addressText,
  chooseWechatAddress,
  emptyAddress,
  firstError,
  loadLastAddress,
  normalizeAddress,
  saveLastAddress,
  validateAddress,
} from '../../utils/address';
import type { AddressErrors, AddressField } from '../../utils/address';
import { toastError, toastText } from '../../utils/feedback';

// One order line is capped; a buyer wanting more is better served by a person than by a stepper.
const MAX_QUANTITY = 99;

Page({
  data: {
    loading: true,
    error: '',
    product: null as Product | null,
    priceText: '',
    quantity: 1,
    maxQuantity: 1,
    totalText: '',
    submitting: false,
    address: null as Address | null,
    addressText: '',
    // Set by a submit without an address, so the block shows what is missing.
    addressMissing: false,
    editing: false,
    form: emptyAddress(),
    formErrors: {} as AddressErrors,
    formHint: '',
    fields: ADDRESS_FIELDS,
    fieldMax: ADDRESS_MAX_LENGTH,
  },

  onLoad(query: Record<string, string | undefined>) {
    const last = loadLastAddress();
    if (last) this.setAddress(last);
    this.load(Number(query.productId));
  },

  async load(productId: number) {
    this.setData({ loading: true });
    try {
      // The buyer API has no single-product call; the list is short and already what the buyer just saw.
      const product = (await listProducts()).find((p) => p.id === productId);
      if (!product) {
        this.setData({ error: '商品已下架或不存在' });
        return;
      }
      const maxQuantity = Math.max(0, Math.min(product.stock, MAX_QUANTITY));
      this.setData({ product, priceText: formatFen(product.priceFen), maxQuantity, error: '' });
      this.setQuantity(1);
    } catch (err) {
      this.setData({ error: messageOf(err) });
      toastError(err);
    } finally {
      this.setData({ loading: false });
    }
  },

  setQuantity(quantity: number) {
    const product = this.data.product;
    if (!product) return;
    const q = Math.max(1, Math.min(quantity, this.data.maxQuantity || 1));
    this.setData({ quantity: q, totalText: formatFen(product.priceFen * q) });
  },

  onMinus() {
    this.setQuantity(this.data.quantity - 1);
  },

  onPlus() {
    this.setQuantity(this.data.quantity + 1);
  },

  setAddress(address: Address) {
    this.setData({ address, addressText: addressText(address), addressMissing: false });
  },

  async onChooseAddress() {
    const result = await chooseWechatAddress();
    if (result.kind === 'cancelled') return;
    if (result.kind === 'unavailable') {
      this.openForm(this.data.address ?? emptyAddress(), '未能使用微信收货地址，请手动填写');
      return;
    }
    const errors = validateAddress(result.address);
    if (firstError(errors)) {
      // WeChat's address may break one of our limits (a very long line, a phone with other characters): fix it by hand.
      this.openForm(result.address, '这个地址有几项需要修改', errors);
      return;
    }
    this.useAddress(result.address);
  },

  onEditAddress() {
    this.openForm(this.data.address ?? emptyAddress(), '');
  },

  openForm(form: Address, formHint: string, formErrors: AddressErrors = {}) {
    this.setData({ editing: true, form, formHint, formErrors });
  },

  onFormInput(e: WechatMiniprogram.Input) {
    const field = String(e.currentTarget.dataset.field) as AddressField;
    this.setData({ [`form.${field}`]: e.detail.value, [`formErrors.${field}`]: '' });
  },

  onCancelForm() {
    this.setData({ editing: false, formErrors: {}, formHint: '' });
  },

  onSaveForm() {
    const address = normalizeAddress(this.data.form);
    const formErrors = validateAddress(address);
    const message = firstError(formErrors);
    this.setData({ form: address, formErrors });
    if (message) {
      toastText(message);
      return;
    }
    this.setData({ editing: false, formHint: '' });
    this.useAddress(address);
  },

  useAddress(address: Address) {
    this.setAddress(address);
    // Kept as soon as it is chosen: an address typed by hand is not lost if this order then fails.
    saveLastAddress(address);
  },

  async onSubmit() {
    const product = this.data.product;
    const address = this.data.address;
    // `submitting` is set before the first await, so a second tap in the same instant sees it.
    if (!product || this.data.submitting || this.data.maxQuantity < 1) return;
    if (this.data.editing) {
      toastText('请先保存收货地址');
      return;
    }
    if (!address) {
      this.setData({ addressMissing: true });
      toastText('请先选择收货地址');
      return;
    }
    this.setData({ submitting: true });
    try {
      const order = await createOrder([{ productId: product.id, quantity: this.data.quantity }], address);
      // redirectTo: going "back" from the payment page should not land on a form that orders again.
      wx.redirectTo({ url: `/pages/pay/index?orderNo=${encodeURIComponent(order.orderNo)}` });
    } catch (err) {
      toastError(err);
      this.setData({ submitting: false });
    }
  },
});
