// The JSON the server sends to the buyer (docs/api-shapes.md). Amounts are integer fen; times are ISO-8601 UTC.

// Statuses come from the server's lifecycle table (npm run gen:lifecycle), never a copy kept here. Types only:
// Node tests type-check this file under the root tsconfig, which rejects value exports from CommonJS files.
import type { OrderStatus, RefundStatus, RefundTransition, RefundType, ShippingStatus } from '../utils/lifecycle-types.generated';

export type { OrderStatus, RefundStatus, RefundType };

/** What the buyer may do with a refund now; the server decides, the page only draws buttons for these. */
export type BuyerRefundAction = Extract<RefundTransition, { by: 'buyer'; from: RefundStatus }>['action'];

export interface Product {
  id: number;
  name: string;
  description?: string | null;
  imageUrl?: string | null;
  priceFen: number;
  stock: number;
  onSale?: boolean;
}

export interface OrderItem {
  productId: number;
  name: string;
  priceFen: number;
  quantity: number;
  subtotalFen: number;
}

/** Where the buyer sends goods back, once the merchant approved a return; `address` is one line. */
export interface ReturnAddress {
  name: string;
  phone: string;
  address: string;
}

/** Who moved a refund, as the buyer may know it (no staff names). */
export type RefundActor = 'buyer' | 'merchant' | 'system' | 'wechat';

/** One move of a refund; `from` is null for its birth. `action` is a string: the server may grow new ones. */
export interface RefundEvent {
  at: string;
  from: RefundStatus | null;
  to: RefundStatus;
  action: string;
  by: RefundActor;
}

export interface Refund {
  refundNo: string;
  orderNo: string;
  status: RefundStatus;
  type: RefundType;
  amountFen: number;
  reason: string;
  rejectReason: string | null;
  failReason: string | null;
  failCode?: string | null;
  source?: 'BUYER' | 'VENDOR_PLATFORM';
  /** The evidence photos' URLs, as POST /api/mp/uploads gave them (relative to the server). */
  images: string[];
  /** The goods on their way back, once the buyer said so. */
  returnShipment: Shipment | null;
  /** Present once a return was approved (null when the merchant has not set one). */
  returnAddress?: ReturnAddress | null;
  actions: string[];
  createdAt: string;
  updatedAt: string;
  /** The whole timeline, oldest first: only GET /api/mp/refunds/:refundNo sends it. */
  events?: RefundEvent[];
}

/** A delivery address, as wx.chooseAddress gives it (renamed): each field 1–100 characters, phone 5–20 of [0-9+-]. */
export interface Address {
  name: string;
  phone: string;
  province: string;
  city: string;
  district: string;
  detail: string;
}

export type { ShippingStatus };

export interface Shipment {
  carrier: string;
  carrierName: string;
  trackingNo: string;
  shippedAt: string;
}

export interface Order {
  orderNo: string;
  status: OrderStatus;
  totalFen: number;
  refundedFen: number;
  refundableFen: number;
  canRequestRefund: boolean;
  items: OrderItem[];
  refunds: Refund[];
  createdAt: string;
  paidAt: string | null;
  updatedAt: string;
  shippingStatus: ShippingStatus;
  /** null for an order placed without one (it cannot be shipped). */
  address: Address | null;
  /** null until shipped. */
  shipment: Shipment | null;
  receivedAt: string | null;
  /** The order's moves the buyer may take now (`receive`); refund moves stay on each refund. */
  actions: string[];
}

export interface LoginResult {
  token: string;
  expiresAt?: string;
}

/** The fields wx.requestPayment needs; `sandbox: true` means no real cashier exists (use sandbox-pay). */
export interface PayParams {
  timeStamp: string;
  nonceStr: string;
  package: string;
  signType: string;
  paySign: string;
  sandbox?: boolean;
}

export interface ListResult<T> {
  items: T[];
}

/** The filters of GET /api/mp/orders?tab=; no tab is 全部. */
export type OrderTab = 'UNPAID' | 'TO_SHIP' | 'TO_RECEIVE' | 'DONE' | 'AFTER_SALES';

export interface OrderList extends ListResult<Order> {
  /** The buyer's orders in each tab, whichever tab was asked for. */
  counts: Record<OrderTab, number>;
}

export interface NewOrderItem {
  productId: number;
  quantity: number;
}

export interface NewRefund {
  amountFen: number;
  reason: string;
  /** REFUND_ONLY when left out; RETURN_AND_REFUND only once the order was shipped. */
  type?: RefundType;
  /** URLs from POST /api/mp/uploads, at most 9. */
  images?: string[];
}

/** The return's parcel: a WeChat carrier code and its tracking number (1–64 of [0-9A-Za-z-]). */
export interface ReturnShipmentInput {
  carrier: string;
  trackingNo: string;
}

/** GET /api/mp/config: what the mini-program asks the buyer for. */
export interface MpConfig {
  /** Subscribe message templates to ask for when the buyer submits a refund; empty: ask nothing. */
  subscribeTemplateIds: string[];
  /** The merchant's reasons, one list per refund type. */
  refundReasons: Record<RefundType, string[]>;
}
