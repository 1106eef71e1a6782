// The upload_shipping_info body (express delivery, one parcel): masked contact, Beijing RFC 3339 upload_time, item_desc ≤ 120 characters.
import { carrierByCode } from '../carriers.ts';

export const UPLOAD_SHIPPING_ENDPOINT = '/wxa/sec/order/upload_shipping_info';
export const GET_ORDER_ENDPOINT = '/wxa/sec/order/get_order';

/** WeChat's limit on item_desc, in characters. */
export const ITEM_DESC_MAX_CHARS = 120;
/** WeChat's limit on tracking_no and express_company, in bytes. */
const TRACKING_NO_MAX_BYTES = 128;

/** get_order's order_state. */
export const ORDER_STATES = {
  1: '待发货',
  2: '已发货',
  3: '确认收货',
  4: '交易完成',
  5: '已退款',
  6: '资金待结算',
} as const;
export type ShippingOrderState = keyof typeof ORDER_STATES;

export function isOrderState(n: unknown): n is ShippingOrderState {
  return typeof n === 'number' && Object.hasOwn(ORDER_STATES, n);
}

/** One shipment of a paid order, as the mall knows it. */
export type ShippingUpload = {
  transactionId: string;
  /** The payer's openid (the trade's, not whoever clicked). */
  openid: string;
  /** A code of server/wechat/carriers.ts. */
  expressCompany: string;
  trackingNo: string;
  /** What is in the parcel (itemDesc() builds it from the order's lines); fitted to 120 characters here. */
  itemDesc: string;
  /**
   * The receiver's phone already masked by maskPhone (so the full number need never be stored for a later
   * send). Required for SF; a value without a mask is refused rather than sent.
   */
  receiverContact?: string;
  /** Default: now. */
  uploadTime?: Date;
};

export type UploadShippingBody = {
  order_key: { order_number_type: 2; transaction_id: string };
  logistics_type: 1;
  delivery_mode: 1;
  shipping_list: [{ tracking_no: string; express_company: string; item_desc: string; contact?: { receiver_contact: string } }];
  upload_time: string;
  payer: { openid: string };
};

/**
 * The masked phone WeChat wants in `receiver_contact`: its last 4 digits must stay readable.
 * 11 digits or more (a mobile, or a landline with its area code) keep their first 3 and last 4:
 * 13800000000 → 138****0000. A shorter number keeps only its last 4 behind four stars (8765 4321 →
 * ****4321), because its first 3 would leave almost nothing hidden; that is also a form WeChat shows.
 * Spaces, dashes and a +86 / 0086 country prefix are dropped first. No digits at all → ''.
 */
export function maskPhone(phone: string): string {
  let digits = phone.replace(/\D/g, '');
  if (/^\s*(\+|00)86/.test(phone)) digits = digits.replace(/^(00)?86/, '');
  if (digits.length === 0) return '';
  if (digits.length < 11) return `****${digits.slice(-4)}`;
  return `${digits.slice(0, 3)}${'*'.repeat(digits.length - 7)}${digits.slice(-4)}`;
}

const BEIJING_OFFSET_MS = 8 * 3600_000; // China has no DST

/** RFC 3339 in Beijing time with milliseconds, as WeChat's examples: 2026-12-01T20:05:03.120+08:00. */
export function formatUploadTime(at: Date): string {
  const ms = at.getTime();
  if (!Number.isFinite(ms)) throw new TypeError('uploadTime is not a valid date');
  return new Date(ms + BEIJING_OFFSET_MS).toISOString().replace('Z', '+08:00');
}

/**
 * item_desc as WeChat takes it: control characters and runs of white space become one space, and
 * beyond 120 characters (code points, so a character is never cut in half) it ends in '…'.
 */
export function fitItemDesc(text: string): string {
  const clean = text.replace(/[\u0000-\u001f\u007f\s]+/g, ' ').trim();
  const chars = [...clean];
  return chars.length <= ITEM_DESC_MAX_CHARS ? clean : `${chars.slice(0, ITEM_DESC_MAX_CHARS - 1).join('')}…`;
}

/** item_desc of an order's lines, as WeChat's own examples write it: 微信气泡狗零钱包*1；微信黄脸布艺胸针*2. */
export function itemDesc(items: ReadonlyArray<{ name: string; quantity: number }>): string {
  return fitItemDesc(items.map((i) => `${i.name}*${i.quantity}`).join('；'));
}

/** A contact WeChat may be given: some digits masked, the last 4 readable (138****0000, ****4321, 021-****1234). */
export function isMaskedContact(contact: string): boolean {
  return contact.includes('*') && /\d{4}$/.test(contact) && Buffer.byteLength(contact, 'utf8') <= 1024;
}

// Programmer errors, not WeChat outcomes: they throw before anything is sent, so no call (and no re-ship chance) is spent.
function required(name: string, value: string, maxBytes = 128): string {
  const v = typeof value === 'string' ? value.trim() : '';
  if (v === '') throw new TypeError(`${name} is required`);
  if (Buffer.byteLength(v, 'utf8') > maxBytes) throw new TypeError(`${name} is longer than ${maxBytes} bytes`);
  return v;
}

/** The body of one express shipment (logistics_type 1, unified delivery), keyed by WeChat's transaction_id. */
export function shippingUploadBody(u: ShippingUpload, now: Date = new Date()): UploadShippingBody {
  const transactionId = required('transactionId', u.transactionId, 64);
  const openid = required('openid', u.openid);
  const code = required('expressCompany', u.expressCompany);
  const carrier = carrierByCode(code);
  if (!carrier) throw new TypeError(`expressCompany ${JSON.stringify(code)} is not a WeChat express company code we know`);
  const trackingNo = required('trackingNo', u.trackingNo, TRACKING_NO_MAX_BYTES);
  const itemDesc = fitItemDesc(u.itemDesc ?? '');
  if (itemDesc === '') throw new TypeError('itemDesc is required'); // WeChat: 10060008
  const contact = (u.receiverContact ?? '').trim();
  if (contact !== '' && !isMaskedContact(contact)) throw new TypeError('receiverContact must be masked (maskPhone) with its last 4 digits readable');
  if (carrier.contactRequired && contact === '') throw new TypeError(`${carrier.name} (${code}) requires the receiver's masked phone`);

  const entry: UploadShippingBody['shipping_list'][0] = { tracking_no: trackingNo, express_company: code, item_desc: itemDesc };
  if (contact !== '') entry.contact = { receiver_contact: contact };
  return {
    order_key: { order_number_type: 2, transaction_id: transactionId },
    logistics_type: 1,
    delivery_mode: 1,
    shipping_list: [entry],
    upload_time: formatUploadTime(u.uploadTime ?? now),
    payer: { openid },
  };
}
