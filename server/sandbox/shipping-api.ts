// /wxa/sec/order/upload_shipping_info and /wxa/sec/order/get_order (docs/wechat-pay.md § WeChat platform calls): WeChat's
// shipping rules played on the sandbox's own paid trades, one upload plus one re-ship per payment, every upload recorded.
import type { Ctx } from './context.ts';
import { parseChinaCompact } from './ids.ts';
import { readTrade } from './payments.ts';
import { DATA_FORMAT_ERROR, isObject, nonEmptyString, wxError, wxOk, type Answer, type Json } from './platform-protocol.ts';
import type { ShippingOrderRow } from './platform-store.ts';
import { refundedSoFar } from './refund-rules.ts';
import type { TradeRow } from './store.ts';

/** express_company codes the sandbox knows: a few of WeChat's get_delivery_list, on purpose not read from our SDK. */
const EXPRESS_COMPANIES = new Set(['SF', 'ZTO', 'YTO', 'STO', 'YD', 'JTSD', 'EMS', 'JD', 'DHL']);
/** WeChat: "当发货的物流公司为顺丰时，联系方式为必填" (the receiver's or the sender's). */
const CONTACT_REQUIRED = new Set(['SF']);
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;
/** One payment: the upload and one re-ship; the third is 10060003. */
const MAX_ACCEPTED = 2;

type Problem = [errcode: number, errmsg: string];

const bytes = (s: string) => Buffer.byteLength(s, 'utf8');
const seconds = (ms: number | null) => (ms === null ? 0 : Math.floor(ms / 1000));

/** Stricter than WeChat on purpose: a contact must be masked with its last 4 digits readable, so no full phone number leaks. */
function maskedContact(v: unknown): boolean {
  return typeof v === 'string' && v.includes('*') && /\d{4}$/.test(v) && bytes(v) <= 1024;
}

function entryProblem(item: unknown, logisticsType: number): Problem | null {
  if (!isObject(item)) return [DATA_FORMAT_ERROR, 'data format error: shipping_list'];
  if (!nonEmptyString(item.item_desc)) return [10060008, '商品描述 item_desc 字段不能为空'];
  if ([...item.item_desc].length > 120) return [10060009, '商品描述 item_desc 字段太长'];
  if (logisticsType !== 1) return null; // only express delivery carries a parcel number and a carrier
  if (!nonEmptyString(item.tracking_no)) return [268485226, '物流单号不能为空'];
  if (bytes(item.tracking_no) > 128) return [10060026, '物流单号太长'];
  if (!nonEmptyString(item.express_company)) return [268485227, '物流公司编码不能为空'];
  if (bytes(item.express_company) > 128) return [10060025, '物流公司编码太长'];
  if (!EXPRESS_COMPANIES.has(item.express_company)) return [10060014, `参数错误: 未知的物流公司编码 ${item.express_company}`];
  const contact = item.contact ?? {};
  if (!isObject(contact)) return [DATA_FORMAT_ERROR, 'data format error: contact'];
  const contacts = [contact.receiver_contact, contact.consignor_contact].filter((c) => c !== undefined && c !== '');
  if (contacts.some((c) => !maskedContact(c))) return [10060014, '参数错误: 联系方式需采用掩码传输，最后4位数字不能打掩码'];
  if (CONTACT_REQUIRED.has(item.express_company) && contacts.length === 0) return [10060014, '参数错误: 顺丰快递需填写联系方式'];
  return null;
}

/** The trade an order_key (or get_order's keys) names, if it is a paid trade of ours. */
function paidTrade(ctx: Ctx, key: { transactionId?: string; mchid?: string; outTradeNo?: string }): TradeRow | undefined {
  const found = key.transactionId
    ? ctx.store.tradeByTransactionId(key.transactionId)
    : key.mchid === ctx.merchant.mchId && key.outTradeNo
      ? readTrade(ctx, key.outTradeNo)
      : undefined;
  return found?.state === 'SUCCESS' ? found : undefined;
}

function fullyRefunded(ctx: Ctx, trade: TradeRow): boolean {
  return refundedSoFar(ctx.store.refundsOfTrade(trade.out_trade_no)) >= trade.total_fee;
}

type OrderKey = { transactionId?: string; mchid?: string; outTradeNo?: string };

/** WeChat's checks of the body, in the order it reports them; the order key when the body is good. */
function uploadProblem(b: Json | null): Problem | { key: OrderKey; openid: string } {
  if (!b || !isObject(b.order_key) || !Array.isArray(b.shipping_list) || !isObject(b.payer)) return [DATA_FORMAT_ERROR, 'data format error'];
  const k = b.order_key;
  let key: OrderKey;
  if (k.order_number_type === 2) {
    if (!nonEmptyString(k.transaction_id)) return [268485195, '微信支付单号形式下 transaction_id 字段不能为空'];
    key = { transactionId: k.transaction_id };
  } else if (k.order_number_type === 1) {
    if (!nonEmptyString(k.mchid)) return [268485196, '商户侧单号形式下 mchid 字段不能为空'];
    if (!nonEmptyString(k.out_trade_no)) return [268485197, '商户侧单号形式下 out_trade_no 字段不能为空'];
    key = { mchid: k.mchid, outTradeNo: k.out_trade_no };
  } else return [268485194, '订单单号类型非法'];
  const logisticsType = b.logistics_type;
  if (typeof logisticsType !== 'number' || ![1, 2, 3, 4].includes(logisticsType)) return [10060005, '物流类型有误'];
  if (b.delivery_mode !== 1 && b.delivery_mode !== 2) return [268485224, '发货模式非法'];
  const list = b.shipping_list as unknown[];
  if (list.length === 0) return [DATA_FORMAT_ERROR, 'data format error: shipping_list'];
  if (list.length > 10) return [10060024, '物流信息列表太长'];
  if (b.delivery_mode === 1 && list.length !== 1) return [268485228, '统一发货模式下，物流信息列表长度必须为 1'];
  if (b.delivery_mode === 2 && logisticsType !== 1) return [10060006, '非快递发货时不允许分拆发货'];
  if (b.delivery_mode === 2 && typeof b.is_all_delivered !== 'boolean') return [10060007, '分拆发货模式下必须填写 is_all_delivered 字段'];
  for (const item of list) {
    const problem = entryProblem(item, logisticsType);
    if (problem) return problem;
  }
  if (typeof b.upload_time !== 'string' || !RFC3339.test(b.upload_time) || Number.isNaN(Date.parse(b.upload_time))) {
    return [268485216, '上传时间非法，请按照 RFC 3339 格式填写'];
  }
  const openid = b.payer.openid;
  if (!nonEmptyString(openid) || bytes(openid) > 128) return [DATA_FORMAT_ERROR, 'data format error: payer.openid'];
  return { key, openid };
}

/**
 * The first accepted upload ships the payment (order_state 2); a second is WeChat's one re-ship (counted);
 * a third is 10060003. Every upload that got past the token check is recorded with its body and errcode.
 */
export function uploadShippingInfo(ctx: Ctx, raw: Buffer, body: Json | null): Answer {
  const checked = uploadProblem(body);
  const claimedTx = isObject(body?.order_key) && typeof body.order_key.transaction_id === 'string' ? body.order_key.transaction_id : null;
  return ctx.store.tx((): Answer => {
    const at = Date.now();
    const refuse = (transactionId: string | null, [errcode, errmsg]: Problem): Answer => {
      ctx.platform.recordUpload({ at, transactionId, errcode, reship: false, body: raw.toString('utf8') });
      return wxError(errcode, errmsg);
    };
    if (Array.isArray(checked)) return refuse(claimedTx, checked);
    const trade = paidTrade(ctx, checked.key);
    if (!trade) return refuse(claimedTx, [10060001, '支付单不存在']);
    const tx = trade.transaction_id as string;
    if (trade.openid !== checked.openid) return refuse(tx, [10060031, '该笔支付单不属于 openid 所指定的用户']);
    const ship = ctx.platform.shippingOrder(tx);
    if (fullyRefunded(ctx, trade) || (ship && ship.order_state >= 3)) return refuse(tx, [10060004, '支付单处于不可发货的状态']);
    const accepted = ship?.accepted ?? 0;
    if (accepted >= MAX_ACCEPTED) return refuse(tx, [10060003, '支付单已使用重新发货机会']);
    ctx.platform.acceptUpload(tx, raw.toString('utf8'), at);
    ctx.platform.recordUpload({ at, transactionId: tx, errcode: 0, reship: accepted === 1, body: raw.toString('utf8') });
    ctx.log.info({ transactionId: tx, reship: accepted === 1 }, 'sandbox shipping upload accepted');
    return wxOk();
  });
}

/** get_order's order_state: 5 once refunded in full, else what the uploads (and the control API) made it, 1 before any. */
export function orderState(ctx: Ctx, trade: TradeRow, ship: ShippingOrderRow | undefined): number {
  if (fullyRefunded(ctx, trade)) return 5;
  return ship?.order_state ?? 1;
}

function shippingView(ship: ShippingOrderRow): Json {
  const last = JSON.parse(ship.last_body) as Json & { shipping_list: Json[] };
  return {
    delivery_mode: last.delivery_mode,
    logistics_type: last.logistics_type,
    finish_shipping: last.delivery_mode === 1 || last.is_all_delivered === true,
    finish_shipping_count: ship.accepted,
    goods_desc: last.shipping_list.map((e) => e.item_desc).join(';'),
    shipping_list: last.shipping_list.map((e) => ({
      tracking_no: e.tracking_no,
      express_company: e.express_company,
      goods_desc: e.item_desc,
      upload_time: seconds(Date.parse(String(last.upload_time))),
      contact: e.contact,
    })),
  };
}

/** POST /wxa/sec/order/get_order by transaction_id (or merchant_id + merchant_trade_no). */
export function getOrder(ctx: Ctx, body: Json | null): Answer {
  if (!body) return wxError(DATA_FORMAT_ERROR, 'data format error');
  const key: OrderKey = nonEmptyString(body.transaction_id)
    ? { transactionId: body.transaction_id }
    : { mchid: String(body.merchant_id ?? ''), outTradeNo: String(body.merchant_trade_no ?? '') };
  if (!key.transactionId && !(key.mchid && key.outTradeNo)) return wxError(10060014, '请求参数非法');
  const trade = paidTrade(ctx, key);
  if (!trade) return wxError(10060001, '支付单不存在');
  const ship = ctx.platform.shippingOrder(trade.transaction_id as string);
  return wxOk({
    order: {
      transaction_id: trade.transaction_id,
      merchant_id: trade.mch_id,
      sub_merchant_id: '',
      merchant_trade_no: trade.out_trade_no,
      description: trade.body,
      paid_amount: trade.total_fee,
      openid: trade.openid,
      trade_create_time: seconds(trade.created_at),
      pay_time: seconds(trade.time_end ? parseChinaCompact(trade.time_end) : null),
      order_state: orderState(ctx, trade, ship),
      in_complaint: false,
      ...(ship ? { shipping: shippingView(ship) } : {}),
    },
  });
}
