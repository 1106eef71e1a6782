// Routes the api.weixin.qq.com JSON calls (stable_token, shipping, subscribe/send): POST only, the token checked, armed failures
// applied. Each answer waits WeChat's latency (answer-delay.ts) once the call is done; a dropped or held one does not.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { waitBeforeAnswer } from './answer-delay.ts';
import type { Ctx } from './context.ts';
import type { PlatformApi } from './faults.ts';
import { sendJson } from './http-io.ts';
import { jsonObject, tokenProblem, wxError, type Answer, type Json } from './platform-protocol.ts';
import { getOrder, uploadShippingInfo } from './shipping-api.ts';
import { subscribeSend } from './subscribe-api.ts';
import { stableToken } from './token-api.ts';

type Handler = (ctx: Ctx, raw: Buffer, body: Json | null) => Answer;

const ROUTES: Record<string, { api: PlatformApi; handle: Handler; needsToken: boolean }> = {
  '/cgi-bin/stable_token': { api: 'stable_token', handle: (ctx, _raw, body) => stableToken(ctx, body), needsToken: false },
  '/wxa/sec/order/upload_shipping_info': { api: 'upload_shipping_info', handle: uploadShippingInfo, needsToken: true },
  '/wxa/sec/order/get_order': { api: 'get_order', handle: (ctx, _raw, body) => getOrder(ctx, body), needsToken: true },
  '/cgi-bin/message/subscribe/send': { api: 'subscribe_send', handle: subscribeSend, needsToken: true },
};

/** A "timeout" failure holds the answer until the caller gives up, the sandbox closes, or this passes. */
const HOLD_MAX_MS = 120_000;

export function isPlatformPath(path: string): boolean {
  return Object.hasOwn(ROUTES, path);
}

function holdUntilCallerGivesUp(ctx: Ctx, req: IncomingMessage): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, HOLD_MAX_MS);
    function done(): void {
      clearTimeout(timer);
      req.socket.off('close', done);
      ctx.closing.removeEventListener('abort', done);
      resolve();
    }
    req.socket.once('close', done);
    ctx.closing.addEventListener('abort', done, { once: true });
  });
}

export async function platformApi(ctx: Ctx, req: IncomingMessage, res: ServerResponse, method: string, url: URL, raw: Buffer): Promise<void> {
  const route = ROUTES[url.pathname];
  const at = Date.now();
  const log = (errcode: number | null, fault: string | null = null) => ctx.platform.recordCall({ at, api: route.api, errcode, fault });
  if (method !== 'POST') {
    log(43002);
    await waitBeforeAnswer(ctx);
    sendJson(res, 200, wxError(43002, 'require POST method'));
    return;
  }
  const failure = ctx.faults.takePlatformFailure(route.api);
  if (failure && failure.mode !== 'dropAfter') {
    // Nothing is done: the call fails the armed way.
    ctx.log.info({ api: route.api, ...failure }, 'sandbox fault: platform call failed');
    log(failure.mode === 'errcode' ? failure.errcode : null, failure.mode);
    if (failure.mode === 'errcode') {
      await waitBeforeAnswer(ctx);
      sendJson(res, 200, wxError(failure.errcode, 'sandbox fault'));
    } else {
      if (failure.mode === 'timeout') await holdUntilCallerGivesUp(ctx, req);
      req.socket.destroy();
    }
    return;
  }
  const answer = (route.needsToken && tokenProblem(ctx, url)) || route.handle(ctx, raw, jsonObject(raw));
  const errcode = typeof answer.errcode === 'number' ? answer.errcode : 0;
  if (failure) {
    ctx.log.info({ api: route.api, errcode }, 'sandbox fault: platform call done, connection dropped without an answer');
    log(errcode, failure.mode);
    req.socket.destroy();
    return;
  }
  log(errcode);
  await waitBeforeAnswer(ctx);
  sendJson(res, 200, answer);
}
