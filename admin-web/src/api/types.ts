// The JSON shapes the admin API sends (docs/api-shapes.md); amounts are integer fen, times ISO-8601 UTC.

export const REFUND_STATUSES = [
  'REQUESTED',
  'APPROVED',
  'REFUNDING',
  'REFUNDED',
  'REJECTED',
  'CANCELLED',
  'FAILED',
] as const;
export type RefundStatus = (typeof REFUND_STATUSES)[number];

export const ORDER_STATUSES = [
  'UNPAID',
  'CLOSED',
  'PAID',
  'REFUND_REQUESTED',
  'REFUND_APPROVED',
  'REFUNDING',
  'REFUND_FAILED',
  'PARTIALLY_REFUNDED',
  'REFUNDED',
] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

export type RefundAction = 'approve' | 'reject' | 'retry' | 'cancel';

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
