// The JSON shapes the admin API sends (docs/api-shapes.md); amounts are integer fen, times ISO-8601 UTC.

// Statuses and actions come from the server's lifecycle table (npm run gen:lifecycle), never a copy kept here.
import type { OrderStatus, RefundAction, RefundStatus, RefundType, ShippingAction, ShippingStatus } from '../generated/lifecycle';

export { ORDER_STATUSES, REFUND_STATUSES, REFUND_TYPES, SHIPPING_STATUSES } from '../generated/lifecycle';
export type { OrderStatus, RefundAction, RefundStatus, RefundType, ShippingAction, ShippingStatus };

export interface Refund {
  refundNo: string;
  orderNo: string;
  status: RefundStatus;
  type: RefundType;
  /** the buyer's evidence photos, /api/uploads/… */
  images: string[];
  /** null until the buyer sent the goods back */
  returnShipment: Shipment | null;
  /** only on a return once approved */
  returnAddress?: ReturnAddress | null;
  amountFen: number;
  reason: string | null;
  rejectReason: string | null;
  failReason: string | null;
  failCode: string | null;
  source: 'BUYER' | 'VENDOR_PLATFORM';
  actions: RefundAction[];
  createdAt: string;
  updatedAt: string;
}

export interface RefundListItem extends Refund {
  orderTotalFen: number;
}

export interface OrderItem {
  productId: number;
  name: string;
  priceFen: number;
  quantity: number;
  subtotalFen: number;
}

/** An order's moves the viewer may take now (admin: ship); buttons are drawn from these, never from the status. */
export type OrderAction = ShippingAction;
export type WechatShippingStatus = 'PENDING' | 'UPLOADED' | 'FAILED';

export interface Address {
  name: string;
  phone: string;
  province: string;
  city: string;
  district: string;
  detail: string;
}

export interface ReturnAddress {
  name: string;
  phone: string;
  address: string;
}

export interface Shipment {
  carrier: string;
  carrierName: string;
  trackingNo: string;
  shippedAt: string;
}

/** The upload of the shipment to WeChat's shipping-info service. */
export interface WechatShipping {
  status: WechatShippingStatus;
  lastError: string | null;
  uploadedAt: string | null;
  attempts: number;
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
  buyer?: { openid: string };
  createdAt: string;
  paidAt: string | null;
  updatedAt: string;
  shippingStatus: ShippingStatus;
  address: Address | null;
  shipment: Shipment | null;
  receivedAt: string | null;
  actions: OrderAction[];
  wechatShipping: WechatShipping | null;
}

/** A shipping move of an order (ship, receive, auto_receive). */
export interface ShippingEvent {
  at: string;
  from: ShippingStatus | null;
  to: ShippingStatus;
  action: ShippingAction;
  actor: string;
  role?: string | null;
  note: string | null;
}

export interface OrderDetail extends Order {
  events: ShippingEvent[];
}

export interface Carrier {
  code: string;
  name: string;
}

export interface Product {
  id: number;
  name: string;
  description: string | null;
  imageUrl: string | null;
  priceFen: number;
  stock: number;
  onSale: boolean;
  createdAt: string;
  updatedAt: string;
}

export interface RefundEvent {
  at: string;
  from: RefundStatus | null;
  to: RefundStatus;
  action: string;
  actor: string;
  /** the staff member's role when a person of the team moved it; older events name them as admin:<username> */
  role?: string | null;
  note: string | null;
}

export interface WechatCall {
  at: string;
  endpoint: string;
  returnCode: string | null;
  resultCode: string | null;
  errCode: string | null;
  errCodeDes: string | null;
  httpStatus: number | null;
  error: string | null;
  durationMs: number | null;
}

export interface RefundDetail extends Refund {
  order: Order;
  events: RefundEvent[];
  wechatCalls: WechatCall[];
}

export interface Page<T> {
  items: T[];
  total: number;
  page: number;
  pageSize: number;
}

export interface AdminStats {
  refunds: Record<RefundStatus, number>;
  refundedToday: { count: number; amountFen: number };
  /** toShip: paid, not fully refunded, unshipped */
  orders: { toShip: number };
}

export const STAFF_ROLES = ['OWNER', 'SERVICE', 'WAREHOUSE', 'FINANCE'] as const;
export type StaffRole = (typeof STAFF_ROLES)[number];
/** What a role may do besides the moves (server/lifecycle/staff.ts); an unknown one is simply never asked for. */
export type Capability =
  | 'view'
  | 'manage_staff'
  | 'manage_settings'
  | 'manage_products'
  | 'export_refunds'
  | 'retry_shipping_upload';

/** POST /api/admin/login */
export interface AdminLogin {
  username: string;
  role: StaffRole;
  csrfToken: string;
}

/** GET /api/admin/me */
export interface AdminMe extends AdminLogin {
  capabilities: Capability[];
}

export interface StaffMember {
  id: number;
  username: string;
  role: StaffRole;
  disabled: boolean;
  lastLoginAt: string | null;
}

export interface Settings {
  approvalLimitFen: number;
  refundReasons: Record<RefundType, string[]>;
}

/** One kept change of a setting; from/to are the setting's values (null: never set before). */
export interface SettingChange {
  key: keyof Settings | string;
  from: unknown;
  to: unknown;
  actor: string;
  at: string;
}
