// Fulfilment: the carriers, the merchant ships, the buyer confirms receipt, the merchant retries a
// shipment's upload to WeChat. Thin routes over orders/shipping.ts.
import type { Router } from 'express';
import type { Db } from '../db/client.ts';
import { shippingCause } from '../orders/shipping-upload.ts';
import { receiveOrder, shipOrder } from '../orders/shipping.ts';
import { getBuyerOrder } from '../orders/service.ts';
import { retryNow } from '../outbox/outbox.ts';
import { orderDetail } from '../queries/order-list.ts';
import { CARRIERS } from '../wechat/carriers.ts';
import { parseWith, type Api } from './route.ts';
import * as S from './schemas.ts';
import { viewerOf } from './staff-context.ts';

export interface FulfilmentRouteDeps {
  db: Db;
  /** Something was queued for WeChat: send it now rather than at the next poll. */
  wakeOutbox: () => void;
}

export function fulfilmentRoutes(api: Api, deps: FulfilmentRouteDeps, r: Router): void {
  const { db } = deps;
  const orderNo = (p: Record<string, string>) => parseWith(S.NumberParam, p.orderNo, 'orderNo');

  api.route(r, { method: 'get', path: '/api/admin/carriers', tag: 'admin', auth: 'admin', summary: 'WeChat’s express company codes, for the ship dialog', response: S.CarrierList, errors: [401] }, async () => ({
    items: CARRIERS.map((c) => ({ code: c.code, name: c.name })),
  }));

  api.route(r, { method: 'post', path: '/api/admin/orders/:orderNo/ship', tag: 'admin', auth: 'admin', summary: 'Ship a paid order; WeChat’s shipping service is told after this answers', body: S.ShipBody, response: S.OrderShape, errors: [400, 401, 403, 404, 409] }, async ({ req, params, body }) => {
    const no = orderNo(params);
    await shipOrder(db, no, body, { role: 'admin', name: req.admin!.username, staffRole: req.admin!.role });
    deps.wakeOutbox();
    return orderDetail(db, no, await viewerOf(db, req));
  });

  api.route(r, { method: 'post', path: '/api/admin/orders/:orderNo/wechat-shipping/retry', tag: 'admin', auth: 'admin', summary: 'Try the shipment’s upload to WeChat again now', allow: 'retry_shipping_upload', response: S.OrderShape, errors: [401, 403, 404, 409] }, async ({ req, params }) => {
    const no = orderNo(params);
    await retryNow(db, shippingCause(no));
    deps.wakeOutbox();
    return orderDetail(db, no, await viewerOf(db, req));
  });

  api.route(r, { method: 'post', path: '/api/mp/orders/:orderNo/receive', tag: 'buyer', auth: 'buyer', summary: 'Confirm receipt of a shipped order (确认收货)', response: S.OrderShape, errors: [401, 404, 409] }, async ({ req, params }) => {
    const no = orderNo(params);
    await receiveOrder(db, req.buyer!.id, no);
    return getBuyerOrder(db, req.buyer!.id, no);
  });
}
