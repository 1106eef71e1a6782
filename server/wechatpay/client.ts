// WeChat Pay v2 client: refund, refund query, unified order, order query, each verified before it is trusted.
import https from 'node:https';
import type { MerchantCert } from './cert.ts';
import { classifyPayError, classifyRefundError, type ErrorClass } from './errors.ts';
import { SlotMissed, type SendTiming } from '../lib/slot-gate.ts';
import { TransportError, httpsRequest, wechatAgent, type AgentMaterial } from './http.ts';
import { SendThread } from './send-thread.ts';
import { nonceStr, sign, verifySign, type SignType } from './sign.ts';
import { XmlError, parseXml, toXml } from './xml.ts';

export type WxPayConfig = {
  appid: string;
  mchId: string;
  apiKey: string;
  signType: SignType;
  baseUrl: string;
  cert: MerchantCert;
  /** Replaces the system trust store for this client (a sandbox or test CA). Verification is never off. */
  ca?: string | Buffer;
  timeoutMs?: number;
};

/** What was sent and received, safe to store: the request carries `sign` but never the API key. */
export type WxCallRecord = {
  endpoint: string;
  request: Record<string, string>;
  response: Record<string, string> | null;
  httpStatus: number | null;
  error: string | null;
  durationMs: number;
  returnCode: string | null;
  resultCode: string | null;
  errCode: string | null;
  errCodeDes: string | null;
};

export type WxFailure = { kind: 'retryable' | 'final'; code: string; message: string };
export type WxResult<T> = { outcome: T | WxFailure; call: WxCallRecord };

export type RefundInput = {
  outTradeNo: string;
  outRefundNo: string;
  totalFee: number;
  refundFee: number;
  refundDesc?: string;
  notifyUrl: string;
};
export type RefundOutcome =
  | { kind: 'accepted'; refundId: string }
  | { kind: 'retryable'; code: string; message: string }
  | { kind: 'final'; code: string; message: string };

/** A refund's state as WeChat reports it (refundquery, refund notification); not the mall's own refund status. */
export type WxRefundState = 'SUCCESS' | 'PROCESSING' | 'REFUNDCLOSE' | 'CHANGE';
export type QueriedRefund = {
  outRefundNo: string;
  refundId: string;
  refundFee: number;
  status: WxRefundState;
  successTime: string | null;
  recvAccount: string | null;
};
export type RefundQueryOutcome =
  | { kind: 'found'; refunds: QueriedRefund[] }
  | { kind: 'not_found' }
  | { kind: 'retryable'; code: string; message: string }
  | { kind: 'final'; code: string; message: string };

export type UnifiedOrderInput = {
  outTradeNo: string;
  totalFee: number;
  body: string;
  openid: string;
  spbillCreateIp: string;
  notifyUrl: string;
  /** `yyyyMMddHHmmss`, GMT+8 */
  timeExpire?: string;
};
export type UnifiedOrderOutcome = { kind: 'ok'; prepayId: string } | WxFailure;

export type OrderQueryOutcome =
  | { kind: 'ok'; tradeState: string; transactionId: string | null; totalFee: number | null; fields: Record<string, string> }
  | WxFailure;

export type WxPayClient = {
  /**
   * With `timing`, the call goes at that slot from the send thread (send-thread.ts); it rejects with SlotMissed
   * when the slot was past use, and nothing was sent.
   */
  refund(input: RefundInput, timing?: SendTiming): Promise<{ outcome: RefundOutcome; call: WxCallRecord }>;
  refundQuery(input: { outRefundNo: string }): Promise<{ outcome: RefundQueryOutcome; call: WxCallRecord }>;
  unifiedOrder(input: UnifiedOrderInput): Promise<{ outcome: UnifiedOrderOutcome; call: WxCallRecord }>;
  orderQuery(input: { outTradeNo: string }): Promise<{ outcome: OrderQueryOutcome; call: WxCallRecord }>;
  /** /pay/closeorder: the buyer can no longer pay this trade. A trade already closed counts as closed. */
  closeOrder(input: { outTradeNo: string }): Promise<{ outcome: { kind: 'ok' } | WxFailure; call: WxCallRecord }>;
  /** Destroys the connection pool. Call it after in-flight calls have settled: it aborts any still running. */
  close(): void;
};

const INT = /^\d+$/;
const WX_REFUND_STATES: readonly string[] = ['SUCCESS', 'PROCESSING', 'REFUNDCLOSE', 'CHANGE'] satisfies WxRefundState[];

function strictInt(value: string | undefined): number | null {
  if (value === undefined || !INT.test(value)) return null;
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : null;
}

/**
 * WeChat's charset stops at 3-byte UTF-8: emoji (4 bytes) are rejected, and so are XML-illegal controls.
 * Lengths like String(80) are enforced here in UTF-8 bytes, never cutting a character in half.
 */
export function wxText(text: string, maxBytes: number): string {
  let out = '';
  let bytes = 0;
  for (const ch of text.replace(/[\u{10000}-\u{10FFFF}]|[\uD800-\uDFFF]|[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/gu, '')) {
    const size = Buffer.byteLength(ch, 'utf8');
    if (bytes + size > maxBytes) break;
    out += ch;
    bytes += size;
  }
  return out.trim();
}

// Programmer errors, not WeChat outcomes: the promise rejects with TypeError before anything is sent.
function assertFen(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value <= 0) throw new TypeError(`${name} must be a positive integer number of fen`);
}

/** Creates the client. The merchant certificate is offered on every connection; /secapi/* demands it. */
export function createWxPayClient(cfg: WxPayConfig): WxPayClient {
  const base = new URL(cfg.baseUrl);
  if (base.protocol !== 'https:') throw new TypeError('WeChat Pay baseUrl must be https://');
  const baseUrl = cfg.baseUrl.replace(/\/+$/, '');
  const timeoutMs = cfg.timeoutMs ?? 10_000;
  const material: AgentMaterial = { cert: cfg.cert.certPem, key: cfg.cert.keyPem, ...(cfg.ca !== undefined ? { ca: cfg.ca } : {}) };
  const agent = wechatAgent(material);
  let thread: SendThread | null = null; // started by the first paced call

  /** Signs, posts and checks the envelope; `onSuccess` only ever sees verified, result_code=SUCCESS fields. */
  async function call<T>(
    endpoint: string,
    fields: Record<string, string | number | undefined>,
    classify: (errCode: string) => ErrorClass,
    onSuccess: (res: Record<string, string>) => T | WxFailure,
    onFail?: (errCode: string, res: Record<string, string>) => T | undefined,
    timing?: SendTiming,
  ): Promise<WxResult<T>> {
    const request: Record<string, string> = { appid: cfg.appid, mch_id: cfg.mchId, nonce_str: nonceStr() };
    // MD5 is the default and may go unannounced; HMAC-SHA256 must be named or WeChat checks it as MD5.
    if (cfg.signType === 'HMAC-SHA256') request.sign_type = cfg.signType;
    for (const [k, v] of Object.entries(fields)) if (v !== undefined && String(v) !== '') request[k] = String(v);
    request.sign = sign(request, cfg.apiKey, cfg.signType);

    const record: WxCallRecord = {
      endpoint,
      request,
      response: null,
      httpStatus: null,
      error: null,
      durationMs: 0,
      returnCode: null,
      resultCode: null,
      errCode: null,
      errCodeDes: null,
    };
    // a paced call is timed from when it went, not from when it was handed to the send thread
    let started = Date.now();
    const done = (outcome: T | WxFailure, error: string | null = null): WxResult<T> => {
      record.durationMs = Date.now() - started;
      record.error = error;
      return { outcome, call: record };
    };
    // Every non-business failure means "we do not know what WeChat did": retryable, the same request is safe.
    const unknown = (code: string, message: string): WxResult<T> => done({ kind: 'retryable', code, message }, message);

    let status: number;
    let body: Buffer;
    try {
      const url = new URL(baseUrl + endpoint);
      const opts = {
        method: 'POST' as const,
        timeoutMs,
        body: toXml(request),
        headers: { 'content-type': 'text/xml; charset=utf-8', accept: 'text/xml, application/xml' },
        maxBytes: 256 * 1024,
      };
      if (timing) {
        const answer = await (thread ??= new SendThread(material)).request(url, opts, timing);
        ({ status, body, sentAt: started } = answer);
      } else ({ status, body } = await httpsRequest(url, { ...opts, agent, idempotent: true })); // every call here is keyed: resending is safe
    } catch (err) {
      if (err instanceof SlotMissed) throw err; // nothing was sent: not a call
      if (err instanceof TransportError) return unknown(err.code, err.message);
      return unknown('CONNECTION', (err as Error).message);
    }
    record.httpStatus = status;
    const snippet = (): string => body.subarray(0, 200).toString('utf8').replace(/\s+/g, ' ').trim();
    if (status !== 200) return unknown(`HTTP_${status}`, `WeChat Pay answered HTTP ${status}: ${snippet()}`);

    let res: Record<string, string>;
    try {
      res = parseXml(body, { maxBytes: 256 * 1024 });
    } catch (err) {
      const why = err instanceof XmlError ? err.message : 'unreadable';
      return unknown('BAD_RESPONSE', `unparsable answer (${why}): ${snippet()}`);
    }
    record.response = res;
    record.returnCode = res.return_code ?? null;
    record.resultCode = res.result_code ?? null;
    record.errCode = res.err_code || null;
    record.errCodeDes = res.err_code_des || null;

    if (res.return_code === 'FAIL') {
      // Protocol-level refusal (bad sign, missing field, "certificate not match", "invalid refund_fee"): unsigned
      // and not transient; resending the same request gets the same answer.
      const msg = res.return_msg || 'return_code FAIL';
      return done({ kind: 'final', code: 'RETURN_FAIL', message: msg }, msg);
    }
    if (res.return_code !== 'SUCCESS') return unknown('BAD_RESPONSE', 'answer has no valid return_code');
    if (!verifySign(res, cfg.apiKey, cfg.signType)) return unknown('INVALID_SIGNATURE', 'answer signature does not verify');
    if (res.appid !== cfg.appid || res.mch_id !== cfg.mchId) {
      return unknown('BAD_RESPONSE', 'answer names another appid or mch_id');
    }
    if (res.result_code === 'SUCCESS') {
      const outcome = onSuccess(res);
      return done(outcome, isFailure(outcome) ? outcome.message : null);
    }
    if (res.result_code === 'FAIL') {
      const errCode = res.err_code || 'UNKNOWN_ERROR';
      const special = onFail?.(errCode, res);
      if (special !== undefined) return done(special);
      const message = res.err_code_des || errCode;
      return done({ kind: classify(errCode), code: errCode, message });
    }
    return unknown('BAD_RESPONSE', 'answer has no valid result_code');
  }

  function isFailure(x: unknown): x is WxFailure {
    const k = (x as { kind?: string }).kind;
    return k === 'retryable' || k === 'final';
  }
  const bad = (message: string): WxFailure => ({ kind: 'retryable', code: 'BAD_RESPONSE', message });

  return {
    async refund(input, timing) {
      assertFen('totalFee', input.totalFee);
      assertFen('refundFee', input.refundFee);
      const desc = input.refundDesc === undefined ? undefined : wxText(input.refundDesc, 80);
      return call<RefundOutcome>(
        '/secapi/pay/refund',
        {
          out_trade_no: input.outTradeNo,
          out_refund_no: input.outRefundNo,
          total_fee: input.totalFee,
          refund_fee: input.refundFee,
          refund_desc: desc,
          notify_url: input.notifyUrl,
        },
        classifyRefundError,
        (res) => {
          if (res.out_refund_no !== undefined && res.out_refund_no !== input.outRefundNo) {
            return bad(`answer is about out_refund_no ${res.out_refund_no}`);
          }
          if (res.refund_fee !== undefined && strictInt(res.refund_fee) !== input.refundFee) {
            return bad(`answer has refund_fee ${res.refund_fee}, we asked for ${input.refundFee}`);
          }
          if (!res.refund_id) return bad('accepted answer without refund_id');
          return { kind: 'accepted', refundId: res.refund_id };
        },
        undefined,
        timing,
      );
    },

    async refundQuery(input) {
      return call<RefundQueryOutcome>(
        '/pay/refundquery',
        { out_refund_no: input.outRefundNo },
        classifyRefundError,
        (res) => {
          const count = strictInt(res.refund_count);
          if (count === null) return bad('refund_count missing or not an integer');
          const refunds: QueriedRefund[] = [];
          for (let n = 0; n < count; n++) {
            const outRefundNo = res[`out_refund_no_${n}`];
            const refundId = res[`refund_id_${n}`];
            const refundFee = strictInt(res[`refund_fee_${n}`]);
            const status = res[`refund_status_${n}`];
            if (!outRefundNo || !refundId || refundFee === null || !WX_REFUND_STATES.includes(status)) {
              return bad(`refund #${n} in the answer is incomplete`);
            }
            refunds.push({
              outRefundNo,
              refundId,
              refundFee,
              status: status as WxRefundState,
              successTime: res[`refund_success_time_${n}`] || null,
              // (sic) WeChat spells it "accout"
              recvAccount: res[`refund_recv_accout_${n}`] || null,
            });
          }
          return { kind: 'found', refunds };
        },
        // REFUNDNOTEXIST is an answer, not an error: WeChat never accepted this out_refund_no.
        (errCode) => (errCode === 'REFUNDNOTEXIST' ? { kind: 'not_found' } : undefined),
      );
    },

    async unifiedOrder(input) {
      assertFen('totalFee', input.totalFee);
      return call<UnifiedOrderOutcome>(
        '/pay/unifiedorder',
        {
          body: wxText(input.body, 128),
          out_trade_no: input.outTradeNo,
          total_fee: input.totalFee,
          spbill_create_ip: input.spbillCreateIp,
          notify_url: input.notifyUrl,
          trade_type: 'JSAPI',
          openid: input.openid,
          time_expire: input.timeExpire,
        },
        classifyPayError,
        (res) => (res.prepay_id ? { kind: 'ok', prepayId: res.prepay_id } : bad('answer without prepay_id')),
      );
    },

    async orderQuery(input) {
      return call<OrderQueryOutcome>('/pay/orderquery', { out_trade_no: input.outTradeNo }, classifyPayError, (res) => {
        if (res.out_trade_no !== undefined && res.out_trade_no !== input.outTradeNo) {
          return bad(`answer is about out_trade_no ${res.out_trade_no}`);
        }
        if (!res.trade_state) return bad('answer without trade_state');
        const totalFee = strictInt(res.total_fee);
        if (res.total_fee !== undefined && res.total_fee !== '' && totalFee === null) return bad('total_fee is not an integer');
        return { kind: 'ok', tradeState: res.trade_state, transactionId: res.transaction_id || null, totalFee, fields: res };
      });
    },

    async closeOrder(input) {
      return call<{ kind: 'ok' }>(
        '/pay/closeorder',
        { out_trade_no: input.outTradeNo },
        classifyPayError,
        () => ({ kind: 'ok' }),
        (errCode) => (errCode === 'ORDERCLOSED' ? { kind: 'ok' } : undefined),
      );
    },

    close() {
      agent.destroy();
      thread?.close();
    },
  };
}
