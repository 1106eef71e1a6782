// WeChat Pay callbacks: raw XML in, WeChat's XML reply out. Any refusal is a FAIL reply with nothing changed.
// Public URLs: authenticity is the notification's own (pay: sign; refund: req_info decrypts with the merchant key).
import express, { Router, type ErrorRequestHandler } from 'express';
import type { Logger } from 'pino';
import type { Db } from '../db/client.ts';
import type { PayGateway } from '../gateway/gateway.ts';
import { safely } from '../notifications/inbox.ts';
import { handlePayNotification } from '../payments/pay-notification.ts';
import { handleRefundNotification } from '../refunds/refund-notification.ts';
import { notifyReply } from '../wechatpay/notify.ts';
import type { Api } from './route.ts';
import { crashPoint } from '../test-faults.ts';

const MAX_NOTIFY_BYTES = 64 * 1024; // WeChat's notifications are a few KB

/** What these routes use of app.ts's AppDeps (declared here: http/ must not import app.ts back). */
export interface NotifyRouteDeps {
  db: Db;
  gateway: PayGateway;
  log: Logger;
}

export function notifyRoutes(api: Api, deps: NotifyRouteDeps): Router {
  const r = Router();
  const raw = express.raw({ type: () => true, limit: MAX_NOTIFY_BYTES });
  const xml = (res: express.Response, status: number, ok: boolean, message: string) =>
    res.status(status).type('application/xml').send(notifyReply(ok, message));

  const handlers = {
    pay: handlePayNotification,
    refund: handleRefundNotification,
  } as const;
  for (const kind of ['pay', 'refund'] as const) {
    // no guard: WeChat sends no credential of ours; the handler verifies the notification (see Auth in route.ts)
    api.document({
      method: 'post',
      path: `/api/wxpay/notify/${kind}`,
      tag: 'wechat',
      auth: 'wechat',
      summary: kind === 'pay' ? 'WeChat Pay payment notification (signed XML)' : 'WeChat Pay refund notification (encrypted req_info)',
    });
    r.post(`/api/wxpay/notify/${kind}`, raw, async (req, res) => {
      const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      crashPoint(`in-${kind}-notification`);
      let failed = false;
      const answer = await safely(deps.db, kind, body, () => handlers[kind](deps.db, deps.gateway, body), (err) => {
        failed = true;
        deps.log.error({ err, kind }, 'notification could not be applied');
      });
      xml(res, answer.ok ? 200 : failed ? 500 : 400, answer.ok, answer.message);
    });
  }
  const onError: ErrorRequestHandler = (err, _req, res, next) => {
    const type = (err as { type?: string }).type;
    if (type === 'entity.too.large') return xml(res, 413, false, 'body too large');
    if (type) return xml(res, 400, false, 'body could not be read');
    next(err);
  };
  r.use('/api/wxpay', onError);
  return r;
}
