// Merchant admin API: session cookie + X-CSRF-Token; thin routes over the services.
import type { Router } from 'express';
import { rateLimit } from 'express-rate-limit';
import { z } from 'zod';
import type { Db } from '../db/client.ts';
import { login, logout } from '../admins/service.ts';
import { createProduct, listProducts, updateProduct } from '../products/service.ts';
import { refundStats } from '../queries/dashboard.ts';
import { listOrders, orderDetail } from '../queries/order-list.ts';
import { refundDetail } from '../queries/refund-detail.ts';
import { listRefunds } from '../queries/refund-queue.ts';
import { settleAbnormalRefund } from '../refunds/abnormal-settle.ts';
import { approveRefund, rejectRefund, retryRefund } from '../refunds/service.ts';
import type { PayGateway } from '../gateway/gateway.ts';
import { clearSessionCookie, setSessionCookie } from './cookies.ts';
import { DomainError } from '../errors.ts';
import { parseWith, type Api } from './route.ts';
import * as S from './schemas.ts';
import { staffOf, viewerOf } from './staff-context.ts';
import { capabilitiesOf, STAFF_ROLES } from '../lifecycle/staff.ts';

/** What these routes use of app.ts's AppDeps (declared here: http/ must not import app.ts back). */
export interface AdminRouteDeps {
  db: Db;
  gateway: PayGateway;
  config: { refundQueryAfterMs: number };
  publicBaseUrl: () => string;
  wakeDispatcher: () => void;
}

export function adminRoutes(api: Api, deps: AdminRouteDeps, r: Router): void {
  const { db } = deps;
  const secure = deps.publicBaseUrl().startsWith('https:');
  const refundNo = (p: Record<string, string>) => parseWith(S.NumberParam, p.refundNo, 'refundNo');
  const loginLimit = rateLimit({
    windowMs: 60_000,
    limit: 30, // per address, on top of the per-account failure count kept in the database
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    handler: (_req, _res, next) => next(new DomainError('RATE_LIMITED', 'Too many login attempts; wait a minute.', 60)),
  });
  const RefundList = z.object({ items: z.array(S.RefundShape.extend({ orderTotalFen: z.number().int() })), total: z.number().int(), page: z.number().int(), pageSize: z.number().int() });

  api.route(r, { method: 'post', path: '/api/admin/login', tag: 'admin', auth: 'none', summary: 'Merchant login: sets the HttpOnly SameSite=Strict session cookie', body: S.AdminLoginBody, middleware: [loginLimit], response: z.object({ csrfToken: z.string(), username: z.string(), role: z.enum(STAFF_ROLES) }), errors: [400, 401, 429] }, async ({ req, res, body }) => {
    const s = await login(db, body.username, body.password, req.ip ?? 'unknown');
    setSessionCookie(res, s.token, s.expiresAt, secure);
    return { csrfToken: s.csrfToken, username: s.username, role: s.role };
  });

  api.route(r, { method: 'post', path: '/api/admin/logout', tag: 'admin', auth: 'admin', summary: 'End the session', status: 204, errors: [401, 403] }, async ({ req, res }) => {
    await logout(db, req.admin!.sessionId);
    clearSessionCookie(res, secure);
    return undefined;
  });

  api.route(r, { method: 'get', path: '/api/admin/me', tag: 'admin', auth: 'admin', summary: 'Who is logged in, their role and what it may do, and the session’s CSRF token (for a reloaded page)', response: z.object({ username: z.string(), role: z.enum(STAFF_ROLES), capabilities: z.array(z.string()), csrfToken: z.string() }), errors: [401] }, async ({ req }) => ({
    username: req.admin!.username,
    role: req.admin!.role,
    capabilities: capabilitiesOf(req.admin!.role),
    csrfToken: req.admin!.csrfToken,
  }));

  api.route(r, { method: 'get', path: '/api/admin/stats', tag: 'admin', auth: 'admin', summary: 'Dashboard: refunds per status, refunded today', errors: [401] }, async () => refundStats(db));

  api.route(r, { method: 'get', path: '/api/admin/refunds', tag: 'admin', auth: 'admin', summary: 'The refund queue', query: S.AdminRefundsQuery, response: RefundList, errors: [400, 401] }, async ({ req, query }) =>
    listRefunds(db, query, await viewerOf(db, req)),
  );

  api.route(r, { method: 'get', path: '/api/admin/refunds/:refundNo', tag: 'admin', auth: 'admin', summary: 'A refund with its order, events and WeChat calls', errors: [401, 404] }, async ({ req, params }) =>
    refundDetail(db, refundNo(params), await viewerOf(db, req)),
  );

  api.route(r, { method: 'post', path: '/api/admin/refunds/:refundNo/approve', tag: 'admin', auth: 'admin', summary: 'Approve: the dispatcher then sends it to WeChat Pay', response: S.RefundShape, errors: [401, 403, 404, 409] }, async ({ req, params }) => {
    const refund = await approveRefund(db, refundNo(params), staffOf(req));
    deps.wakeDispatcher();
    return refund;
  });

  api.route(r, { method: 'post', path: '/api/admin/refunds/:refundNo/reject', tag: 'admin', auth: 'admin', summary: 'Reject with a reason the buyer will see', body: S.RejectBody, response: S.RefundShape, errors: [400, 401, 403, 404, 409] }, async ({ req, params, body }) =>
    rejectRefund(db, refundNo(params), staffOf(req), body.reason),
  );

  api.route(r, { method: 'post', path: '/api/admin/refunds/:refundNo/retry', tag: 'admin', auth: 'admin', summary: 'Send a FAILED refund again (same refund number and amount)', response: S.RefundShape, errors: [401, 403, 404, 409] }, async ({ req, params }) => {
    const refund = await retryRefund(db, refundNo(params), staffOf(req));
    deps.wakeDispatcher();
    return refund;
  });

  api.route(r, { method: 'post', path: '/api/admin/refunds/:refundNo/abnormal', tag: 'admin', auth: 'admin', summary: 'Send an ABNORMAL refund to the merchant’s bank card (APIv3 apply-abnormal-refund); REFUNDING until WeChat’s answer', body: S.AbnormalBody, response: S.RefundShape, errors: [400, 401, 403, 404, 409] }, async ({ req, params }) =>
    settleAbnormalRefund(db, deps.gateway, refundNo(params), staffOf(req), deps.config),
  );

  api.route(r, { method: 'get', path: '/api/admin/orders', tag: 'admin', auth: 'admin', summary: 'Orders, newest first', query: S.AdminOrdersQuery, errors: [400, 401] }, async ({ req, query }) =>
    listOrders(db, query, await viewerOf(db, req)),
  );

  api.route(r, { method: 'get', path: '/api/admin/orders/:orderNo', tag: 'admin', auth: 'admin', summary: 'An order with its refunds and buyer', response: S.OrderShape, errors: [401, 404] }, async ({ req, params }) =>
    orderDetail(db, parseWith(S.NumberParam, params.orderNo, 'orderNo'), await viewerOf(db, req)),
  );

  api.route(r, { method: 'get', path: '/api/admin/products', tag: 'admin', auth: 'admin', summary: 'All products, on sale or not', response: z.object({ items: z.array(S.ProductShape) }), errors: [401] }, async () => ({
    items: await listProducts(db, false),
  }));

  api.route(r, { method: 'post', path: '/api/admin/products', tag: 'admin', auth: 'admin', summary: 'Add a product (on sale)', allow: 'manage_products', body: S.CreateProductBody, status: 201, response: S.ProductShape, errors: [400, 401, 403] }, async ({ body }) =>
    createProduct(db, body),
  );

  api.route(r, { method: 'patch', path: '/api/admin/products/:id', tag: 'admin', auth: 'admin', summary: 'Change a product; placed orders keep their prices', allow: 'manage_products', body: S.PatchProductBody, response: S.ProductShape, errors: [400, 401, 403, 404] }, async ({ params, body }) =>
    updateProduct(db, parseWith(z.coerce.number().int().positive(), params.id, 'id'), body),
  );
}
