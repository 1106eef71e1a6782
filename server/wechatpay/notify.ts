// Parses and authenticates WeChat's pay and refund notifications, and builds the XML reply WeChat expects.
import type { WxRefundState } from './client.ts';
import { ReqInfoError, decryptReqInfo } from './crypto.ts';
import { verifySign, type SignType } from './sign.ts';
import { XmlError, parseXml, toXml } from './xml.ts';

export type PayNotifyConfig = { apiKey: string; appid: string; mchId: string; signType: SignType };
export type RefundNotifyConfig = { apiKey: string; appid: string; mchId: string };

export type PayNotifyPayment = {
  outTradeNo: string;
  transactionId: string;
  totalFee: number;
  openid: string;
  timeEnd: string | null;
  resultCode: string;
};
export type PayNotifyResult =
  | { ok: true; fields: Record<string, string>; payment: PayNotifyPayment }
  | { ok: false; reason: string };

export type RefundNotifyInfo = {
  outRefundNo: string;
  outTradeNo: string;
  refundId: string;
  transactionId: string;
  totalFee: number;
  refundFee: number;
  settlementRefundFee: number | null;
  /** Notifications come for final states only. */
  refundStatus: Exclude<WxRefundState, 'PROCESSING'>;
  successTime: string | null;
  recvAccount: string | null;
  requestSource: string | null;
};
export type RefundNotifyResult =
  | { ok: true; outer: Record<string, string>; info: RefundNotifyInfo }
  | { ok: false; reason: string };

class Reject extends Error {}

function fen(fields: Record<string, string>, name: string): number {
  const value = fields[name];
  if (value === undefined || !/^\d+$/.test(value) || !Number.isSafeInteger(Number(value))) {
    throw new Reject(`${name} is missing or not an integer number of fen`);
  }
  return Number(value);
}

/** An amount that must be at least 1 fen: a refund or an order of 0 is not something WeChat reports. */
function positiveFen(fields: Record<string, string>, name: string): number {
  const value = fen(fields, name);
  if (value < 1) throw new Reject(`${name} must be at least 1 fen`);
  return value;
}

/** A merchant number (out_trade_no ≤ 32, out_refund_no ≤ 64) in WeChat's alphabet: letters, digits and _ - | * @. */
function merchantNo(fields: Record<string, string>, name: string, max: number): string {
  const value = required(fields, name);
  if (value.length > max || !/^[0-9A-Za-z_\-|*@]+$/.test(value)) throw new Reject(`${name} is not a valid merchant number`);
  return value;
}

function optionalFen(fields: Record<string, string>, name: string): number | null {
  return fields[name] === undefined || fields[name] === '' ? null : fen(fields, name);
}

function required(fields: Record<string, string>, name: string): string {
  const value = fields[name];
  if (!value) throw new Reject(`${name} is missing`);
  return value;
}

function parse(body: string | Buffer, root = 'xml'): Record<string, string> {
  try {
    return parseXml(body, { root });
  } catch (err) {
    throw new Reject(err instanceof XmlError ? `malformed XML: ${err.message}` : 'malformed XML');
  }
}

/** Protocol envelope and merchant identity: the same rules for both notifications. */
function checkOuter(fields: Record<string, string>, cfg: { appid: string; mchId: string }): void {
  if (fields.return_code !== 'SUCCESS') {
    throw new Reject(`return_code is ${fields.return_code ?? 'missing'}${fields.return_msg ? `: ${fields.return_msg}` : ''}`);
  }
  if (fields.appid !== cfg.appid) throw new Reject('appid is not ours');
  if (fields.mch_id !== cfg.mchId) throw new Reject('mch_id is not ours');
}

function run<T>(fn: () => T): T | { ok: false; reason: string } {
  try {
    return fn();
  } catch (err) {
    if (err instanceof Reject) return { ok: false, reason: err.message };
    throw err;
  }
}

/**
 * Pay notification: signed, so the sign is checked (the message's sign_type, else the order's) before any
 * field is believed. The caller must still compare total_fee with the order ("false notification" guard).
 */
export function parsePayNotify(body: string | Buffer, cfg: PayNotifyConfig): PayNotifyResult {
  return run(() => {
    const fields = parse(body);
    if (fields.return_code === 'SUCCESS' && !verifySign(fields, cfg.apiKey, cfg.signType)) {
      throw new Reject('signature does not verify');
    }
    checkOuter(fields, cfg);
    const resultCode = required(fields, 'result_code');
    const paid = resultCode === 'SUCCESS';
    const payment: PayNotifyPayment = {
      outTradeNo: required(fields, 'out_trade_no'),
      transactionId: paid ? required(fields, 'transaction_id') : (fields.transaction_id ?? ''),
      totalFee: fen(fields, 'total_fee'),
      openid: paid ? required(fields, 'openid') : (fields.openid ?? ''),
      timeEnd: fields.time_end || null,
      resultCode,
    };
    return { ok: true as const, fields, payment };
  });
}

const REFUND_NOTIFY_STATUSES: readonly string[] = ['SUCCESS', 'CHANGE', 'REFUNDCLOSE'];

/**
 * Refund notification: it carries NO sign; its authenticity is that req_info decrypts (AES-256-ECB, key from
 * our API key) into a well-formed <root>. The caller must still match the amounts against its refund record.
 */
export function parseRefundNotify(body: string | Buffer, cfg: RefundNotifyConfig): RefundNotifyResult {
  return run(() => {
    const outer = parse(body);
    checkOuter(outer, cfg);
    const reqInfo = required(outer, 'req_info');
    let plain: string;
    try {
      plain = decryptReqInfo(reqInfo, cfg.apiKey);
    } catch (err) {
      throw new Reject(err instanceof ReqInfoError ? err.message : 'req_info does not decrypt');
    }
    const f = parse(plain, 'root');
    const refundStatus = required(f, 'refund_status');
    if (!REFUND_NOTIFY_STATUSES.includes(refundStatus)) throw new Reject(`refund_status ${refundStatus} is unknown`);
    const info: RefundNotifyInfo = {
      outRefundNo: merchantNo(f, 'out_refund_no', 64),
      outTradeNo: merchantNo(f, 'out_trade_no', 32),
      refundId: required(f, 'refund_id'),
      transactionId: required(f, 'transaction_id'),
      totalFee: positiveFen(f, 'total_fee'),
      refundFee: positiveFen(f, 'refund_fee'),
      settlementRefundFee: optionalFen(f, 'settlement_refund_fee'),
      refundStatus: refundStatus as RefundNotifyInfo['refundStatus'],
      successTime: f.success_time || null,
      // (sic) WeChat spells it "accout"
      recvAccount: f.refund_recv_accout || null,
      requestSource: f.refund_request_source || null,
    };
    return { ok: true as const, outer, info };
  });
}

/** The reply body. Anything but SUCCESS makes WeChat redeliver on its schedule (up to ~24 h). */
export function notifyReply(ok: boolean, message?: string): string {
  if (ok) return toXml({ return_code: 'SUCCESS', return_msg: 'OK' });
  const reason = (message ?? 'FAIL').slice(0, 128) || 'FAIL';
  return toXml({ return_code: 'FAIL', return_msg: reason });
}
