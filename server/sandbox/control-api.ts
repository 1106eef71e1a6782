// The /sandbox/* JSON control API for tests and demos: pay a trade, arm faults, inspect refunds and calls, settle
// (APIv3 keys: v3-control.ts; platform side: platform-control.ts).
import type { ServerResponse } from 'node:http';
import { z } from 'zod';
import type { Ctx } from './context.ts';
import { FaultsPatch } from './faults.ts';
import { parseJson, sendJson } from './http-io.ts';
import { newRefundId } from './ids.ts';
import { payTrade, readTrade } from './payments.ts';
import { platformControl } from './platform-control.ts';
import { validNotifyUrl } from './protocol.ts';
import { refundLimitProblem } from './refund-rules.ts';
import type { KeyMode, RefundRow } from './store.ts';
import { FINAL_STATUSES, storedFinalStatus } from './v3-codes.ts';
import { v3Control } from './v3-control.ts';

const PayBody = z.object({ out_trade_no: z.string().min(1).max(32) });
// Either vocabulary (CHANGE or ABNORMAL, REFUNDCLOSE or CLOSED).
const SettleBody = z.object({ status: z.enum(FINAL_STATUSES).default('SUCCESS').transform(storedFinalStatus) });
const VendorRefundBody = z.object({
  out_trade_no: z.string().min(1).max(32),
  refund_fee: z.number().int().min(1),
  notify_url: z.string().refine(validNotifyUrl, 'an http(s) URL without a query string').optional(),
  /** The notification's protocol; default the trade's. */
  protocol: z.enum(['v2', 'v3']).optional(),
  /** For v3: the key mode that signs it; default that of the trade's last v3 refund, else the trade's, else platform-certificate. */
  keyMode: z.enum(['public-key', 'platform-certificate']).optional(),
});

function refundItem(ctx: Ctx, r: RefundRow) {
  const calls = ctx.store.callsFor(r.out_refund_no);
  return {
    outRefundNo: r.out_refund_no,
    outTradeNo: r.out_trade_no,
    refundId: r.refund_id,
    refundFee: r.refund_fee,
    totalFee: r.total_fee,
    status: r.status,
    source: r.source,
    successTime: r.success_time,
    calls: calls.length,
    fees: calls.map((c) => c.refund_fee),
    // The protocol it was made (or last resubmitted) in, which its notifications use; statuses above stay v2's words.
    protocol: r.protocol,
    keyMode: r.key_mode,
    receivedAccount: r.received_account,
  };
}

async function firstDelivery(ctx: Ctx, ids: number[]): Promise<boolean> {
  return ids.length > 0 ? ctx.notifier.deliverNow(ids[0]) : false;
}

/** Handles a /sandbox/* request; false when no route matched. */
export async function controlApi(ctx: Ctx, method: string, url: URL, raw: Buffer, res: ServerResponse): Promise<boolean> {
  const path = url.pathname;

  if (path === '/sandbox/pay' && method === 'POST') {
    const body = parseJson(res, raw, PayBody);
    if (!body) return true;
    const outcome = payTrade(ctx, body.out_trade_no);
    if (outcome.kind === 'unknown') sendJson(res, 404, { error: `no trade ${body.out_trade_no}` });
    else if (outcome.kind === 'closed') sendJson(res, 409, { error: `trade ${body.out_trade_no} is closed` });
    else {
      // Answer after the first delivery attempt, so a test knows whether the merchant took it.
      const delivered = await firstDelivery(ctx, outcome.notificationIds);
      sendJson(res, 200, { delivered, transaction_id: outcome.trade.transaction_id });
    }
    return true;
  }

  if (path === '/sandbox/faults') {
    if (method === 'GET') sendJson(res, 200, ctx.faults.current());
    else if (method === 'DELETE') sendJson(res, 200, ctx.faults.clear());
    else if (method === 'PUT') {
      const patch = parseJson(res, raw, FaultsPatch);
      if (!patch) return true;
      const state = ctx.faults.apply(patch);
      ctx.log.info({ faults: state }, 'sandbox faults set');
      sendJson(res, 200, state);
    } else return false;
    return true;
  }

  if (path === '/sandbox/refunds' && method === 'GET') {
    const rows = ctx.store.allRefunds({
      outTradeNo: url.searchParams.get('outTradeNo') ?? undefined,
      outRefundNo: url.searchParams.get('outRefundNo') ?? undefined,
    });
    sendJson(res, 200, { items: rows.map((r) => refundItem(ctx, r)) });
    return true;
  }

  if (path === '/sandbox/refund-calls' && method === 'GET') {
    // result: SUCCESS or the code answered, in the caller's protocol's words (SYSTEMERROR over v2, SYSTEM_ERROR over v3).
    const items = ctx.store
      .calls()
      .map((c) => ({ at: c.at, outRefundNo: c.out_refund_no, refundFee: c.refund_fee, result: c.result, protocol: c.protocol }));
    sendJson(res, 200, { items });
    return true;
  }

  if (path === '/sandbox/notifications' && method === 'GET') {
    const items = ctx.store.notifications().map((n) => ({
      id: n.id,
      kind: n.kind,
      ref: n.ref,
      url: n.url,
      status: n.status,
      attempts: n.attempts,
      nextAt: n.next_at,
      deliveredAt: n.delivered_at,
      lastError: n.last_error,
      protocol: n.protocol,
      keyMode: n.key_mode,
    }));
    sendJson(res, 200, { items });
    return true;
  }

  const settle = /^\/sandbox\/refunds\/([^/]+)\/settle$/.exec(path);
  if (settle && method === 'POST') {
    const body = parseJson(res, raw, SettleBody);
    if (!body) return true;
    const outRefundNo = decodeURIComponent(settle[1]);
    const refund = ctx.store.refund(outRefundNo);
    if (!refund) {
      sendJson(res, 404, { error: `no refund ${outRefundNo}` });
      return true;
    }
    const settled = ctx.settler.settle(outRefundNo, body.status);
    if (!settled) {
      sendJson(res, 409, { error: `refund ${outRefundNo} is not PROCESSING`, status: ctx.store.refund(outRefundNo)?.status });
      return true;
    }
    const delivered = await firstDelivery(ctx, settled.notificationIds);
    sendJson(res, 200, { ...refundItem(ctx, settled.refund), delivered });
    return true;
  }

  if (path === '/sandbox/vendor-refund' && method === 'POST') {
    const body = parseJson(res, raw, VendorRefundBody);
    if (!body) return true;
    await vendorRefund(ctx, body, res);
    return true;
  }

  if (path.startsWith('/sandbox/v3/')) return v3Control(ctx, method, path, res);
  return platformControl(ctx, method, url, raw, res);
}

/** A refund made by hand on the merchant platform: WeChat numbers it, settles it, and notifies the merchant. */
async function vendorRefund(ctx: Ctx, body: z.infer<typeof VendorRefundBody>, res: ServerResponse): Promise<void> {
  const created = ctx.store.tx((): { error: [number, object] } | { outRefundNo: string } => {
    const trade = readTrade(ctx, body.out_trade_no);
    if (!trade) return { error: [404, { error: `no trade ${body.out_trade_no}` }] };
    if (trade.state !== 'SUCCESS') return { error: [409, { error: `trade ${body.out_trade_no} is not paid` }] };
    const problem = refundLimitProblem(trade, ctx.store.refundsOfTrade(trade.out_trade_no), body.refund_fee);
    if (problem) return { error: [409, { error: problem[1], err_code: problem[0] }] };
    const protocol = body.protocol ?? trade.protocol;
    // A v2 notify URL takes XML and a v3 one JSON: only a URL of the same protocol is reused.
    const last = ctx.store.lastRefundNotifyUrl(trade.out_trade_no, protocol);
    const notifyUrl = body.notify_url ?? last?.url;
    if (!notifyUrl) return { error: [409, { error: `no ${protocol} refund notify_url known for this trade: pass notify_url` }] };
    const keyMode: KeyMode | null =
      protocol === 'v2' ? null : (body.keyMode ?? last?.keyMode ?? trade.key_mode ?? 'platform-certificate');
    const now = Date.now();
    const refundId = newRefundId(now);
    ctx.store.insertRefund({
      out_refund_no: refundId, // the merchant platform numbers these refunds itself
      refund_id: refundId,
      out_trade_no: trade.out_trade_no,
      total_fee: trade.total_fee,
      refund_fee: body.refund_fee,
      status: 'PROCESSING',
      source: 'VENDOR_PLATFORM',
      refund_account: 'REFUND_SOURCE_UNSETTLED_FUNDS',
      notify_url: notifyUrl,
      settle_at: now, // if we die before settling below, the settler finishes it on restart
      created_at: now,
      protocol,
      key_mode: keyMode,
    });
    return { outRefundNo: refundId };
  });
  if ('error' in created) {
    sendJson(res, created.error[0], created.error[1]);
    return;
  }
  const settled = ctx.settler.settle(created.outRefundNo, 'SUCCESS');
  const refund = settled?.refund ?? (ctx.store.refund(created.outRefundNo) as RefundRow);
  const delivered = settled ? await firstDelivery(ctx, settled.notificationIds) : false;
  sendJson(res, 200, { ...refundItem(ctx, refund), delivered });
}
