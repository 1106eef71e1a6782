// 确认订单: pick a quantity for one product, then place the order and go to payment.
import { createOrder } from '../../api/orders';
import { listProducts } from '../../api/products';
import { messageOf } from '../../api/errors';
import type { Product } from '../../api/types';
import { formatFen } from '../../utils/money';
import { toastError } from '../../utils/feedback';

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
  },

  onLoad(query: Record<string, string | undefined>) {
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

  async onSubmit() {
    const product = this.data.product;
    // `submitting` is set before the first await, so a second tap in the same instant sees it.
    if (!product || this.data.submitting || this.data.maxQuantity < 1) return;
    this.setData({ submitting: true });
    try {
      const order = await createOrder([{ productId: product.id, quantity: this.data.quantity }]);
      // redirectTo: going "back" from the payment page should not land on a form that orders again.
      wx.redirectTo({ url: `/pages/pay/index?orderNo=${encodeURIComponent(order.orderNo)}` });
    } catch (err) {
      toastError(err);
      this.setData({ submitting: false });
    }
  },
});
