// The /sandbox/* control API of the platform side: its faults, what WeChat holds (shipping uploads, subscribe messages, tokens).
import type { ServerResponse } from 'node:http';
import { z } from 'zod';
import type { Ctx } from './context.ts';
import { PlatformFaultsPatch } from './faults.ts';
import { parseJson, sendJson } from './http-io.ts';
import type { ShippingUploadRow } from './platform-store.ts';
import { orderState } from './shipping-api.ts';

const StateBody = z.strictObject({ order_state: z.union([z.literal(3), z.literal(4)]) });

function parsed(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** One transaction as WeChat's shipping service sees it: accepted uploads, re-ships, its state, every upload. */
function shippingItem(ctx: Ctx, transactionId: string, uploads: ShippingUploadRow[]) {
  const trade = ctx.store.tradeByTransactionId(transactionId);
  const paid = trade?.state === 'SUCCESS' ? trade : undefined;
  const ship = ctx.platform.shippingOrder(transactionId);
  return {
    transactionId,
    outTradeNo: paid?.out_trade_no ?? null,
    payer: paid?.openid ?? null,
    accepted: ship?.accepted ?? 0,
    reships: Math.max(0, (ship?.accepted ?? 0) - 1),
    /** get_order's order_state; null when the sandbox has no paid trade with this transaction_id. */
    orderState: paid ? orderState(ctx, paid, ship) : null,
    lastBody: ship ? parsed(ship.last_body) : null,
    uploads: uploads.map((u) => ({ at: u.at, errcode: u.errcode, reship: u.reship === 1, body: parsed(u.body) })),
  };
}

function shippingUploads(ctx: Ctx, transactionId: string | null) {
  const byTx = new Map<string, ShippingUploadRow[]>();
  const unkeyed: ShippingUploadRow[] = [];
  for (const u of ctx.platform.uploads(transactionId ?? undefined)) {
    if (u.transaction_id === null) unkeyed.push(u);
    else byTx.set(u.transaction_id, [...(byTx.get(u.transaction_id) ?? []), u]);
  }
  return {
    items: [...byTx].map(([tx, uploads]) => shippingItem(ctx, tx, uploads)),
    /** Refused uploads that named no transaction_id (a malformed body). */
    unkeyed: unkeyed.map((u) => ({ at: u.at, errcode: u.errcode, body: parsed(u.body) })),
  };
}

function platformFaults(ctx: Ctx, method: string, raw: Buffer, res: ServerResponse): boolean {
  if (method === 'GET') sendJson(res, 200, ctx.faults.platform());
  else if (method === 'DELETE') sendJson(res, 200, ctx.faults.clearPlatform());
  else if (method === 'POST' || method === 'PUT') {
    const patch = parseJson(res, raw, PlatformFaultsPatch);
    if (!patch) return true;
    const expiredTokens = patch.expireTokens ? ctx.platform.expireTokens(Date.now()) : undefined;
    const state = ctx.faults.applyPlatform(patch);
    ctx.log.info({ faults: state, expiredTokens }, 'sandbox platform faults set');
    sendJson(res, 200, expiredTokens === undefined ? state : { ...state, expiredTokens });
  } else return false;
  return true;
}

/** Handles a platform /sandbox/* request; false when no route matched. */
export async function platformControl(ctx: Ctx, method: string, url: URL, raw: Buffer, res: ServerResponse): Promise<boolean> {
  const path = url.pathname;
  if (path === '/sandbox/platform/faults') return platformFaults(ctx, method, raw, res);

  if (path === '/sandbox/shipping-uploads' && method === 'GET') {
    sendJson(res, 200, shippingUploads(ctx, url.searchParams.get('transactionId')));
    return true;
  }

  if (path === '/sandbox/subscribe-messages' && method === 'GET') {
    const items = ctx.platform.messages().map((m) => ({
      msgid: m.errcode === 0 ? m.id : null,
      at: m.at,
      touser: m.touser,
      templateId: m.template_id,
      errcode: m.errcode,
      body: parsed(m.body),
    }));
    sendJson(res, 200, { items });
    return true;
  }

  if (path === '/sandbox/tokens' && method === 'GET') {
    // Never the tokens themselves: how many were issued, and when each lives.
    const now = Date.now();
    const rows = ctx.platform.tokens();
    const items = rows.map((t) => ({
      id: t.id,
      issuedAt: t.issued_at,
      expiresAt: t.expires_at,
      revokedAt: t.revoked_at,
      forced: t.forced === 1,
      live: t.revoked_at === null && t.expires_at > now,
    }));
    const requests = ctx.platform.calls().filter((c) => c.api === 'stable_token').length;
    sendJson(res, 200, { issued: rows.length, live: items.filter((t) => t.live).length, requests, items });
    return true;
  }

  if (path === '/sandbox/platform-calls' && method === 'GET') {
    const items = ctx.platform.calls().map((c) => ({ at: c.at, api: c.api, errcode: c.errcode, fault: c.fault }));
    sendJson(res, 200, { items });
    return true;
  }

  const state = /^\/sandbox\/shipping-orders\/([^/]+)\/state$/.exec(path);
  if (state && method === 'POST') {
    const body = parseJson(res, raw, StateBody);
    if (!body) return true;
    const transactionId = decodeURIComponent(state[1]);
    if (!ctx.platform.setOrderState(transactionId, body.order_state, Date.now())) {
      sendJson(res, 409, { error: `transaction ${transactionId} was never shipped` });
      return true;
    }
    sendJson(res, 200, shippingUploads(ctx, transactionId).items[0] ?? { transactionId, orderState: body.order_state });
    return true;
  }

  return false;
}
