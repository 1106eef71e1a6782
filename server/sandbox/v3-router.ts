// Routes one /v3/* request: finds the route, checks the Authorization (v3-auth.ts), hands over to the handler.
// Every answer, refusals included, is signed in the key mode the request asked for (v3-answer.ts) and waits
// WeChat's latency first (answer-delay.ts).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { waitBeforeAnswer } from './answer-delay.ts';
import type { Ctx } from './context.ts';
import { sendV3Error } from './v3-answer.ts';
import { authProblem } from './v3-auth.ts';
import { fail, paramError, sendReply, type V3Call } from './v3-call.ts';
import type { V3Error } from './v3-codes.ts';
import { certificates } from './v3-certificates-api.ts';
import { closeTransaction, jsapi, queryTransaction } from './v3-pay-api.ts';
import { applyAbnormalRefund, createRefund, queryRefund } from './v3-refund-api.ts';

interface Route {
  method: 'GET' | 'POST';
  pattern: RegExp;
  handle: (call: V3Call, params: string[]) => void | Promise<void>;
  /** Refund creation records every call, even one refused for its signature (the rate limit counts them). */
  recordsRefused?: (call: V3Call, error: V3Error) => void;
  /** Refund creation: a slowMs fault, when set, replaces the latency of its answers (as over v2). */
  refund?: true;
}

const ROUTES: Route[] = [
  { method: 'POST', pattern: /^\/v3\/pay\/transactions\/jsapi$/, handle: (c) => jsapi(c) },
  { method: 'GET', pattern: /^\/v3\/pay\/transactions\/out-trade-no\/([^/]+)$/, handle: (c, [no]) => queryTransaction(c, 'out_trade_no', no) },
  { method: 'GET', pattern: /^\/v3\/pay\/transactions\/id\/([^/]+)$/, handle: (c, [id]) => queryTransaction(c, 'transaction_id', id) },
  { method: 'POST', pattern: /^\/v3\/pay\/transactions\/out-trade-no\/([^/]+)\/close$/, handle: (c, [no]) => closeTransaction(c, no) },
  {
    method: 'POST',
    pattern: /^\/v3\/refund\/domestic\/refunds$/,
    handle: (c) => createRefund(c, null),
    recordsRefused: (c, error) => createRefund(c, error),
    refund: true,
  },
  { method: 'GET', pattern: /^\/v3\/refund\/domestic\/refunds\/([^/]+)$/, handle: (c, [no]) => queryRefund(c, no) },
  {
    method: 'POST',
    pattern: /^\/v3\/refund\/domestic\/refunds\/([^/]+)\/apply-abnormal-refund$/,
    handle: (c, [id]) => applyAbnormalRefund(c, id),
  },
  { method: 'GET', pattern: /^\/v3\/certificates$/, handle: (c) => certificates(c) },
];

function decoded(parts: string[]): string[] | null {
  try {
    return parts.map((p) => decodeURIComponent(p));
  } catch {
    return null;
  }
}

export async function v3Api(ctx: Ctx, req: IncomingMessage, res: ServerResponse, url: URL, raw: Buffer): Promise<void> {
  const mode = ctx.v3.modeFor(req.headers['wechatpay-serial']);
  const matches = ROUTES.map((r) => ({ r, m: r.pattern.exec(url.pathname) })).filter((x) => x.m !== null);
  if (matches.length === 0) {
    await waitBeforeAnswer(ctx);
    sendV3Error(ctx, res, mode, { status: 404, code: 'NOT_FOUND', message: `no such API: ${url.pathname}` });
    return;
  }
  const hit = matches.find((x) => x.r.method === req.method);
  if (!hit) {
    await waitBeforeAnswer(ctx);
    sendV3Error(ctx, res, mode, { status: 405, code: 'METHOD_NOT_ALLOWED', message: `${req.method} is not allowed on ${url.pathname}` });
    return;
  }
  const call: V3Call = { ctx, req, res, url, raw, mode };
  const problem = authProblem(ctx, req, raw);
  const params = decoded((hit.m as RegExpExecArray).slice(1));
  if (problem) {
    if (hit.r.recordsRefused) hit.r.recordsRefused(call, problem);
    else fail(call, problem);
  } else if (!params) fail(call, paramError('路径参数编码错误'));
  else await hit.r.handle(call, params);
  await sendReply(call, hit.r.refund === true);
}
