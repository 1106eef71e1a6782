// The /sandbox/v3/* control calls: see WeChat Pay's APIv3 keys, and rotate the platform certificate so the mall can be
// seen fetching a new serial on sight.
import type { ServerResponse } from 'node:http';
import { beijingTime } from '../wechatpay-v3/certificates.ts';
import type { Ctx } from './context.ts';
import { sendJson } from './http-io.ts';

function keysState(ctx: Ctx) {
  const certs = ctx.v3.platformCerts();
  const current = certs[certs.length - 1]?.serialNo ?? null;
  return {
    publicKeyId: ctx.v3.publicKeyId,
    currentSerialNo: current,
    certificates: certs.map((c) => ({
      serialNo: c.serialNo,
      effectiveTime: beijingTime(c.notBefore),
      expireTime: beijingTime(c.notAfter),
      current: c.serialNo === current,
    })),
  };
}

/** Handles a /sandbox/v3/* request; false when no route matched. */
export function v3Control(ctx: Ctx, method: string, path: string, res: ServerResponse): boolean {
  if (path === '/sandbox/v3/certificates' && method === 'GET') {
    sendJson(res, 200, keysState(ctx));
    return true;
  }
  if (path === '/sandbox/v3/rotate-certificate' && method === 'POST') {
    const previous = ctx.v3.currentPlatformCert().serialNo;
    const issued = ctx.v3.rotate();
    ctx.log.info({ serialNo: issued.serialNo, previous }, 'sandbox platform certificate rotated');
    sendJson(res, 200, { serialNo: issued.serialNo, previousSerialNo: previous, ...keysState(ctx) });
    return true;
  }
  return false;
}
