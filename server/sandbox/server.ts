// Routes one HTTPS request: WeChat Pay v2 paths, APIv3 (/v3/*), /sns/jscode2session, the platform's JSON APIs, or the
// /sandbox/* control API. Every answer of a WeChat API it implements waits WeChat's latency first (answer-delay.ts);
// the control API and paths outside WeChat's APIs (a plain 404) answer at once.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SignType } from '../wechatpay/sign.ts';
import { waitBeforeAnswer } from './answer-delay.ts';
import type { Ctx } from './context.ts';
import { controlApi } from './control-api.ts';
import { BodyTooLarge, readBody, sendJson, sendText, sendXml } from './http-io.ts';
import { jscode2session } from './login-api.ts';
import { clientCommonName, sendNoCertificate } from './mtls.ts';
import { closeOrder, orderQuery, unifiedOrder } from './pay-api.ts';
import { isPlatformPath, platformApi } from './platform-api.ts';
import { checkSignature, parseRequest, returnFail, type Params } from './protocol.ts';
import { refundHandler } from './refund-api.ts';
import { refundQuery } from './refundquery-api.ts';
import { v3Api } from './v3-router.ts';

type ProtocolFn = (ctx: Ctx, params: Params, signType: SignType) => string;

/** The v2 paths that need no client certificate. */
const PLAIN: Record<string, ProtocolFn> = {
  '/pay/unifiedorder': unifiedOrder,
  '/pay/orderquery': orderQuery,
  '/pay/closeorder': closeOrder,
  '/pay/refundquery': refundQuery,
};

function plainProtocol(ctx: Ctx, fn: ProtocolFn, raw: Buffer): string {
  const parsed = parseRequest(raw);
  if ('fail' in parsed) return parsed.fail;
  const p = parsed.params;
  if (!p.mch_id) return returnFail('缺少参数mch_id'); // observed when a client sends e.g. `mchid`
  if (p.mch_id !== ctx.merchant.mchId) return returnFail('mch_id不存在');
  const sig = checkSignature(p, ctx.merchant);
  if ('fail' in sig) return sig.fail;
  return fn(ctx, p, sig.signType);
}

async function route(ctx: Ctx, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const method = req.method ?? 'GET';
  const url = new URL(req.url ?? '/', 'https://sandbox.invalid');
  const path = url.pathname;

  if (path === '/sns/jscode2session') {
    req.resume();
    const answer = method === 'GET' ? jscode2session(ctx, url.searchParams) : { errcode: 43001, errmsg: 'require GET method' };
    await waitBeforeAnswer(ctx);
    sendJson(res, method === 'GET' ? 200 : 405, answer);
    return;
  }

  let raw: Buffer;
  try {
    raw = await readBody(req);
  } catch (err) {
    if (err instanceof BodyTooLarge) sendText(res, 413, 'Request Entity Too Large');
    else req.socket.destroy();
    return;
  }
  if (ctx.closing.aborted) {
    req.socket.destroy();
    return;
  }

  if (isPlatformPath(path)) {
    await platformApi(ctx, req, res, method, url, raw);
    return;
  }
  if (path.startsWith('/sandbox/')) {
    if (!(await controlApi(ctx, method, url, raw, res))) sendJson(res, 404, { error: `no sandbox route ${method} ${path}` });
    return;
  }
  if (path.startsWith('/v3/')) {
    // No client certificate: APIv3 authenticates by the Authorization signature instead.
    await v3Api(ctx, req, res, url, raw);
    return;
  }
  const isRefund = path === '/secapi/pay/refund';
  const fn = PLAIN[path];
  if (!isRefund && !fn) {
    // Every /secapi/* path sits behind the certificate check, even one the sandbox does not implement.
    if (path.startsWith('/secapi/') && clientCommonName(req) === null) sendNoCertificate(res);
    else sendText(res, 404, 'Not Found');
    return;
  }
  if (method !== 'POST') {
    await waitBeforeAnswer(ctx);
    sendXml(res, returnFail('请使用post方法')); // REQUIRE_POST_METHOD
    return;
  }
  if (isRefund) {
    await refundHandler(ctx, req, res, raw);
    return;
  }
  const xml = plainProtocol(ctx, fn, raw);
  await waitBeforeAnswer(ctx);
  sendXml(res, xml);
}

/** Request listener; `track` lets close() wait for requests in flight before the database closes. */
export function createHandler(ctx: Ctx, track: (p: Promise<void>) => void) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const p = route(ctx, req, res).catch((err: unknown) => {
      ctx.log.warn({ err: (err as Error).message, path: req.url?.split('?')[0] }, 'sandbox request failed');
      if (!res.headersSent && !res.destroyed) sendText(res, 500, 'Internal Server Error');
    });
    track(p);
  };
}
