// zod schemas shared by validation and the OpenAPI description: request bodies, queries and answer shapes.
import { z } from 'zod';
import { REFUND_STATUSES, REFUND_TYPES } from '../lifecycle/refunds.ts';
import { ORDER_STATUSES } from '../lifecycle/orders.ts';
import { SHIPPING_STATUSES } from '../lifecycle/shipping.ts';
import { NUMBER_PATTERN } from '../lib/ids.ts';

const fen = (what: string) =>
  z.number({ error: `${what} must be a whole number of fen` }).int(`${what} must be a whole number of fen`);

export const NumberParam = z.string().regex(NUMBER_PATTERN, 'must be 1–32 characters of 0-9 A-Z a-z _ -');

// --- requests -------------------------------------------------------------------------------------
export const LoginBody = z.strictObject({ code: z.string().min(1, 'code is required').max(128) });

const addressLine = (field: string) => z.string({ error: `${field} is required` }).trim().min(1, `${field} is required`).max(100, `${field} may have at most 100 characters`);
export const AddressShape = z.strictObject({
  name: addressLine('name'),
  phone: z.string({ error: 'phone is required' }).regex(/^[0-9+-]{5,20}$/, 'phone must be 5–20 of 0-9 + -'),
  province: addressLine('province'),
  city: addressLine('city'),
  district: addressLine('district'),
  detail: addressLine('detail'),
});

export const CreateOrderBody = z.strictObject({
  address: AddressShape.optional().describe('what wx.chooseAddress gives; an order without one cannot be shipped'),
  items: z
    .array(
      z.strictObject({
        productId: z.number().int().positive('productId must be a product id'),
        quantity: z.number().int('quantity must be a whole number').min(1, 'quantity must be at least 1').max(99, 'quantity may be at most 99'),
      }),
    )
    .min(1, 'items must list at least one product')
    .max(20, 'items may list at most 20 products'),
});

export const RefundRequestBody = z.strictObject({
  amountFen: fen('amountFen').min(1, 'amountFen must be at least 1 fen').max(1_000_000_000, 'amountFen is too large'),
  reason: z.string().trim().min(1, 'reason is required').max(200, 'reason may have at most 200 characters'),
  type: z.enum(REFUND_TYPES).optional().describe('REFUND_ONLY (default) or RETURN_AND_REFUND (only once shipped)'),
  images: z.array(z.string().max(300)).max(9, 'images may list at most 9 photos').optional().describe('URLs of the buyer’s own uploads'),
});

export const ReturnShipmentBody = z.strictObject({
  carrier: z.string({ error: 'carrier is required' }).min(1, 'carrier is required').max(20),
  trackingNo: z.string({ error: 'trackingNo is required' }).trim().regex(/^[0-9A-Za-z-]{1,64}$/, 'trackingNo must be 1–64 of 0-9 A-Z a-z -'),
});

const reasonList = z.array(z.string().trim().min(1, 'a reason cannot be empty').max(50, 'a reason may have at most 50 characters')).min(1, 'keep at least one reason').max(20, 'at most 20 reasons');
export const SettingsShape = z.object({
  approvalLimitFen: z.number().int(),
  refundReasons: z.object({ REFUND_ONLY: z.array(z.string()), RETURN_AND_REFUND: z.array(z.string()) }),
});
export const PatchSettingsBody = z
  .strictObject({
    approvalLimitFen: fen('approvalLimitFen').min(0, 'approvalLimitFen cannot be negative').max(1_000_000_000).optional(),
    refundReasons: z.strictObject({ REFUND_ONLY: reasonList, RETURN_AND_REFUND: reasonList }).optional(),
  })
  .refine((b) => Object.keys(b).length > 0, 'body: name at least one setting to change');

export const IdempotencyKeyHeader = z
  .string()
  .min(1)
  .max(128, 'Idempotency-Key may have at most 128 characters')
  .regex(/^[\x21-\x7e]+$/, 'Idempotency-Key must be printable ASCII');

export const AdminLoginBody = z.strictObject({
  username: z.string().min(1, 'username is required').max(64),
  password: z.string().min(1, 'password is required').max(256),
});

/** Where an ABNORMAL refund's money goes instead: the merchant's bank card (the one kind the mall offers). */
export const AbnormalBody = z.strictObject({
  type: z.literal('MERCHANT_BANK_CARD'),
});

export const RejectBody = z.strictObject({
  reason: z.string().trim().min(1, 'reason is required: tell the buyer why').max(200, 'reason may have at most 200 characters'),
});

const pageQuery = {
  page: z.coerce.number().int().min(1, 'page starts at 1').default(1),
  pageSize: z.coerce.number().int().min(1).max(100, 'pageSize may be at most 100').default(20),
};
const day = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD')
  .refine((v) => !Number.isNaN(Date.parse(`${v}T00:00:00Z`)) && new Date(`${v}T00:00:00Z`).toISOString().startsWith(v), 'is not a real date');
// order and refund numbers only: no room for LIKE wildcards
const search = z.string().trim().regex(/^[0-9A-Za-z_-]{1,32}$/, 'must be (the start of) an order or refund number').optional();

export const AdminRefundsQuery = z.object({
  status: z.enum(REFUND_STATUSES).optional(),
  type: z.enum(REFUND_TYPES).optional(),
  q: search,
  from: day.optional(),
  to: day.optional(),
  sort: z.enum(['newest', 'oldest']).default('newest'),
  ...pageQuery,
});

export const AdminOrdersQuery = z.object({
  status: z.enum(ORDER_STATUSES).optional(),
  shippingStatus: z.enum(SHIPPING_STATUSES).optional(),
  q: search,
  ...pageQuery,
});

export const BUYER_TABS = ['UNPAID', 'TO_SHIP', 'TO_RECEIVE', 'DONE', 'AFTER_SALES'] as const;
export const BuyerOrdersQuery = z.object({ tab: z.enum(BUYER_TABS).optional() });

export const ShipBody = ReturnShipmentBody;

const text = (max: number) => z.string().trim().min(1).max(max);
export const CreateProductBody = z.strictObject({
  name: text(60),
  priceFen: fen('priceFen').min(1, 'priceFen must be at least 1 fen').max(100_000_000),
  stock: z.number().int('stock must be a whole number').min(0).max(1_000_000),
  description: z.string().max(500).nullable().optional(),
  imageUrl: z.url({ protocol: /^https?$/, error: 'imageUrl must be an http(s) URL' }).max(500).nullable().optional(),
});
export const PatchProductBody = CreateProductBody.partial()
  .extend({ onSale: z.boolean().optional() })
  .refine((b) => Object.keys(b).length > 0, 'body: name at least one field to change');

// --- answers (documentation) ----------------------------------------------------------------------
const time = z.string().describe('ISO-8601, UTC');

export const ProductShape = z.object({
  id: z.number().int(),
  name: z.string(),
  description: z.string().nullable(),
  imageUrl: z.string().nullable(),
  priceFen: z.number().int(),
  stock: z.number().int(),
  onSale: z.boolean(),
  createdAt: time,
  updatedAt: time,
});

const ShipmentShape = z.object({ carrier: z.string(), carrierName: z.string(), trackingNo: z.string(), shippedAt: z.string() });

export const RefundShape = z.object({
  refundNo: z.string(),
  orderNo: z.string(),
  status: z.enum(REFUND_STATUSES),
  type: z.enum(REFUND_TYPES),
  images: z.array(z.string()),
  returnShipment: ShipmentShape.nullable(),
  returnAddress: z.object({ name: z.string(), phone: z.string(), address: z.string() }).nullable().optional().describe('once a return is approved'),
  amountFen: z.number().int(),
  reason: z.string(),
  rejectReason: z.string().nullable(),
  failReason: z.string().nullable(),
  failCode: z.string().nullable(),
  source: z.string(),
  actions: z.array(z.string()).describe('what the caller may do now'),
  createdAt: time,
  updatedAt: time,
});

export const OrderShape = z.object({
  orderNo: z.string(),
  status: z.enum(ORDER_STATUSES),
  totalFen: z.number().int(),
  refundedFen: z.number().int(),
  refundableFen: z.number().int(),
  canRequestRefund: z.boolean(),
  items: z.array(z.object({ productId: z.number().int(), name: z.string(), priceFen: z.number().int(), quantity: z.number().int(), subtotalFen: z.number().int() })),
  refunds: z.array(RefundShape),
  createdAt: time,
  paidAt: time.nullable(),
  updatedAt: time,
  buyer: z.object({ openid: z.string() }).optional().describe('admin views only'),
  shippingStatus: z.enum(SHIPPING_STATUSES),
  address: AddressShape.nullable(),
  shipment: z.object({ carrier: z.string(), carrierName: z.string(), trackingNo: z.string(), shippedAt: time }).nullable(),
  receivedAt: time.nullable(),
  actions: z.array(z.string()).describe('the order moves the caller may take now (ship, receive)'),
  wechatShipping: z
    .object({ status: z.enum(['PENDING', 'UPLOADED', 'FAILED']), lastError: z.string().nullable(), uploadedAt: time.nullable(), attempts: z.number().int() })
    .nullable()
    .optional()
    .describe('admin views only: the upload of the shipment to WeChat'),
});

export const CarrierList = z.object({ items: z.array(z.object({ code: z.string(), name: z.string() })) });

export const PaymentShape = z.object({
  timeStamp: z.string(),
  nonceStr: z.string(),
  package: z.string(),
  signType: z.enum(['MD5', 'HMAC-SHA256']),
  paySign: z.string(),
  sandbox: z.boolean().optional(),
});

export const ErrorShape = z.object({ error: z.object({ code: z.string(), message: z.string() }) });
