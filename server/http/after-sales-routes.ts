// After-sales: the buyer's return shipment, the merchant's receipt or refusal of returned goods, and the
// settings buyers see (refund reasons, subscribe templates). Thin routes over refunds/ and settings/.
import type { Router } from 'express';
import { z } from 'zod';
import type { Db } from '../db/client.ts';
import { receiveReturn, refuseReturn, returnShipped } from '../refunds/service.ts';
import { getSettings, settingChanges, updateSettings } from '../settings/service.ts';
import { parseWith, type Api } from './route.ts';
import * as S from './schemas.ts';
import { staffOf } from './staff-context.ts';

export interface AfterSalesRouteDeps {
  db: Db;
  wakeDispatcher: () => void;
  config: { subscribeTemplateRefund: string | null };
}

export function afterSalesRoutes(api: Api, deps: AfterSalesRouteDeps, r: Router): void {
  const { db } = deps;
  const refundNo = (p: Record<string, string>) => parseWith(S.NumberParam, p.refundNo, 'refundNo');

  api.route(r, { method: 'get', path: '/api/mp/config', tag: 'buyer', auth: 'none', summary: 'What the mini-program asks the buyer for: subscribe templates and the merchant’s refund reasons', response: z.object({ subscribeTemplateIds: z.array(z.string()), refundReasons: S.SettingsShape.shape.refundReasons }) }, async () => ({
    subscribeTemplateIds: deps.config.subscribeTemplateRefund ? [deps.config.subscribeTemplateRefund] : [],
    refundReasons: (await getSettings(db)).refundReasons,
  }));

  api.route(r, { method: 'post', path: '/api/mp/refunds/:refundNo/return', tag: 'buyer', auth: 'buyer', summary: 'The goods are on their way back: the return’s carrier and tracking number', body: S.ReturnShipmentBody, response: S.RefundShape, errors: [400, 401, 404, 409] }, async ({ req, params, body }) =>
    returnShipped(db, refundNo(params), req.buyer!.id, body),
  );

  api.route(r, { method: 'post', path: '/api/admin/refunds/:refundNo/receive', tag: 'admin', auth: 'admin', summary: 'The returned goods arrived: the refund goes to WeChat Pay', response: S.RefundShape, errors: [401, 403, 404, 409] }, async ({ req, params }) => {
    const refund = await receiveReturn(db, refundNo(params), staffOf(req));
    deps.wakeDispatcher();
    return refund;
  });

  api.route(r, { method: 'post', path: '/api/admin/refunds/:refundNo/refuse', tag: 'admin', auth: 'admin', summary: 'Refuse the returned goods, with a reason the buyer will see', body: S.RejectBody, response: S.RefundShape, errors: [400, 401, 403, 404, 409] }, async ({ req, params, body }) =>
    refuseReturn(db, refundNo(params), staffOf(req), body.reason),
  );

  api.route(r, { method: 'get', path: '/api/admin/settings', tag: 'admin', auth: 'admin', summary: 'The approval limit and the refund reasons', response: S.SettingsShape, errors: [401] }, async () => getSettings(db));

  api.route(r, { method: 'patch', path: '/api/admin/settings', tag: 'admin', auth: 'admin', summary: 'Change the approval limit or the refund reasons (each change is kept with who made it)', allow: 'manage_settings', body: S.PatchSettingsBody, response: S.SettingsShape, errors: [400, 401, 403] }, async ({ req, body }) =>
    updateSettings(db, body, req.admin!.username),
  );

  api.route(r, { method: 'get', path: '/api/admin/settings/changes', tag: 'admin', auth: 'admin', summary: 'Who changed which setting, when, from what to what (newest first)', allow: 'manage_settings', errors: [401, 403] }, async () => ({
    items: await settingChanges(db),
  }));
}
