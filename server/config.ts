// The only reader of process.env: validated with zod, defaults from the contract, sandbox vs live decided here.
import path from 'node:path';
import { z } from 'zod';
import { LATENCY_FORMAT, parseLatency, WECHAT_LATENCY, type LatencyRange } from './sandbox/latency.ts';

const intFrom = (def: number, min = 0) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v === '') return def;
      if (!/^\d+$/.test(v) || Number(v) < min) {
        ctx.addIssue({ code: 'custom', message: `must be a whole number ≥ ${min}` });
        return z.NEVER;
      }
      return Number(v);
    });

/** The sandbox's answer latency: `100-300` (random per answer), `200` (fixed) or `0` (none); unset: WeChat's 100–300. */
const latencyRange = z
  .string()
  .optional()
  .transform((v, ctx): LatencyRange => {
    if (v === undefined || v === '') return { ...WECHAT_LATENCY };
    const range = parseLatency(v);
    if (range === null) {
      ctx.addIssue({ code: 'custom', message: `must be ${LATENCY_FORMAT}` });
      return z.NEVER;
    }
    return range;
  });

const EnvSchema = z.object({
  PORT: intFrom(3000),
  HOST: z.string().default('127.0.0.1'),
  DATABASE_URL: z.string().default('file:./data/mall.db'),
  DATA_DIR: z.string().default('./data'),
  PUBLIC_BASE_URL: z.string().optional(),
  WXPAY_MODE: z.enum(['sandbox', 'live']).optional(),
  WECHAT_APPID: z.string().optional(),
  WECHAT_APP_SECRET: z.string().optional(),
  WECHAT_API_BASE: z.string().default('https://api.weixin.qq.com'),
  WXPAY_MCH_ID: z.string().optional(),
  WXPAY_API_KEY: z.string().optional(),
  WXPAY_CERT_P12_PATH: z.string().optional(),
  WXPAY_CERT_PASSPHRASE: z.string().optional(),
  WXPAY_CERT_PEM_PATH: z.string().optional(),
  WXPAY_KEY_PEM_PATH: z.string().optional(),
  WXPAY_API_BASE: z.string().default('https://api.mch.weixin.qq.com'),
  WXPAY_SIGN_TYPE: z.enum(['MD5', 'HMAC-SHA256']).default('MD5'),
  WXPAY_API_VERSION: z.enum(['v2', 'v3']).default('v2'),
  WXPAY_API_V3_KEY: z.string().optional(),
  WXPAY_CERT_SERIAL_NO: z.string().regex(/^[0-9A-Fa-f]{1,64}$/, 'must be the hexadecimal serial of the merchant API certificate').optional(),
  WXPAY_PUBLIC_KEY_PATH: z.string().optional(),
  WXPAY_PUBLIC_KEY_ID: z.string().regex(/^PUB_KEY_ID_\d+$/, 'must look like PUB_KEY_ID_ followed by digits').optional(),
  WXPAY_REFUND_QPS: intFrom(150, 1),
  WXPAY_TIMEOUT_MS: intFrom(10_000, 100),
  REFUND_QUERY_AFTER_S: intFrom(60),
  RETRY_BASE_MS: intFrom(2000, 1),
  REFUND_ORDER_GAP_S: intFrom(60),
  ORDER_CLOSE_AFTER_S: intFrom(1800, 1),
  ORDER_AUTO_RECEIVE_S: intFrom(864_000, 1),
  REFUND_AUTO_APPROVE_S: intFrom(0),
  RETURN_SHIP_WITHIN_S: intFrom(604_800, 1),
  RETURN_RECEIVE_WITHIN_S: intFrom(864_000, 1),
  MERCHANT_RETURN_ADDRESS: z.string().optional(),
  WECHAT_SUBSCRIBE_TEMPLATE_REFUND: z.string().trim().min(1).max(128).optional(),
  ADMIN_USERNAME: z.string().optional(),
  ADMIN_PASSWORD: z.string().optional(),
  BUYER_RATE_LIMIT_PER_MIN: intFrom(600, 1),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  SANDBOX_PORT: intFrom(0),
  SANDBOX_URL: z.url().optional(),
  SANDBOX_DATA_DIR: z.string().optional(),
  SANDBOX_SETTLE_DELAY_MS: intFrom(3000),
  SANDBOX_NOTIFY_RETRY_SCALE: z.string().regex(/^\d+(\.\d+)?$/).default('1'),
  SANDBOX_TOKEN_TTL_S: intFrom(7200, 1),
  SANDBOX_LATENCY_MS: latencyRange,
  SANDBOX_V3_KEY_MODE: z.enum(['public-key', 'certificate']).default('public-key'),
  WXMALL_TEST_FAULTS: z.string().optional(),
});

export interface WxPayCredentials {
  appid: string;
  appSecret: string;
  mchId: string;
  /** The APIv2 key: v2 calls and v2 notifications (in v3 mode: those of refunds sent before the move). */
  apiKey?: string;
  /** The APIv3 key: v3 notifications' resources and platform certificates. */
  apiV3Key?: string;
  p12Path?: string;
  p12Passphrase?: string;
  certPemPath?: string;
  keyPemPath?: string;
  /** The merchant certificate's serial, for a merchant who has only apiclient_key.pem. */
  certSerialNo?: string;
  /** WeChat Pay's public key and its id (v3 public-key mode). */
  publicKeyPath?: string;
  publicKeyId?: string;
}

export interface Config {
  port: number;
  host: string;
  databaseUrl: string;
  dataDir: string;
  /** Explicit PUBLIC_BASE_URL, or undefined: then it is http://HOST:PORT of the port actually bound. */
  publicBaseUrl?: string;
  mode: 'sandbox' | 'live';
  wechatApiBase: string;
  wxpayApiBase: string;
  signType: 'MD5' | 'HMAC-SHA256';
  /** The protocol calls to WeChat Pay go out in. */
  apiVersion: 'v2' | 'v3';
  /** Live credentials; in sandbox mode they come from the sandbox at start. */
  live?: WxPayCredentials;
  refundQps: number;
  wxpayTimeoutMs: number;
  refundQueryAfterMs: number;
  retryBaseMs: number;
  refundOrderGapMs: number;
  orderCloseAfterMs: number;
  orderAutoReceiveMs: number;
  refundAutoApproveMs: number;
  returnShipWithinMs: number;
  returnReceiveWithinMs: number;
  /** Where buyers send goods back; the sandbox has a demo one. Required to approve a return. */
  returnAddress: { name: string; phone: string; address: string } | null;
  /** The "退款通知" subscribe message template; null: no messages. */
  subscribeTemplateRefund: string | null;
  admin?: { username: string; password: string };
  buyerRateLimitPerMin: number;
  logLevel: string;
  /**
   * The embedded sandbox's settings; with `url`, several instances share one standalone sandbox
   * (`tsx server/sandbox/main.ts`) whose materials are in `dataDir` instead of starting their own.
   */
  sandbox: {
    port: number;
    settleDelayMs: number;
    notifyRetryScale: number;
    tokenTtlS: number;
    /** How long each of its WeChat API answers waits, ms, drawn per answer; WeChat's 100–300 unless set (tests: 0). */
    latencyMs: LatencyRange;
    url?: string;
    dataDir: string;
    /** Over v3, how the mall checks the sandbox's signatures: its public key, or certificates from /v3/certificates. */
    v3KeyMode: 'public-key' | 'certificate';
  };
  /** Test-only crash points, e.g. "crash:after-claim"; see server/test-faults.ts. */
  testFaults?: string;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

const ReturnAddress = z.strictObject({
  name: z.string().trim().min(1).max(50),
  phone: z.string().regex(/^[0-9+-]{5,20}$/),
  address: z.string().trim().min(1).max(200),
});

const SANDBOX_SUBSCRIBE_TEMPLATE = 'SANDBOX-refund-notice';
const SANDBOX_RETURN_ADDRESS = { name: '小店售后', phone: '020-12345678', address: '广东省广州市海珠区新港中路 397 号 小店仓库' };

function parseReturnAddress(raw: string): { name: string; phone: string; address: string } {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw new ConfigError('MERCHANT_RETURN_ADDRESS must be JSON: {"name","phone","address"}');
  }
  const r = ReturnAddress.safeParse(json);
  if (!r.success) throw new ConfigError(`MERCHANT_RETURN_ADDRESS: ${r.error.issues[0].path.join('.') || 'value'} ${r.error.issues[0].message}`);
  return r.data;
}

type Env = z.infer<typeof EnvSchema>;

/**
 * The merchant's credentials for live mode; anything missing for the chosen protocol stops the start, named.
 * v2 needs the APIv2 key and the certificate (mutual TLS). v3 needs the APIv3 key and the signing key (the
 * .p12, the PEM pair, or apiclient_key.pem with WXPAY_CERT_SERIAL_NO); the APIv2 key is then optional and only
 * reads v2 notifications of refunds sent before a move to v3.
 */
function liveCredentials(e: Env): WxPayCredentials {
  const v3 = e.WXPAY_API_VERSION === 'v3';
  const missing: string[] = [];
  if (!e.WECHAT_APPID) missing.push('WECHAT_APPID');
  if (!e.WECHAT_APP_SECRET) missing.push('WECHAT_APP_SECRET');
  if (!e.WXPAY_MCH_ID) missing.push('WXPAY_MCH_ID');
  if (!v3 && !e.WXPAY_API_KEY) missing.push('WXPAY_API_KEY');
  if (v3 && !e.WXPAY_API_V3_KEY) missing.push('WXPAY_API_V3_KEY');
  const hasP12 = Boolean(e.WXPAY_CERT_P12_PATH);
  const hasPem = Boolean(e.WXPAY_CERT_PEM_PATH && e.WXPAY_KEY_PEM_PATH);
  const hasKeyAndSerial = v3 && Boolean(e.WXPAY_KEY_PEM_PATH && e.WXPAY_CERT_SERIAL_NO);
  if (!hasP12 && !hasPem && !hasKeyAndSerial) {
    missing.push(
      v3
        ? 'WXPAY_CERT_P12_PATH (or WXPAY_CERT_PEM_PATH and WXPAY_KEY_PEM_PATH, or WXPAY_KEY_PEM_PATH and WXPAY_CERT_SERIAL_NO)'
        : 'WXPAY_CERT_P12_PATH (or WXPAY_CERT_PEM_PATH and WXPAY_KEY_PEM_PATH)',
    );
  }
  if (missing.length > 0) {
    throw new ConfigError(`WXPAY_MODE=live${v3 ? ' with WXPAY_API_VERSION=v3' : ''} needs ${missing.join(', ')}; nothing was started`);
  }
  if (e.WXPAY_API_KEY !== undefined && e.WXPAY_API_KEY.length !== 32) throw new ConfigError('WXPAY_API_KEY must be the 32-character APIv2 key');
  if (e.WXPAY_API_V3_KEY !== undefined && Buffer.byteLength(e.WXPAY_API_V3_KEY, 'utf8') !== 32) {
    throw new ConfigError('WXPAY_API_V3_KEY must be the 32-character APIv3 key');
  }
  if (Boolean(e.WXPAY_PUBLIC_KEY_PATH) !== Boolean(e.WXPAY_PUBLIC_KEY_ID)) {
    throw new ConfigError('WXPAY_PUBLIC_KEY_PATH and WXPAY_PUBLIC_KEY_ID go together (pub_key.pem and its PUB_KEY_ID_…)');
  }
  return {
    appid: e.WECHAT_APPID!,
    appSecret: e.WECHAT_APP_SECRET!,
    mchId: e.WXPAY_MCH_ID!,
    apiKey: e.WXPAY_API_KEY,
    apiV3Key: e.WXPAY_API_V3_KEY,
    p12Path: e.WXPAY_CERT_P12_PATH,
    // WeChat sets the p12 password to the merchant id
    p12Passphrase: e.WXPAY_CERT_PASSPHRASE ?? e.WXPAY_MCH_ID,
    certPemPath: e.WXPAY_CERT_PEM_PATH,
    keyPemPath: e.WXPAY_KEY_PEM_PATH,
    certSerialNo: e.WXPAY_CERT_SERIAL_NO,
    publicKeyPath: e.WXPAY_PUBLIC_KEY_PATH,
    publicKeyId: e.WXPAY_PUBLIC_KEY_ID,
  };
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigError(`configuration: ${issue.path.join('.')} ${issue.message}`);
  }
  const e = parsed.data;
  const mode = e.WXPAY_MODE ?? (e.WXPAY_MCH_ID ? 'live' : 'sandbox');
  const live = mode === 'live' ? liveCredentials(e) : undefined;
  const admin =
    e.ADMIN_USERNAME && e.ADMIN_PASSWORD ? { username: e.ADMIN_USERNAME, password: e.ADMIN_PASSWORD } : undefined;
  if (admin && admin.password.length < 8) throw new ConfigError('ADMIN_PASSWORD must have at least 8 characters');
  return {
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    dataDir: path.resolve(e.DATA_DIR),
    publicBaseUrl: e.PUBLIC_BASE_URL?.replace(/\/+$/, ''),
    mode,
    wechatApiBase: e.WECHAT_API_BASE.replace(/\/+$/, ''),
    wxpayApiBase: e.WXPAY_API_BASE.replace(/\/+$/, ''),
    signType: e.WXPAY_SIGN_TYPE,
    apiVersion: e.WXPAY_API_VERSION,
    live,
    refundQps: e.WXPAY_REFUND_QPS,
    wxpayTimeoutMs: e.WXPAY_TIMEOUT_MS,
    refundQueryAfterMs: e.REFUND_QUERY_AFTER_S * 1000,
    retryBaseMs: e.RETRY_BASE_MS,
    refundOrderGapMs: e.REFUND_ORDER_GAP_S * 1000,
    orderCloseAfterMs: e.ORDER_CLOSE_AFTER_S * 1000,
    orderAutoReceiveMs: e.ORDER_AUTO_RECEIVE_S * 1000,
    refundAutoApproveMs: e.REFUND_AUTO_APPROVE_S * 1000,
    returnShipWithinMs: e.RETURN_SHIP_WITHIN_S * 1000,
    returnReceiveWithinMs: e.RETURN_RECEIVE_WITHIN_S * 1000,
    returnAddress: e.MERCHANT_RETURN_ADDRESS !== undefined ? parseReturnAddress(e.MERCHANT_RETURN_ADDRESS) : mode === 'sandbox' ? SANDBOX_RETURN_ADDRESS : null,
    // the sandbox has a demo template, so `npm start` shows the buyer's message arriving; live: the merchant's own or none
    subscribeTemplateRefund: e.WECHAT_SUBSCRIBE_TEMPLATE_REFUND ?? (mode === 'sandbox' ? SANDBOX_SUBSCRIBE_TEMPLATE : null),
    admin,
    buyerRateLimitPerMin: e.BUYER_RATE_LIMIT_PER_MIN,
    logLevel: e.LOG_LEVEL,
    sandbox: {
      port: e.SANDBOX_PORT,
      settleDelayMs: e.SANDBOX_SETTLE_DELAY_MS,
      notifyRetryScale: Number(e.SANDBOX_NOTIFY_RETRY_SCALE),
      tokenTtlS: e.SANDBOX_TOKEN_TTL_S,
      latencyMs: e.SANDBOX_LATENCY_MS,
      url: e.SANDBOX_URL?.replace(/\/+$/, ''),
      dataDir: path.resolve(e.SANDBOX_DATA_DIR ?? e.DATA_DIR),
      v3KeyMode: e.SANDBOX_V3_KEY_MODE,
    },
    testFaults: e.WXMALL_TEST_FAULTS,
  };
}
