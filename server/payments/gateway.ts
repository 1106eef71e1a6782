// What the server knows of WeChat Pay: the merchant, the client SDK, where notifications come back, and
// (sandbox only) the simulated cashier. Built once in main.ts; services receive it.
import type { Db } from '../db/client.ts';
import type { SignType } from '../wechatpay/sign.ts';
import type { WxCallRecord, WxPayClient } from '../wechatpay/client.ts';

export interface PayGateway {
  mode: 'sandbox' | 'live';
  merchant: { appid: string; mchId: string; apiKey: string; signType: SignType };
  client: WxPayClient;
  /** Absolute notify URL; known only once the server listens when PUBLIC_BASE_URL is not set. */
  notifyUrl(kind: 'pay' | 'refund'): string;
  /** Sandbox only: make the simulated cashier pay this trade and send WeChat's pay notification. */
  sandboxPay?: (outTradeNo: string) => Promise<{ delivered: boolean }>;
}

/** The WechatCall row of one call: what was asked and what came back, never the key. */
export function callRow(call: WxCallRecord, refs: { refundId?: number | null; orderNo?: string | null }) {
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
  call: WxCallRecord,
  refs: { refundId?: number | null; orderNo?: string | null },
): Promise<void> {
  await db.$transaction((tx) => tx.wechatCall.create({ data: callRow(call, refs) }));
}
