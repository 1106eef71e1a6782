// WeChat Pay APIv3 client: refund, refund query, abnormal-refund retry, JSAPI prepay, order query and close; every 2xx verified before it is believed.
import { z } from 'zod';
import { wxText } from '../wechatpay/client.ts';
import { beijingTime } from './certificates.ts';
import { classifyV3Error, parseV3ErrorBody, type V3ErrorBody } from './errors.ts';
import { SlotMissed, type SendTiming } from '../lib/slot-gate.ts';
import { TransportError, type V3RawAnswer, type V3Transport } from './transport.ts';
import type { V3RefundStatus, V3TradeState } from './types.ts';
import { verifySignedLearning, type WechatpayKeys } from './verify.ts';

/** What was sent and received, safe to store as evidence: the JSON body, never a key or the Authorization header. */
export type V3CallRecord = {
  /** Method and real path, e.g. `POST /v3/refund/domestic/refunds`. */
  endpoint: string;
  /** The JSON body sent, or null for a GET. */
  request: unknown;
  /** The parsed JSON answer (a verified 2xx, or an error body), or null. */
  response: unknown | null;
  httpStatus: number | null;
  error: string | null;
  durationMs: number;
  /** WeChat's error code, or our own: INVALID_SIGNATURE, BAD_RESPONSE, TIMEOUT, CONNECTION, TLS, TOO_LARGE, HTTP_<status>. */
  code: string | null;
  message: string | null;
};

export type V3Failure = { kind: 'retryable' | 'final'; code: string; message: string };
export type V3Result<T> = { outcome: T | V3Failure; call: V3CallRecord };

/** One refund as WeChat reports it (refund answer, refund query); amounts in fen. */
export type V3RefundView = {
  outRefundNo: string;
  outTradeNo: string | null;
  refundId: string;
  refundFee: number;
  totalFee: number | null;
  status: V3RefundStatus;
  successTime: string | null;
  /** `user_received_account`: where the money went, in words (支付用户零钱, a bank card). */
  recvAccount: string | null;
};

export type V3RefundInput = {
  outTradeNo: string;
  outRefundNo: string;
  totalFee: number;
  refundFee: number;
  reason?: string;
  notifyUrl: string;
};
export type V3RefundAccepted = { kind: 'accepted'; refundId: string; status: V3RefundStatus };
export type V3RefundQueryOutcome = { kind: 'found'; refund: V3RefundView } | { kind: 'not_found' };
export type V3PrepayInput = { outTradeNo: string; totalFee: number; description: string; openid: string; notifyUrl: string; timeExpire?: Date };
export type V3OrderQueryOutcome =
  | { kind: 'ok'; tradeState: V3TradeState; transactionId: string | null; totalFee: number | null }
  | { kind: 'not_found' };

export interface V3Client {
  /** `status` PROCESSING (or already SUCCESS on a replay) means accepted, not refunded: the notification or a query tells the end. */
  /** With `timing`: sent at that slot, or rejected with SlotMissed and not sent (V3Transport.request). */
  refund(i: V3RefundInput, timing?: SendTiming): Promise<V3Result<V3RefundAccepted>>;
  queryRefund(i: { outRefundNo: string }): Promise<V3Result<V3RefundQueryOutcome>>;
  /** An ABNORMAL refund (the card could not take the money) sent again, to the merchant's bank card. */
  applyAbnormalRefund(i: { refundId: string; outRefundNo: string; type: 'MERCHANT_BANK_CARD' }): Promise<V3Result<V3RefundAccepted>>;
  jsapiPrepay(i: V3PrepayInput): Promise<V3Result<{ kind: 'ok'; prepayId: string }>>;
  queryOrder(i: { outTradeNo: string }): Promise<V3Result<V3OrderQueryOutcome>>;
  closeOrder(i: { outTradeNo: string }): Promise<V3Result<{ kind: 'ok' }>>;
  /** Closes the transport; call it after in-flight calls have settled. */
  close(): void;
}

export type V3ClientConfig = { appid: string; mchId: string; transport: V3Transport; keys: WechatpayKeys; clock?: () => Date };

export const REFUNDS_PATH = '/v3/refund/domestic/refunds';
export const JSAPI_PATH = '/v3/pay/transactions/jsapi';
export const OUT_TRADE_NO_PATH = '/v3/pay/transactions/out-trade-no';

const REFUND_STATUSES = ['SUCCESS', 'CLOSED', 'PROCESSING', 'ABNORMAL'] as const satisfies readonly V3RefundStatus[];
const TRADE_STATES = ['SUCCESS', 'REFUND', 'NOTPAY', 'CLOSED', 'REVOKED', 'USERPAYING', 'PAYERROR'] as const satisfies readonly V3TradeState[];

// zod's int() is a safe integer: fen arrive as JSON integers, never strings or fractions.
const fen = z.number().int().positive();
const id = z.string().min(1);

/** The Refund object, as far as we read it (refund create, refund query, apply-abnormal-refund). */
const refundAnswer = z.object({
  refund_id: id,
  out_refund_no: id,
  out_trade_no: z.string().optional(),
  status: z.enum(REFUND_STATUSES),
  success_time: z.string().nullish(),
  user_received_account: z.string().nullish(),
  amount: z.object({ refund: fen, total: fen.optional() }),
});
type RefundAnswer = z.infer<typeof refundAnswer>;

const prepayAnswer = z.object({ prepay_id: id });

const orderAnswer = z.object({
  mchid: z.string().optional(),
  out_trade_no: id,
  transaction_id: z.string().nullish(),
  trade_state: z.enum(TRADE_STATES),
  // An unpaid order's amount may carry only the currency.
  amount: z.object({ total: fen.optional() }).optional(),
});

function issues(err: z.ZodError): string {
  return err.issues.map((i) => `${i.path.join('.') || '(answer)'}: ${i.message}`).join('; ');
}

// Programmer errors, not WeChat outcomes: the promise rejects with TypeError before anything is sent.
function assertFen(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value <= 0) throw new TypeError(`${name} must be a positive integer number of fen`);
}

function assertId(name: string, value: string): void {
  if (typeof value !== 'string' || value.length === 0 || value.length > 64) throw new TypeError(`${name} must be 1 to 64 characters`);
}

/** A path segment from one of our numbers or WeChat's ids; encoded so it can never add a segment or a query. */
const seg = (value: string): string => encodeURIComponent(value);

function refundView(r: RefundAnswer): V3RefundView {
  return {
    outRefundNo: r.out_refund_no,
    outTradeNo: r.out_trade_no || null,
    refundId: r.refund_id,
    refundFee: r.amount.refund,
    totalFee: r.amount.total ?? null,
    status: r.status,
    successTime: r.success_time || null,
    recvAccount: r.user_received_account || null,
  };
}

const isFailure = (x: unknown): x is V3Failure => {
  const k = (x as { kind?: unknown } | null)?.kind;
  return k === 'retryable' || k === 'final';
};

/** An answer we cannot believe or use: we do not know what WeChat did, and the identical request is safe to resend. */
const bad = (message: string): V3Failure => ({ kind: 'retryable', code: 'BAD_RESPONSE', message });

/** Creates the client. It holds no order knowledge: callers compare amounts and states with their own records. */
export function createV3Client(cfg: V3ClientConfig): V3Client {
  const clock = cfg.clock ?? (() => new Date());
  const { transport, keys } = cfg;

  /**
   * Sends, then: a 2xx is verified (Wechatpay-* signature over the raw body, timestamp within 5 minutes,
   * an unknown serial learned once) BEFORE its JSON is read, and `onOk` sees only verified JSON (null for an
   * empty body). Anything else is classified by `classifyV3Error`; `onError` may turn one error into an answer.
   */
  async function call<T>(
    method: 'GET' | 'POST',
    path: string,
    body: Record<string, unknown> | undefined,
    onOk: (json: unknown, status: number) => T | V3Failure,
    onError?: (status: number, err: V3ErrorBody | null) => T | undefined,
    timing?: SendTiming,
  ): Promise<V3Result<T>> {
    const record: V3CallRecord = {
      endpoint: `${method} ${path}`,
      request: body ?? null,
      response: null,
      httpStatus: null,
      error: null,
      durationMs: 0,
      code: null,
      message: null,
    };
    // a paced call is timed from when it went, not from when it was handed to the send thread
    let started = Date.now();
    const done = (outcome: T | V3Failure): V3Result<T> => {
      record.durationMs = Date.now() - started;
      if (isFailure(outcome)) {
        record.code = outcome.code;
        record.message = outcome.message;
        record.error = outcome.message;
      }
      return { outcome, call: record };
    };

    let answer: V3RawAnswer;
    try {
      answer = await transport.request(method, path, body, timing);
      started = answer.sentAt ?? started;
    } catch (err) {
      if (err instanceof SlotMissed) throw err; // nothing was sent: not a call
      // No complete answer: WeChat may or may not have acted. Retryable; resending the same request is safe.
      if (err instanceof TransportError) return done({ kind: 'retryable', code: err.code, message: err.message });
      if (err instanceof TypeError) throw err;
      return done({ kind: 'retryable', code: 'CONNECTION', message: (err as Error).message });
    }
    record.httpStatus = answer.status;
    const snippet = (): string => answer.body.subarray(0, 200).toString('utf8').replace(/\s+/g, ' ').trim();

    if (answer.status < 200 || answer.status > 299) {
      // Error answers are not verified: they cannot move money, and WeChat does not sign every one of them.
      const err = parseV3ErrorBody(answer.body);
      record.response = err;
      const special = onError?.(answer.status, err);
      if (special !== undefined) return done(special);
      const code = err?.code ?? `HTTP_${answer.status}`;
      const message = err ? err.message || err.code : `WeChat Pay answered HTTP ${answer.status}: ${snippet() || 'no body'}`;
      return done({ kind: classifyV3Error(answer.status, err?.code ?? null), code, message });
    }

    const check = await verifySignedLearning(keys, { headers: answer.headers, body: answer.body }, { now: clock() });
    if (!check.ok) {
      // A 2xx we cannot authenticate: it may be WeChat's real answer or a forgery, so the outcome is unknown.
      return done({ kind: 'retryable', code: 'INVALID_SIGNATURE', message: `${check.reason}: ${check.message}` });
    }
    let json: unknown = null;
    if (answer.body.length > 0) {
      try {
        json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(answer.body));
      } catch {
        return done(bad(`unparsable answer (HTTP ${answer.status}): ${snippet()}`));
      }
    }
    record.response = json;
    return done(onOk(json, answer.status));
  }

  /** Validates a Refund object and that it is the refund we asked about. */
  function readRefund(json: unknown, expect: { outRefundNo: string; refundFee?: number; refundId?: string }): RefundAnswer | V3Failure {
    const parsed = refundAnswer.safeParse(json);
    if (!parsed.success) return bad(`refund answer has the wrong shape: ${issues(parsed.error)}`);
    const r = parsed.data;
    if (r.out_refund_no !== expect.outRefundNo) return bad(`answer is about out_refund_no ${r.out_refund_no}, not ${expect.outRefundNo}`);
    if (expect.refundFee !== undefined && r.amount.refund !== expect.refundFee) {
      return bad(`answer has amount.refund ${r.amount.refund}, we asked for ${expect.refundFee}`);
    }
    if (expect.refundId !== undefined && r.refund_id !== expect.refundId) {
      return bad(`answer is about refund_id ${r.refund_id}, not ${expect.refundId}`);
    }
    return r;
  }

  return {
    async refund(i, timing) {
      assertId('outTradeNo', i.outTradeNo);
      assertId('outRefundNo', i.outRefundNo);
      assertFen('totalFee', i.totalFee);
      assertFen('refundFee', i.refundFee);
      if (i.refundFee > i.totalFee) throw new TypeError('refundFee cannot exceed totalFee');
      // WeChat takes 1- to 3-byte UTF-8 only and reason is String(80) in bytes (docs/wechat-pay.md § Basics).
      const reason = i.reason === undefined ? '' : wxText(i.reason, 80);
      const body: Record<string, unknown> = { out_trade_no: i.outTradeNo, out_refund_no: i.outRefundNo };
      if (reason !== '') body.reason = reason;
      body.notify_url = i.notifyUrl;
      body.amount = { refund: i.refundFee, total: i.totalFee, currency: 'CNY' };
      return call<V3RefundAccepted>('POST', REFUNDS_PATH, body, (json) => {
        // WeChat refunds one out_refund_no at most once; an answer about another number or amount is not ours to believe.
        const r = readRefund(json, { outRefundNo: i.outRefundNo, refundFee: i.refundFee });
        return isFailure(r) ? r : { kind: 'accepted', refundId: r.refund_id, status: r.status };
      }, undefined, timing);
    },

    async queryRefund(i) {
      assertId('outRefundNo', i.outRefundNo);
      return call<V3RefundQueryOutcome>(
        'GET',
        `${REFUNDS_PATH}/${seg(i.outRefundNo)}`,
        undefined,
        (json) => {
          const r = readRefund(json, { outRefundNo: i.outRefundNo });
          return isFailure(r) ? r : { kind: 'found', refund: refundView(r) };
        },
        // An answer, not an error: WeChat never accepted this out_refund_no (resubmitting it is safe).
        (status, err) => (status === 404 && err?.code === 'RESOURCE_NOT_EXISTS' ? { kind: 'not_found' } : undefined),
      );
    },

    async applyAbnormalRefund(i) {
      assertId('refundId', i.refundId);
      assertId('outRefundNo', i.outRefundNo);
      if (i.type !== 'MERCHANT_BANK_CARD') throw new TypeError('only MERCHANT_BANK_CARD is supported (no encrypted card fields)');
      const body = { out_refund_no: i.outRefundNo, type: i.type };
      return call<V3RefundAccepted>('POST', `${REFUNDS_PATH}/${seg(i.refundId)}/apply-abnormal-refund`, body, (json) => {
        const r = readRefund(json, { outRefundNo: i.outRefundNo, refundId: i.refundId });
        return isFailure(r) ? r : { kind: 'accepted', refundId: r.refund_id, status: r.status };
      });
    },

    async jsapiPrepay(i) {
      assertId('outTradeNo', i.outTradeNo);
      assertFen('totalFee', i.totalFee);
      const description = wxText(i.description, 127);
      if (description === '') throw new TypeError('description is empty once 4-byte characters and controls are removed');
      if (i.timeExpire !== undefined && Number.isNaN(i.timeExpire.getTime())) throw new TypeError('timeExpire is an invalid Date');
      const body: Record<string, unknown> = {
        appid: cfg.appid,
        mchid: cfg.mchId,
        description,
        out_trade_no: i.outTradeNo,
      };
      // RFC 3339 in Beijing time, the form WeChat writes and reads (docs/wechat-pay.md § APIv3).
      if (i.timeExpire !== undefined) body.time_expire = beijingTime(i.timeExpire);
      body.notify_url = i.notifyUrl;
      body.amount = { total: i.totalFee, currency: 'CNY' };
      body.payer = { openid: i.openid };
      return call('POST', JSAPI_PATH, body, (json) => {
        const parsed = prepayAnswer.safeParse(json);
        return parsed.success ? { kind: 'ok' as const, prepayId: parsed.data.prepay_id } : bad(`answer without prepay_id: ${issues(parsed.error)}`);
      });
    },

    async queryOrder(i) {
      assertId('outTradeNo', i.outTradeNo);
      const path = `${OUT_TRADE_NO_PATH}/${seg(i.outTradeNo)}?mchid=${encodeURIComponent(cfg.mchId)}`;
      return call<V3OrderQueryOutcome>(
        'GET',
        path,
        undefined,
        (json) => {
          const parsed = orderAnswer.safeParse(json);
          if (!parsed.success) return bad(`order answer has the wrong shape: ${issues(parsed.error)}`);
          const o = parsed.data;
          if (o.out_trade_no !== i.outTradeNo) return bad(`answer is about out_trade_no ${o.out_trade_no}, not ${i.outTradeNo}`);
          if (o.mchid !== undefined && o.mchid !== cfg.mchId) return bad(`answer names mchid ${o.mchid}`);
          return { kind: 'ok', tradeState: o.trade_state, transactionId: o.transaction_id || null, totalFee: o.amount?.total ?? null };
        },
        (status, err) => (status === 404 && err?.code === 'ORDER_NOT_EXIST' ? { kind: 'not_found' } : undefined),
      );
    },

    async closeOrder(i) {
      assertId('outTradeNo', i.outTradeNo);
      // WeChat answers 204 with an empty (but signed) body.
      return call('POST', `${OUT_TRADE_NO_PATH}/${seg(i.outTradeNo)}/close`, { mchid: cfg.mchId }, () => ({ kind: 'ok' as const }));
    },

    close() {
      transport.close();
    },
  };
}
