// The JSON shapes the admin API sends (docs/api-shapes.md); amounts are integer fen, times ISO-8601 UTC.

// Statuses and actions come from the server's lifecycle table (npm run gen:lifecycle), never a copy kept here.
import type { OrderStatus, RefundAction, RefundStatus } from '../generated/lifecycle';

export { ORDER_STATUSES, REFUND_STATUSES } from '../generated/lifecycle';
export type { OrderStatus, RefundAction, RefundStatus };

export interface Refund {
  refundNo: string;
  orderNo: string;
  status: RefundStatus;
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
}

export interface RefundEvent {
  at: string;
  from: RefundStatus | null;
  to: RefundStatus;
  action: string;
  actor: string;
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
}

export interface AdminSession {
  username: string;
  csrfToken: string;
}
