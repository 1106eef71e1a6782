// createApp(deps): middleware, routers, the admin web, the error handler. Never listens (tests use it).
import { existsSync } from 'node:fs';
import path from 'node:path';
import express from 'express';
import helmet from 'helmet';
import type { Logger } from 'pino';
import type { Config } from './config.ts';
import type { Db } from './db/client.ts';
import type { PayGateway } from './gateway/gateway.ts';
import { adminRoutes } from './http/admin-routes.ts';
import { fulfilmentRoutes } from './http/fulfilment-routes.ts';
import { afterSalesRoutes } from './http/after-sales-routes.ts';
import { ADMIN_SESSION_CACHE_MS, LookupCache, requireAdmin, requireBuyer } from './http/auth.ts';
import { staffRoutes } from './http/staff-routes.ts';
import type { AdminPrincipal } from './admins/service.ts';
import { apiNotFound, errorHandler } from './http/error-handler.ts';
import { exportRoutes } from './http/export-routes.ts';
import { mpRoutes } from './http/mp-routes.ts';
import { notifyRoutes } from './http/notify-routes.ts';
import { buildOpenApi } from './http/openapi.ts';
import { Api } from './http/route.ts';
import { rejectNul } from './http/reject-nul.ts';
import { requestLog } from './http/request-log.ts';
import { uploadRoutes } from './http/upload-routes.ts';
import { REPO_ROOT } from './repo-root.ts';

export interface AppDeps {
  config: Config;
  db: Db;
  gateway: PayGateway;
  log: Logger;
  /** jscode2session: a wx.login code → the buyer's openid. */
  code2Session: (code: string) => Promise<string>;
  wakeDispatcher: () => void;
  wakeOutbox: () => void;
  publicBaseUrl: () => string;
  version: string;
}

export const ADMIN_DIST = path.join(REPO_ROOT, 'admin-web', 'dist');

export function createApp(deps: AppDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback'); // behind nginx on the same host, req.ip is the buyer's address
  app.use(
    helmet({
      contentSecurityPolicy: {
        directives: {
          // Element Plus sets inline styles; scripts stay same-origin only
          'style-src': ["'self'", "'unsafe-inline'"],
          'img-src': ["'self'", 'data:', 'https:'],
          'upgrade-insecure-requests': null,
        },
      },
    }),
  );
  app.use(requestLog(deps.log));

  // each route's declared auth picks its guard here (route.ts); 'wechat' routes verify WeChat's signature themselves
  // one memo of admin sessions: the guard reads it, staff management empties it when someone is disabled
  const adminSessions = new LookupCache<AdminPrincipal>(ADMIN_SESSION_CACHE_MS);
  const api = new Api({ buyer: requireBuyer(deps.db), admin: requireAdmin(deps.db, adminSessions) });
  // every group of routes goes on the app's own router, in this order: a request passed through a group's own
  // router that had no route for it left it through a setImmediate, for a request started by request-turns.ts a
  // whole event-loop turn per group (docs/architecture.md, "Request turns")
  const routes = app.router;
  // notifications read their own raw body, before the JSON parser
  notifyRoutes(api, deps, routes);
  app.use('/api', express.json({ limit: '32kb' }), rejectNul);
  app.get('/healthz', async (_req, res) => {
    await deps.db.$queryRawUnsafe('SELECT 1');
    res.json({ status: 'ok' });
  });
  mpRoutes(api, deps, routes);
  exportRoutes(api, deps, routes); // before adminRoutes: /api/admin/refunds/:refundNo would take export.csv
  adminRoutes(api, deps, routes);
  fulfilmentRoutes(api, deps, routes);
  afterSalesRoutes(api, deps, routes);
  staffRoutes(api, { db: deps.db, forgetAdminSessions: () => adminSessions.clear() }, routes);
  uploadRoutes(api, deps, routes); // after mpRoutes: /api/mp's per-buyer limit applies; multipart passes express.json unread
  // built on the first request for it, not at start: most starts never serve it
  let openapi: ReturnType<typeof buildOpenApi> | undefined;
  app.get('/api/openapi.json', (_req, res) => {
    openapi ??= buildOpenApi(api, deps.version);
    res.json(openapi);
  });
  app.use('/api', apiNotFound);

  if (existsSync(ADMIN_DIST)) {
    app.use('/admin', express.static(ADMIN_DIST, { index: 'index.html', maxAge: '1h' }));
    // the admin web routes in the browser (history mode): any other /admin path is its index.html
    app.get('/admin/{*rest}', (_req, res) => {
      res.sendFile(path.join(ADMIN_DIST, 'index.html'));
    });
  } else {
    app.get('/admin/{*rest}', (_req, res) => {
      res.status(503).type('text/plain').send('The admin web is not built yet: run `npm install` (or `npm run build:admin`).');
    });
  }
  app.get('/', (_req, res) => res.redirect('/admin/'));
  app.use(errorHandler(deps.log));
  return app;
}
