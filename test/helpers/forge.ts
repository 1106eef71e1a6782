// Forging WeChat Pay notifications for black-box tests: signed pay results and encrypted refund results,
// with the sandbox merchant's real credentials (or deliberately wrong ones), POSTed as raw XML.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { encryptReqInfo } from '../../server/wechatpay/crypto.ts';
import { nonceStr, sign, type SignType } from '../../server/wechatpay/sign.ts';
import { parseXml, toXml } from '../../server/wechatpay/xml.ts';
import type { TestServer } from './server.ts';

export interface MerchantCredentials {
  appid: string;
  appSecret: string;
  mchId: string;
  apiKey: string;
}

/** The sandbox merchant the server was started with (written by server/sandbox/materials.ts). */
export function sandboxCredentials(server: TestServer): MerchantCredentials {
  return JSON.parse(readFileSync(path.join(server.dataDir, 'sandbox', 'credentials.json'), 'utf8')) as MerchantCredentials;
}

type Fields = Record<string, string | number | undefined>;

/** A pay notification as WeChat sends it; `overrides` replace fields before signing; `signWith` another key. */
export function payNotification(
  m: MerchantCredentials,
  p: { outTradeNo: string; totalFee: number; openid: string; transactionId?: string },
  opts: { overrides?: Fields; signWith?: string; signType?: SignType; tamper?: Fields } = {},
): string {
  const signType = opts.signType ?? 'MD5';
  const fields: Fields = {
    appid: m.appid,
    bank_type: 'OTHERS',
    cash_fee: p.totalFee,
    fee_type: 'CNY',
    is_subscribe: 'N',
    mch_id: m.mchId,
    nonce_str: nonceStr(),
    openid: p.openid,
    out_trade_no: p.outTradeNo,
    result_code: 'SUCCESS',
    return_code: 'SUCCESS',
    sign_type: signType === 'HMAC-SHA256' ? signType : undefined,
    time_end: '20261122120000',
    total_fee: p.totalFee,
    trade_type: 'JSAPI',
    transaction_id: p.transactionId ?? `4200${Date.now()}${Math.floor(Math.random() * 1e6)}`,
    ...opts.overrides,
  };
  const signed = { ...fields, sign: sign(fields, opts.signWith ?? m.apiKey, signType) };
  return toXml({ ...signed, ...opts.tamper });
}

/** The decrypted req_info of a refund notification: `<root>` with WeChat's fields. */
export function refundInfoXml(p: {
  outRefundNo: string;
  outTradeNo: string;
  totalFee: number;
  refundFee: number;
  status?: 'SUCCESS' | 'CHANGE' | 'REFUNDCLOSE';
  source?: string;
  refundId?: string;
  transactionId?: string;
}): string {
  const status = p.status ?? 'SUCCESS';
  const fields: Fields = {
    out_refund_no: p.outRefundNo,
    out_trade_no: p.outTradeNo,
    refund_account: 'REFUND_SOURCE_UNSETTLED_FUNDS',
    refund_fee: p.refundFee,
    refund_id: p.refundId ?? `5030${Date.now()}${Math.floor(Math.random() * 1e6)}`,
    refund_recv_accout: '支付用户零钱',
    refund_request_source: p.source ?? 'API',
    refund_status: status,
    settlement_refund_fee: p.refundFee,
    settlement_total_fee: p.totalFee,
    success_time: status === 'SUCCESS' ? '2026-11-22 12:00:00' : undefined,
    total_fee: p.totalFee,
    transaction_id: p.transactionId ?? `4200${Date.now()}`,
  };
  let out = '<root>\n';
  for (const [k, v] of Object.entries(fields)) if (v !== undefined) out += `<${k}><![CDATA[${String(v)}]]></${k}>\n`;
  return `${out}</root>`;
}

/** A refund notification envelope; `encryptWith` another API key to forge one that cannot be decrypted. */
export function refundNotification(
  m: MerchantCredentials,
  info: Parameters<typeof refundInfoXml>[0],
  opts: { encryptWith?: string; appid?: string; mchId?: string } = {},
): string {
  return toXml({
    return_code: 'SUCCESS',
    appid: opts.appid ?? m.appid,
    mch_id: opts.mchId ?? m.mchId,
    nonce_str: nonceStr(),
    req_info: encryptReqInfo(refundInfoXml(info), opts.encryptWith ?? m.apiKey),
  });
}

export interface NotifyAnswer {
  status: number;
  text: string;
  returnCode: string | undefined;
  returnMsg: string | undefined;
}

/** POSTs raw XML to /api/wxpay/notify/<kind> and parses WeChat's XML reply. */
export async function postNotify(baseUrl: string, kind: 'pay' | 'refund', xml: string): Promise<NotifyAnswer> {
  const res = await fetch(`${baseUrl}/api/wxpay/notify/${kind}`, { method: 'POST', headers: { 'content-type': 'text/xml' }, body: xml });
  const text = await res.text();
  let fields: Record<string, string> = {};
  try {
    fields = parseXml(text);
  } catch {
    /* not XML: returnCode stays undefined */
  }
  return { status: res.status, text, returnCode: fields.return_code, returnMsg: fields.return_msg };
}

/** A 32-character key that is not the merchant's. */
export const WRONG_KEY = 'W'.repeat(32);
