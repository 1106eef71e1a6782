// 商城首页: the products on sale; tapping one opens the order confirmation.
import { listProducts } from '../../api/products';
import { messageOf } from '../../api/errors';
import { formatFen } from '../../utils/money';
import { toastError } from '../../utils/feedback';

interface ProductView {
  id: number;
  name: string;
  description: string;
  imageUrl: string;
  priceText: string;
  stock: number;
  soldOut: boolean;
}

Page({
  data: {
    loading: true,
    error: '',
    products: [] as ProductView[],
  },

  onLoad() {
    this.load();
  },

  async onPullDownRefresh() {
    await this.load();
    wx.stopPullDownRefresh();
  },

  async load() {
    this.setData({ loading: true });
    try {
      const products = await listProducts();
      this.setData({
        error: '',
        products: products.map((p) => ({
          id: p.id,
          name: p.name,
          description: p.description ?? '',
          imageUrl: p.imageUrl ?? '',
          priceText: formatFen(p.priceFen),
          stock: p.stock,
          soldOut: p.stock <= 0,
        })),
      });
    } catch (err) {
      this.setData({ error: messageOf(err) });
      toastError(err);
    } finally {
      this.setData({ loading: false });
    }
  },

  onProductTap(e: WechatMiniprogram.TouchEvent) {
    const { id, soldout } = e.currentTarget.dataset as { id: number; soldout: boolean };
    if (soldout) return;
    wx.navigateTo({ url: `/pages/confirm/index?productId=${id}` });
  },
});
