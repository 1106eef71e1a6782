// WeChat Pay callbacks, v2 (XML in, XML reply) and v3 (signed JSON in, a status out). Any refusal is a FAIL
// reply with nothing changed. Public URLs: authenticity is the notification's own (v2 pay: sign; v2 refund:
// req_info decrypts with the APIv2 key; v3: Wechatpay-Signature, then the resource decrypts with the APIv3 key).
import express, { type ErrorRequestHandler, type Router } from 'express';
import type { Logger } from 'pino';
import type { Db } from '../db/client.ts';
import { notifyPath, type PayGateway } from '../gateway/gateway.ts';
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

export function notifyRoutes(api: Api, deps: NotifyRouteDeps, r: Router): void {
  const raw = express.raw({ type: () => true, limit: MAX_NOTIFY_BYTES });
  // v2 answers in XML; v3 looks only at the status: 204 when handled, else 4xx/5xx {"code":"FAIL","message"}
  const reply = {
    v2: (res: express.Response, status: number, ok: boolean, message: string) => res.status(status).type('application/xml').send(notifyReply(ok, message)),
    v3: (res: express.Response, status: number, ok: boolean, message: string) =>
      ok ? res.status(204).end() : res.status(status).json({ code: 'FAIL', message: message.slice(0, 256) }),
  } as const;

  const handlers = {
    pay: handlePayNotification,
    refund: handleRefundNotification,
  } as const;
  const summaries = {
    v2: { pay: 'WeChat Pay payment notification (APIv2: signed XML)', refund: 'WeChat Pay refund notification (APIv2: encrypted req_info)' },
    v3: { pay: 'WeChat Pay payment notification (APIv3: signed JSON, AES-GCM resource)', refund: 'WeChat Pay refund notification (APIv3: signed JSON, AES-GCM resource)' },
  } as const;
  // Both protocols' routes are always open: a shop that moved from v2 to v3 still hears about what it sent over v2.
  for (const version of ['v2', 'v3'] as const) {
    for (const kind of ['pay', 'refund'] as const) {
      const path = notifyPath(version, kind);
      // no guard: WeChat sends no credential of ours; the handler verifies the notification (see Auth in route.ts)
      api.document({ method: 'post', path, tag: 'wechat', auth: 'wechat', summary: summaries[version][kind] });
      r.post(path, raw, async (req, res) => {
        const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
        crashPoint(`in-${kind}-notification`);
        let failed = false;
        const received = { headers: req.headers, body };
        const answer = await safely(deps.db, kind, body, () => handlers[kind](deps.db, deps.gateway, version, received), (err) => {
          failed = true;
          deps.log.error({ err, kind, version }, 'notification could not be applied');
        });
        reply[version](res, answer.ok ? 200 : failed ? 500 : 400, answer.ok, answer.message);
      });
    }
  }
  const onError: ErrorRequestHandler = (err, req, res, next) => {
    const type = (err as { type?: string }).type;
    if (!type) return next(err);
    const send = req.originalUrl.startsWith('/api/wxpay/v3/') ? reply.v3 : reply.v2;
    if (type === 'entity.too.large') return send(res, 413, false, 'body too large');
    send(res, 400, false, 'body could not be read');
  };
  r.use('/api/wxpay', onError);
}
