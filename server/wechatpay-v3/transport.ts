// The APIv3 wire: one signed HTTPS request (JSON body serialised once, those exact bytes signed and sent), answered with status, headers and raw body.
import https from 'node:https';
import type { SendTiming } from '../lib/slot-gate.ts';
import { httpsRequest, TransportError, wechatAgent, type AgentMaterial } from '../wechatpay/http.ts';
import { SendThread } from '../wechatpay/send-thread.ts';
import { canonicalUrl, requestHeaders, type MerchantSigner } from './sign.ts';

export { TransportError };

export type V3TransportConfig = {
  mchId: string;
  signer: MerchantSigner;
  /** `https://api.mch.weixin.qq.com` (or a sandbox). Anything but https is refused. */
  baseUrl: string;
  /** Replaces the system trust store for this transport (a sandbox or test CA). Verification is never off. */
  ca?: string | Buffer;
  /** The whole-call deadline: connect, TLS, upload and download. Default 10 000 ms. */
  timeoutMs?: number;
  /**
   * Public-key mode: the `PUB_KEY_ID_…` sent on every request as `Wechatpay-Serial`, which tells WeChat
   * which of its keys we verify with (docs/wechat-pay.md § APIv3, "The two key modes").
   */
  publicKeyId?: string;
  /** For the Authorization timestamp; WeChat refuses a clock that is far off with 401 SIGN_ERROR. */
  clock?: () => Date;
  /** Answers longer than this are cut off as TOO_LARGE. Default 1 MiB; real answers are a few KB. */
  maxAnswerBytes?: number;
};

/**
 * An answer as received. The body is the raw bytes, because the Wechatpay-Signature covers exactly them.
 * `sentAt` (epoch ms): when a paced call went.
 */
export type V3RawAnswer = { status: number; headers: Record<string, string | string[] | undefined>; body: Buffer; sentAt?: number };

export interface V3Transport {
  /**
   * Signs and sends one request. `body` is JSON-serialised once; those exact bytes are signed and sent.
   * Resolves with any HTTP status (the caller classifies it); rejects with TransportError (TIMEOUT,
   * CONNECTION, TLS, TOO_LARGE) when no complete answer was read. With `timing`, it goes at that slot from the
   * send thread (wechatpay/send-thread.ts), or rejects with SlotMissed when the slot was past use (nothing sent).
   */
  request(method: 'GET' | 'POST', pathWithQuery: string, body?: unknown, timing?: SendTiming): Promise<V3RawAnswer>;
  /** Destroys the connection pool; call it after in-flight requests have settled (it aborts any still running). */
  close(): void;
}

export const DEFAULT_TIMEOUT_MS = 10_000;
export const DEFAULT_MAX_ANSWER_BYTES = 1024 * 1024;
export const USER_AGENT = 'wx-mall-wechatpay-v3';

/**
 * Creates the transport. It holds a keep-alive agent (WeChat asks for persistent connections) and the
 * signing key; it knows nothing of endpoints or of what the answers mean.
 */
export function createV3Transport(cfg: V3TransportConfig): V3Transport {
  const base = new URL(cfg.baseUrl);
  if (base.protocol !== 'https:') throw new TypeError('WeChat Pay APIv3 baseUrl must be https://');
  if (base.search || base.hash) throw new TypeError('WeChat Pay APIv3 baseUrl must not carry a query or fragment');
  const baseUrl = cfg.baseUrl.replace(/\/+$/, '');
  const timeoutMs = cfg.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxBytes = cfg.maxAnswerBytes ?? DEFAULT_MAX_ANSWER_BYTES;
  const clock = cfg.clock ?? (() => new Date());
  if (cfg.signer.mchId !== cfg.mchId) throw new TypeError('the signer belongs to another mchid');
  // No client certificate: APIv3 authenticates the merchant by the request signature, not by mutual TLS.
  const material: AgentMaterial = cfg.ca !== undefined ? { ca: cfg.ca } : {};
  const agent = wechatAgent(material);
  let thread: SendThread | null = null; // started by the first paced call

  return {
    async request(method, pathWithQuery, body, timing) {
      if (method !== 'GET' && method !== 'POST') throw new TypeError(`unsupported method ${String(method)}`);
      if (!pathWithQuery.startsWith('/') || pathWithQuery.startsWith('//')) {
        throw new TypeError('pathWithQuery must be a path starting with a single /');
      }
      if (method === 'GET' && body !== undefined) throw new TypeError('a GET has no body');
      // Serialised once: the signature covers these exact bytes, and these exact bytes go on the wire.
      const payload = body === undefined ? undefined : JSON.stringify(body);
      if (body !== undefined && payload === undefined) throw new TypeError('the body is not JSON-serialisable');
      const url = new URL(baseUrl + pathWithQuery);
      // Sign what WHATWG URL will put on the wire (its normalisation included), not the string we were given.
      const target = canonicalUrl(url.href);
      const { headers } = requestHeaders(
        cfg.signer,
        { method, url: target, body: payload ?? '' },
        { now: clock(), wechatpaySerial: cfg.publicKeyId, userAgent: USER_AGENT },
      );
      if (payload === undefined) delete headers['content-type'];
      // the whole-call deadline, the answer's size cap, errors sorted by cause: the same primitive as v2's
      const opts = { method, timeoutMs, body: payload, headers, maxBytes };
      if (timing) return (thread ??= new SendThread(material)).request(url, opts, timing);
      return httpsRequest(url, { ...opts, agent, idempotent: true }); // keyed by our numbers or a read: resending is safe
    },
    close() {
      agent.destroy();
      thread?.close();
    },
  };
}
