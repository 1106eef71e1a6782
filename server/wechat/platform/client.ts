// WechatPlatformClient: shipping upload, shipping state and subscribe messages on api.weixin.qq.com, each with its evidence record.
import https from 'node:https';
import { postJson, type PlatformCallRecord, type PlatformError } from './call.ts';
import { TOKEN_ERRCODES } from './errors.ts';
import {
  GET_ORDER_ENDPOINT,
  UPLOAD_SHIPPING_ENDPOINT,
  isOrderState,
  shippingUploadBody,
  type ShippingOrderState,
  type ShippingUpload,
} from './shipping.ts';
import { SUBSCRIBE_SEND_ENDPOINT, subscribeMessageBody, type SubscribeMessage } from './subscribe.ts';
import { TokenSource, type TokenStore } from './token.ts';

export type { PlatformCallRecord, PlatformError } from './call.ts';

export type PlatformClientConfig = {
  /** https://api.weixin.qq.com, or the sandbox (WECHAT_API_BASE). */
  apiBase: string;
  appid: string;
  secret: string;
  /** Shared by every instance: see TokenStore. */
  tokenStore: TokenStore;
  /** Replaces the system trust store (the sandbox's or a test's CA). Verification is never off. */
  ca?: string | Buffer;
  /** Deadline of one HTTPS exchange. Default 10 s. */
  timeoutMs?: number;
  /** Renew the token when less than this is left. Default 5 minutes. */
  renewBeforeMs?: number;
};

export type PlatformResult<T> = { outcome: T | PlatformError; call: PlatformCallRecord };

export type ShippingUploaded = { kind: 'ok' };
export type ShippingOrder = { kind: 'ok'; orderState: ShippingOrderState; order: Record<string, unknown> };
export type SubscribeSent = { kind: 'ok'; msgid: string | null };

/** What shipping code needs of the client; a test double implements just this. */
export type ShippingPlatform = Pick<WechatPlatformClient, 'uploadShippingInfo' | 'getShippingOrder'>;

export class WechatPlatformClient {
  private readonly agent: https.Agent;
  private readonly tokens: TokenSource;
  private readonly baseUrl: string;
  private readonly timeoutMs: number;

  constructor(cfg: PlatformClientConfig) {
    this.baseUrl = cfg.apiBase.replace(/\/+$/, '');
    if (new URL(this.baseUrl).protocol !== 'https:') throw new TypeError('WeChat API base must be https://');
    this.timeoutMs = cfg.timeoutMs ?? 10_000;
    this.agent = new https.Agent({ keepAlive: true, ...(cfg.ca !== undefined ? { ca: cfg.ca } : {}) });
    this.tokens = new TokenSource({
      baseUrl: this.baseUrl,
      appid: cfg.appid,
      secret: cfg.secret,
      store: cfg.tokenStore,
      agent: this.agent,
      timeoutMs: this.timeoutMs,
      renewBeforeMs: cfg.renewBeforeMs,
    });
  }

  /**
   * Tells WeChat the order was shipped. WeChat takes one upload per payment plus ONE re-ship (any later upload
   * is 10060003), so the caller must never send a shipment twice: after an unknown outcome (timeout, dropped
   * connection) ask getShippingOrder first. An invalid input rejects with TypeError before anything is sent.
   */
  async uploadShippingInfo(u: ShippingUpload): Promise<PlatformResult<ShippingUploaded>> {
    const body = shippingUploadBody(u);
    return this.send(UPLOAD_SHIPPING_ENDPOINT, body, () => ({ kind: 'ok' }));
  }

  /** WeChat's shipping state of one payment: 1 待发货 … 5 已退款 (ORDER_STATES). */
  async getShippingOrder(transactionId: string): Promise<PlatformResult<ShippingOrder>> {
    if (typeof transactionId !== 'string' || transactionId.trim() === '') throw new TypeError('transactionId is required');
    return this.send(GET_ORDER_ENDPOINT, { transaction_id: transactionId.trim() }, (json): ShippingOrder | PlatformError => {
      const order = json.order as Record<string, unknown> | undefined;
      const state = order?.order_state;
      if (typeof order !== 'object' || order === null || !isOrderState(state)) {
        return { kind: 'error', errcode: null, errmsg: 'get_order answered without a known order_state', retryable: true };
      }
      return { kind: 'ok', orderState: state, order };
    });
  }

  /** Sends one subscribe message; 43101 (the buyer did not subscribe, or used the subscription up) is final. */
  async sendSubscribeMessage(m: SubscribeMessage): Promise<PlatformResult<SubscribeSent>> {
    const body = subscribeMessageBody(m);
    return this.send(SUBSCRIBE_SEND_ENDPOINT, body, (json) => ({
      kind: 'ok',
      msgid: typeof json.msgid === 'number' || typeof json.msgid === 'string' ? String(json.msgid) : null,
    }));
  }

  /** Destroys the connection pool. Call it after in-flight calls have settled. */
  close(): void {
    this.agent.destroy();
  }

  /** One API call with a token; after a token errcode, once more with a fresh token. */
  private async send<T extends { kind: 'ok' }>(
    endpoint: string,
    body: object,
    onOk: (json: Record<string, unknown>) => T | PlatformError,
  ): Promise<PlatformResult<T>> {
    const started = performance.now();
    const post = (accessToken: string) =>
      postJson({ agent: this.agent, baseUrl: this.baseUrl, endpoint, accessToken, body: body as Record<string, unknown>, timeoutMs: this.timeoutMs });

    // Without a token nothing went out: the stable_token call is the evidence of why.
    const first = await this.tokens.token();
    if (!first.ok) return { outcome: first.failure, call: first.call };
    let r = await post(first.accessToken);
    const refused = r.failure?.errcode;
    if (refused != null && TOKEN_ERRCODES.has(refused)) {
      const renewed = await this.tokens.renew(first.accessToken);
      if (!renewed.ok) {
        return { outcome: renewed.failure, call: { ...renewed.call, error: `renewing the token after errcode ${refused} on ${endpoint} failed: ${renewed.failure.errmsg}` } };
      }
      r = await post(renewed.accessToken);
      r.call.tokenRenewed = true;
    }
    r.call.durationMs = Math.round(performance.now() - started);
    if (r.failure) return { outcome: r.failure, call: r.call };
    const outcome = onOk(r.json as Record<string, unknown>);
    if (outcome.kind === 'error') r.call.error = outcome.errmsg;
    return { outcome, call: r.call };
  }
}
