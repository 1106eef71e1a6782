// The sandbox's public shapes (what startSandbox takes and returns) and the logger it writes to.
import type { LatencyRange } from './latency.ts';

export interface SandboxLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

export interface SandboxOptions {
  /** Materials and state live in `${dataDir}/sandbox/` and survive restarts. */
  dataDir: string;
  /** Default '127.0.0.1'. */
  host?: string;
  /** Default 0 (a random free port). */
  port?: number;
  /** Time from accepting a refund to its final state and notification. Default 3000. */
  settleDelayMs?: number;
  /** Multiplies WeChat's notification retry schedule (15s, 15s, 30s, 3m…). Default 1; tests pass e.g. 0.001. */
  notifyRetryScale?: number;
  /** Life of a stable access token (POST /cgi-bin/stable_token), in seconds. Default 7200, as WeChat's. */
  tokenTtlS?: number;
  /**
   * How long each WeChat API answer waits, drawn per answer from this inclusive range (ms). Default 100–300, as
   * WeChat's, so a sandbox started without it behaves like WeChat; tests pass `{ min: 0, max: 0 }`. The control API
   * changes it at run time (`latencyMs` in PUT /sandbox/faults).
   */
  latencyMs?: LatencyRange;
  logger?: SandboxLogger;
}

export interface SandboxMerchant {
  appid: string;
  appSecret: string;
  mchId: string;
  apiKey: string;
  p12Path: string;
  p12Passphrase: string;
  certPemPath: string;
  keyPemPath: string;
  /** APIv3 key: 32 ASCII characters, the AES-256-GCM key of notification resources and /v3/certificates. */
  apiV3Key: string;
  /** WeChat Pay public key id (`PUB_KEY_ID_` + 32 digits): the `Wechatpay-Serial` of public-key mode. */
  publicKeyId: string;
  /** WeChat Pay's public key (`pub_key.pem`) for public-key mode; its private half stays in the sandbox. */
  publicKeyPemPath: string;
  /** Serial of the merchant API certificate (`apiclient_cert.pem`) in uppercase hex: the Authorization `serial_no`. */
  certSerialNo: string;
}

export interface Sandbox {
  /** https://127.0.0.1:PORT — stands in for both api.mch.weixin.qq.com and api.weixin.qq.com. */
  baseUrl: string;
  caPem: string;
  caPath: string;
  merchant: SandboxMerchant;
  close(): Promise<void>;
}

export const silentLogger: SandboxLogger = { info() {}, warn() {} };
