// The access token of api.weixin.qq.com: one stable token for all instances, kept in a TokenStore, renewed ahead of expiry.
import type https from 'node:https';
import { postJson, type PlatformCallRecord, type PlatformError } from './call.ts';

export type StoredToken = { accessToken: string; expiresAt: Date };

/**
 * Where every instance finds the current token. WeChat issues one token per app; instances that fetched
 * their own would keep swapping it for each other, so they share this one (the database-backed store in
 * production, MemoryTokenStore in tests).
 */
export interface TokenStore {
  get(): Promise<StoredToken | null>;
  put(t: StoredToken): Promise<void>;
}

/** A TokenStore for tests and single-process tools: one token in memory. */
export class MemoryTokenStore implements TokenStore {
  private token: StoredToken | null = null;
  puts = 0;

  async get(): Promise<StoredToken | null> {
    return this.token && { ...this.token };
  }

  async put(t: StoredToken): Promise<void> {
    this.token = { ...t };
    this.puts += 1;
  }
}

/** Renew when less than this is left: WeChat hands out a new stable token in the last 5 minutes, too. */
export const RENEW_BEFORE_MS = 5 * 60_000;

export const STABLE_TOKEN_ENDPOINT = '/cgi-bin/stable_token';

export type TokenResult = { ok: true; accessToken: string } | { ok: false; failure: PlatformError; call: PlatformCallRecord };

export type TokenSourceConfig = {
  baseUrl: string;
  appid: string;
  secret: string;
  store: TokenStore;
  agent: https.Agent;
  timeoutMs: number;
  renewBeforeMs?: number;
};

/** Hands out a token with time left; one fetch at a time per process, whoever asks. */
export class TokenSource {
  private cached: StoredToken | null = null;
  private inflight: Promise<TokenResult> | null = null;
  private readonly renewBeforeMs: number;

  constructor(private readonly cfg: TokenSourceConfig) {
    this.renewBeforeMs = cfg.renewBeforeMs ?? RENEW_BEFORE_MS;
  }

  private fresh(t: StoredToken | null): t is StoredToken {
    return t !== null && t.expiresAt.getTime() - Date.now() >= this.renewBeforeMs;
  }

  /** A token with at least `renewBeforeMs` left: ours, else the store's, else a new one from WeChat. */
  async token(): Promise<TokenResult> {
    if (this.fresh(this.cached)) return { ok: true, accessToken: this.cached.accessToken };
    return this.flight(undefined);
  }

  /**
   * After WeChat refused `stale` (40001 / 42001 / 40014): a token other than that one. Another caller or
   * instance may already have renewed it; otherwise stable_token (normal mode) gives the currently valid one.
   */
  async renew(stale: string): Promise<TokenResult> {
    if (this.fresh(this.cached) && this.cached.accessToken !== stale) return { ok: true, accessToken: this.cached.accessToken };
    if (this.cached?.accessToken === stale) this.cached = null;
    const joined = this.inflight ? await this.inflight : undefined;
    if (joined && (!joined.ok || joined.accessToken !== stale)) return joined;
    return this.flight(stale);
  }

  /** Concurrent callers in this process share one read of the store and at most one fetch. */
  private flight(stale: string | undefined): Promise<TokenResult> {
    this.inflight ??= this.load(stale).finally(() => {
      this.inflight = null;
    });
    return this.inflight;
  }

  private async load(stale: string | undefined): Promise<TokenResult> {
    const stored = await this.cfg.store.get();
    if (this.fresh(stored) && stored.accessToken !== stale) {
      this.cached = stored;
      return { ok: true, accessToken: stored.accessToken };
    }
    const fetched = await this.fetch();
    if (!fetched.ok) return fetched;
    await this.cfg.store.put(fetched.token);
    this.cached = fetched.token;
    return { ok: true, accessToken: fetched.token.accessToken };
  }

  /** POST /cgi-bin/stable_token in normal mode: WeChat answers the currently valid token, or a new one near its end. */
  private async fetch(): Promise<{ ok: true; token: StoredToken } | { ok: false; failure: PlatformError; call: PlatformCallRecord }> {
    const { appid, secret } = this.cfg;
    const sentAt = Date.now();
    const r = await postJson({
      agent: this.cfg.agent,
      baseUrl: this.cfg.baseUrl,
      endpoint: STABLE_TOKEN_ENDPOINT,
      body: { grant_type: 'client_credential', appid, secret },
      recordedRequest: { grant_type: 'client_credential', appid }, // never the secret
      recordedResponse: (json) => ({ ...json, access_token: '[redacted]' }),
      timeoutMs: this.cfg.timeoutMs,
    });
    if (r.failure) return { ok: false, failure: r.failure, call: r.call };
    const { access_token: accessToken, expires_in: expiresIn } = r.json as { access_token?: unknown; expires_in?: unknown };
    if (typeof accessToken !== 'string' || accessToken === '' || typeof expiresIn !== 'number' || !(expiresIn > 0)) {
      const failure: PlatformError = { kind: 'error', errcode: null, errmsg: 'stable_token answered without access_token / expires_in', retryable: true };
      return { ok: false, failure, call: { ...r.call, error: failure.errmsg } };
    }
    // Counted from when we asked, so network time never makes us believe in a longer life than WeChat gave.
    return { ok: true, token: { accessToken, expiresAt: new Date(sentAt + expiresIn * 1000) } };
  }
}

