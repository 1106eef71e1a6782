// Shipping through the merchant's API, and what came of it: the outbox row in our database, the calls we
// recorded, and what WeChat's shipping service (the sandbox) holds for the payment.
import { sandboxControl, waitFor, type AdminSession } from './api.ts';
import { withDb } from './database.ts';
import type { TestServer } from './server.ts';

export const SHIPMENT = { carrier: 'SF', trackingNo: 'SF1234567890' };

export const GET_ORDER = '/wxa/sec/order/get_order';
export const UPLOAD = '/wxa/sec/order/upload_shipping_info';

/** A sandbox's control API: an embedded one's (`embeddedControl`) or a standalone one's. */
export type SandboxControl = (method: string, p: string, body?: unknown) => Promise<{ status: number; body: any }>; // eslint-disable-line @typescript-eslint/no-explicit-any

export const embeddedControl =
  (server: TestServer): SandboxControl =>
  (method, p, body) =>
    sandboxControl(server, method, p, body);

export function shipVia(admin: AdminSession, orderNo: string, shipment = SHIPMENT) {
  return admin.call('POST', `/api/admin/orders/${orderNo}/ship`, shipment);
}

/** Waits for the admin view to say WeChat accepted the upload; answers that view. */
export async function waitUploaded(admin: AdminSession, orderNo: string, timeoutMs = 20_000) {
  let last: unknown;
  try {
    return await waitFor(async () => {
      const o = (await admin.call('GET', `/api/admin/orders/${orderNo}`)).body;
      last = o?.wechatShipping;
      return o?.wechatShipping?.status === 'UPLOADED' ? o : null;
    }, timeoutMs);
  } catch {
    throw new Error(`order ${orderNo} was not UPLOADED in ${timeoutMs} ms (last: ${JSON.stringify(last)})`);
  }
}

export interface ShippingAtWechat {
  transactionId: string;
  accepted: number;
  reships: number;
  orderState: number | null;
  lastBody: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  uploads: Array<{ at: number; errcode: number; reship: boolean }>;
}

/** WeChat's shipping records, of one payment or of all; plus the refused uploads that named none. */
export async function shippingAtWechat(control: SandboxControl, transactionId?: string) {
  const q = transactionId === undefined ? '' : `?transactionId=${encodeURIComponent(transactionId)}`;
  const r = await control('GET', `/sandbox/shipping-uploads${q}`);
  if (r.status !== 200) throw new Error(`sandbox shipping-uploads: ${r.status} ${JSON.stringify(r.body)}`);
  return { items: r.body.items as ShippingAtWechat[], unkeyed: r.body.unkeyed as unknown[] };
}

/** The sandbox's log of platform calls (which API, its errcode, the fault that played it). */
export async function platformCallsAt(control: SandboxControl) {
  return (await control('GET', '/sandbox/platform-calls')).body.items as Array<{ at: number; api: string; errcode: number | null; fault: string | null }>;
}

/** One order as our database holds it (read directly, e.g. with the server down): its shipping, its outbox
 * message and the shipping calls (upload, get_order) recorded for it, oldest first. */
export async function shippingInDb(databaseUrl: string, orderNo: string) {
  return withDb(databaseUrl, async (db) => {
    const order = await db.order.findUniqueOrThrow({ where: { orderNo }, select: { shippingStatus: true, transactionId: true } });
    const outbox = await db.outboxMessage.findUnique({ where: { causeKey: `shipping:${orderNo}` } });
    const calls = await db.wechatCall.findMany({ where: { orderNo, endpoint: { startsWith: '/wxa/sec/order/' } }, orderBy: { id: 'asc' }, select: { endpoint: true, errCode: true, error: true } });
    return { ...order, transactionId: order.transactionId!, outbox, calls };
  });
}
