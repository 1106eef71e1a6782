// Every call to WeChat (Pay and platform) is kept as evidence for the merchant: what was asked and what came back, never a key or token.
import type { Db } from '../db/client.ts';
import type { PlatformCallRecord } from '../wechat/platform/call.ts';
import type { CallEvidence } from './gateway.ts';

/** The WechatCall row of one call: what was asked and what came back, never the key. */
export function callRow(call: CallEvidence, refs: { refundId?: number | null; orderNo?: string | null }) {
  return {
    refundId: refs.refundId ?? null,
    orderNo: refs.orderNo ?? null,
    endpoint: call.endpoint,
    request: JSON.stringify(call.request),
    response: call.response ? JSON.stringify(call.response) : null,
    httpStatus: call.httpStatus,
    returnCode: call.returnCode,
    resultCode: call.resultCode,
    errCode: call.errCode,
    errCodeDes: call.errCodeDes,
    error: call.error,
    durationMs: Math.round(call.durationMs),
    at: new Date(),
  };
}

/** Keeps every WeChat call as evidence for the merchant. */
export async function recordCall(
  db: Db,
  call: CallEvidence,
  refs: { refundId?: number | null; orderNo?: string | null },
): Promise<void> {
  await db.$transaction((tx) => tx.wechatCall.create({ data: callRow(call, refs) }));
}

/** The WechatCall row of a call to WeChat's platform API (api.weixin.qq.com), kept with its order. */
export async function recordPlatformCall(db: Db, call: PlatformCallRecord, orderNo: string | null): Promise<void> {
  await db.$transaction((tx) =>
    tx.wechatCall.create({
      data: {
        refundId: null,
        orderNo,
        endpoint: call.endpoint,
        request: JSON.stringify(call.request),
        response: call.response ? JSON.stringify(call.response) : null,
        httpStatus: call.httpStatus,
        returnCode: null,
        resultCode: null,
        errCode: call.errcode === null ? null : String(call.errcode),
        errCodeDes: call.errmsg,
        error: call.error,
        durationMs: Math.round(call.durationMs),
        at: new Date(),
      },
    }),
  );
}
