// Buyer API (the mini-program): thin routes that parse, call a service and shape the answer.
import type { Router } from 'express';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import { z } from 'zod';
import type { Config } from '../config.ts';
import type { Db } from '../db/client.ts';
import type { PayGateway } from '../gateway/gateway.ts';
import { issueBuyerToken } from '../buyers/service.ts';
import { createOrder, getBuyerOrder, listBuyerOrders } from '../orders/service.ts';
import { sandboxPay, startPayment } from '../payments/checkout.ts';
import { listProducts } from '../products/service.ts';
import { cancelRefund, getBuyerRefund, requestRefund } from '../refunds/service.ts';
import { DomainError } from '../errors.ts';
import { bearerToken } from './auth.ts';
import { tokenHash } from '../lib/secrets.ts';
import { parseWith, type Api } from './route.ts';
import * as S from './schemas.ts';

/** What these routes use of app.ts's AppDeps (declared here: http/ must not import app.ts back). */
export interface MpRouteDeps {
  db: Db;
  gateway: PayGateway;
  config: Pick<Config, 'buyerRateLimitPerMin'>;
  code2Session: (code: string) => Promise<string>;
}

export function mpRoutes(api: Api, deps: MpRouteDeps, r: Router): void {
  const { db, gateway } = deps;
  const limited = rateLimit({
    windowMs: 60_000,
    limit: deps.config.buyerRateLimitPerMin,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    // per buyer when logged in (many buyers share a carrier's NAT address), else per address
    keyGenerator: (req) => {
      const t = bearerToken(req);
      return t ? `t:${tokenHash(t)}` : `ip:${ipKeyGenerator(req.ip ?? '')}`;
    },
    handler: (_req, _res, next) => next(new DomainError('RATE_LIMITED', 'Too many requests; wait a minute and try again.', 60)),
  });
  r.use('/api/mp', limited);
  const params = (raw: Record<string, string>, name: string) => parseWith(S.NumberParam, raw[name], name);

  api.route(r, { method: 'post', path: '/api/mp/login', tag: 'buyer', auth: 'none', summary: 'Exchange a wx.login code for a bearer token', body: S.LoginBody, response: z.object({ token: z.string(), expiresAt: z.string() }), errors: [400, 401, 502] }, async ({ body }) => {
    const openid = await deps.code2Session(body.code);
    const t = await issueBuyerToken(db, openid);
    return { token: t.token, expiresAt: t.expiresAt.toISOString() };
  });

  api.route(r, { method: 'get', path: '/api/mp/products', tag: 'buyer', auth: 'buyer', summary: 'Products on sale', response: z.object({ items: z.array(S.ProductShape) }) }, async () => ({
    items: await listProducts(db, true),
  }));

  api.route(r, { method: 'post', path: '/api/mp/orders', tag: 'buyer', auth: 'buyer', summary: 'Place an order (stock is taken)', body: S.CreateOrderBody, status: 201, response: S.OrderShape, errors: [400, 401, 404, 422] }, async ({ req, body }) =>
    createOrder(db, req.buyer!.id, body.items, body.address),
  );

  api.route(r, { method: 'get', path: '/api/mp/orders', tag: 'buyer', auth: 'buyer', summary: "The buyer's own orders, newest first (one tab or all), and how many are in each tab", query: S.BuyerOrdersQuery, response: z.object({ items: z.array(S.OrderShape), counts: z.record(z.enum(S.BUYER_TABS), z.number().int()) }), errors: [400, 401] }, async ({ req, query }) =>
    listBuyerOrders(db, req.buyer!.id, query.tab),
  );

  api.route(r, { method: 'get', path: '/api/mp/orders/:orderNo', tag: 'buyer', auth: 'buyer', summary: 'One of the buyer’s orders', response: S.OrderShape, errors: [401, 404] }, async ({ req, params: p }) =>
    getBuyerOrder(db, req.buyer!.id, params(p, 'orderNo')),
  );

  api.route(r, { method: 'post', path: '/api/mp/orders/:orderNo/pay', tag: 'buyer', auth: 'buyer', summary: 'Unified order (JSAPI) and the wx.requestPayment parameters', response: S.PaymentShape, errors: [401, 404, 409, 502] }, async ({ req, params: p }) =>
    startPayment(db, gateway, req.buyer!.id, params(p, 'orderNo'), req.ip),
  );

  if (gateway.sandboxPay) {
    api.route(r, { method: 'post', path: '/api/mp/orders/:orderNo/sandbox-pay', tag: 'buyer', auth: 'buyer', summary: 'Sandbox mode only: the simulated cashier pays and WeChat’s pay notification arrives', response: S.OrderShape, errors: [401, 404, 409] }, async ({ req, params: p }) =>
      sandboxPay(db, gateway, req.buyer!.id, params(p, 'orderNo'), req.ip),
    );
  }

  api.route(r, { method: 'post', path: '/api/mp/orders/:orderNo/refunds', tag: 'buyer', auth: 'buyer', summary: 'Ask for a refund of (part of) a paid order', body: S.RefundRequestBody, headers: { 'Idempotency-Key': 'optional; the same key returns the same refund and creates nothing' }, status: 201, response: S.RefundShape, errors: [400, 401, 404, 409, 422] }, async ({ req, params: p, body }) => {
    const rawKey = req.get('idempotency-key');
    const key = rawKey === undefined ? undefined : parseWith(S.IdempotencyKeyHeader, rawKey, 'Idempotency-Key');
    const { refund } = await requestRefund(db, req.buyer!.id, params(p, 'orderNo'), body, key);
    return refund;
  });

  api.route(r, { method: 'get', path: '/api/mp/refunds/:refundNo', tag: 'buyer', auth: 'buyer', summary: 'One of the buyer’s refunds', response: S.RefundShape, errors: [401, 404] }, async ({ req, params: p }) =>
    getBuyerRefund(db, params(p, 'refundNo'), req.buyer!.id),
  );

  api.route(r, { method: 'post', path: '/api/mp/refunds/:refundNo/cancel', tag: 'buyer', auth: 'buyer', summary: 'Withdraw a refund request (only while REQUESTED)', response: S.RefundShape, errors: [401, 404, 409] }, async ({ req, params: p }) =>
    cancelRefund(db, params(p, 'refundNo'), req.buyer!.id),
  );
}
