// Test helpers for the WeChat Pay sandbox: signed XML calls over real HTTPS (mTLS for /secapi), signed APIv3 calls,
// JSON control calls, a notify receiver.
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Sandbox } from '../../server/sandbox/start.ts';
import { decryptReqInfo } from '../../server/wechatpay/crypto.ts';
import { nonceStr, sign, type SignType } from '../../server/wechatpay/sign.ts';
import { parseXml, toXml } from '../../server/wechatpay/xml.ts';
import { merchantSigner, requestHeaders, type MerchantSigner } from '../../server/wechatpay-v3/sign.ts';

export interface RawResponse {
  status: number;
  body: string;
}

export interface TlsIdentity {
  cert: string;
  key: string;
}

export function merchantIdentity(sandbox: Sandbox): TlsIdentity {
  return { cert: fs.readFileSync(sandbox.merchant.certPemPath, 'utf8'), key: fs.readFileSync(sandbox.merchant.keyPemPath, 'utf8') };
}

/** One HTTPS request that trusts only the sandbox CA; `identity` adds a client certificate. */
export function request(
  sandbox: Sandbox,
  method: string,
  path: string,
  body?: string,
  opts: { identity?: TlsIdentity; contentType?: string; agent?: https.Agent } = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      new URL(path, sandbox.baseUrl),
      {
        method,
        ca: sandbox.caPem,
        cert: opts.identity?.cert,
        key: opts.identity?.key,
        agent: opts.agent ?? false,
        headers: body === undefined ? {} : { 'content-type': opts.contentType ?? 'text/xml' },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** Signs params as a merchant would (appid, mch_id, nonce_str filled in unless given) and POSTs them. */
export async function wxCall(
  sandbox: Sandbox,
  path: string,
  params: Record<string, string | number | undefined>,
  opts: { signType?: SignType; cert?: boolean; identity?: TlsIdentity; apiKey?: string; agent?: https.Agent } = {},
): Promise<Record<string, string>> {
  const res = await wxCallRaw(sandbox, path, params, opts);
  if (res.status !== 200) throw new Error(`HTTP ${res.status}: ${res.body}`);
  return parseXml(res.body);
}

export function signedXml(
  sandbox: Sandbox,
  params: Record<string, string | number | undefined>,
  opts: { signType?: SignType; apiKey?: string } = {},
): string {
  const m = sandbox.merchant;
  const full: Record<string, string | number | undefined> = { appid: m.appid, mch_id: m.mchId, nonce_str: nonceStr(), ...params };
  if (opts.signType === 'HMAC-SHA256') full.sign_type = 'HMAC-SHA256';
  full.sign = sign(full, opts.apiKey ?? m.apiKey, opts.signType ?? 'MD5');
  return toXml(full);
}

export function wxCallRaw(
  sandbox: Sandbox,
  path: string,
  params: Record<string, string | number | undefined>,
  opts: { signType?: SignType; cert?: boolean; identity?: TlsIdentity; apiKey?: string; agent?: https.Agent } = {},
): Promise<RawResponse> {
  const identity = opts.identity ?? (opts.cert ? merchantIdentity(sandbox) : undefined);
  return request(sandbox, 'POST', path, signedXml(sandbox, params, opts), { identity, agent: opts.agent });
}

export async function control(sandbox: Sandbox, method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const res = await request(sandbox, method, path, body === undefined ? undefined : JSON.stringify(body), { contentType: 'application/json' });
  return { status: res.status, json: JSON.parse(res.body) };
}

export interface Received {
  path: string;
  body: string;
  at: number;
  /** As received (lowercase names): v3 notifications carry their Wechatpay-* signature here. */
  headers: http.IncomingHttpHeaders;
}

export interface Receiver {
  baseUrl: string;
  received: Received[];
  /** Decides the reply per request; default SUCCESS. */
  reply: (r: Received) => string;
  /** Decides the HTTP status per request (what APIv3 judges a reply by); default 200. */
  status: (r: Received) => number;
  close(): Promise<void>;
}

export const SUCCESS_REPLY = '<xml><return_code><![CDATA[SUCCESS]]></return_code><return_msg><![CDATA[OK]]></return_msg></xml>';
export const FAIL_REPLY = '<xml><return_code><![CDATA[FAIL]]></return_code><return_msg><![CDATA[not now]]></return_msg></xml>';

/** A merchant's notify endpoint on plain HTTP loopback that records every notification it gets. */
export async function startReceiver(port = 0): Promise<Receiver> {
  const receiver: Receiver = {
    baseUrl: '',
    received: [],
    reply: () => SUCCESS_REPLY,
    status: () => 200,
    close: async () => undefined,
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r = { path: req.url ?? '/', body: Buffer.concat(chunks).toString('utf8'), at: Date.now(), headers: req.headers };
      receiver.received.push(r);
      const status = receiver.status(r);
      res.writeHead(status, status === 204 ? {} : { 'content-type': 'text/xml' });
      res.end(status === 204 ? undefined : receiver.reply(r));
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  receiver.baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  receiver.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return receiver;
}

export async function waitFor<T>(fn: () => T | undefined | false, timeoutMs = 5000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

let counter = 0;
/** Unique order / refund numbers per test run (≥ 6 characters, [0-9A-Za-z_]). */
export function uniqueNo(prefix: string): string {
  counter += 1;
  return `${prefix}${Date.now().toString(36)}${counter.toString().padStart(4, '0')}`;
}

/** A paid JSAPI trade whose pay notification went to `receiver`; returns its numbers. */
export async function paidTrade(
  sandbox: Sandbox,
  receiver: Receiver,
  totalFee: number,
): Promise<{ outTradeNo: string; transactionId: string; openid: string }> {
  const outTradeNo = uniqueNo('T');
  const openid = 'oSandboxBuyer000000000000001';
  const order = await wxCall(sandbox, '/pay/unifiedorder', {
    body: 'sandbox-test',
    out_trade_no: outTradeNo,
    total_fee: totalFee,
    spbill_create_ip: '127.0.0.1',
    notify_url: `${receiver.baseUrl}/notify/pay`,
    trade_type: 'JSAPI',
    openid,
  });
  if (order.result_code !== 'SUCCESS') throw new Error(`unifiedorder failed: ${JSON.stringify(order)}`);
  const paid = await control(sandbox, 'POST', '/sandbox/pay', { out_trade_no: outTradeNo });
  if (paid.status !== 200) throw new Error(`pay failed: ${JSON.stringify(paid.json)}`);
  return { outTradeNo, transactionId: paid.json.transaction_id, openid };
}

/** The decrypted refund notification: outer fields plus the req_info fields, or undefined if it is not one. */
export function decodeRefundNotification(sandbox: Sandbox, body: string): Record<string, string> | undefined {
  try {
    const outer = parseXml(body);
    return { ...outer, ...parseXml(decryptReqInfo(outer.req_info, sandbox.merchant.apiKey), { root: 'root' }) };
  } catch {
    return undefined;
  }
}

export function rawRefundNotification(sandbox: Sandbox, receiver: Receiver, outRefundNo: string): Received | undefined {
  return receiver.received.find((r) => decodeRefundNotification(sandbox, r.body)?.out_refund_no === outRefundNo);
}

/** Every refund notification received for this out_refund_no, decoded, in arrival order. */
export function refundNotifications(sandbox: Sandbox, receiver: Receiver, outRefundNo: string): Record<string, string>[] {
  return receiver.received
    .map((r) => decodeRefundNotification(sandbox, r.body))
    .filter((n): n is Record<string, string> => n?.out_refund_no === outRefundNo);
}

/**
 * A fresh temp data dir holding a copy of another one's sandbox materials (CA, certificates, credentials) but
 * none of its state: a second sandbox that starts without generating RSA keys again.
 */
export function cloneDataDir(fromDataDir: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sandbox-clone-'));
  fs.cpSync(path.join(fromDataDir, 'sandbox'), path.join(dir, 'sandbox'), {
    recursive: true,
    filter: (src) => !path.basename(src).startsWith('sandbox.db'),
  });
  return dir;
}

// --- the platform side (api.weixin.qq.com): JSON calls, faults, and what the sandbox holds ---

/** A JSON POST to one of the sandbox's platform APIs, the token (when given) in the query as WeChat wants it. */
export async function platformCall(sandbox: Sandbox, path: string, body: unknown, accessToken?: string): Promise<{ status: number; json: any }> {
  const url = accessToken === undefined ? path : `${path}?access_token=${encodeURIComponent(accessToken)}`;
  const res = await request(sandbox, 'POST', url, typeof body === 'string' ? body : JSON.stringify(body), { contentType: 'application/json' });
  return { status: res.status, json: JSON.parse(res.body) };
}

/** POST /cgi-bin/stable_token with the sandbox app's credentials (normal mode unless forced). */
export async function stableToken(sandbox: Sandbox, forceRefresh?: boolean): Promise<{ access_token?: string; expires_in?: number; errcode?: number }> {
  const m = sandbox.merchant;
  const body = { grant_type: 'client_credential', appid: m.appid, secret: m.appSecret, ...(forceRefresh === undefined ? {} : { force_refresh: forceRefresh }) };
  return (await platformCall(sandbox, '/cgi-bin/stable_token', body)).json;
}

/** POST /sandbox/platform/faults: failNext / errcode / mode / api, unsubscribed, expireTokens. */
export async function platformFaults(sandbox: Sandbox, patch: unknown): Promise<any> {
  const r = await control(sandbox, 'POST', '/sandbox/platform/faults', patch);
  if (r.status !== 200) throw new Error(`platform faults: ${r.status} ${JSON.stringify(r.json)}`);
  return r.json;
}

/** The sandbox's shipping record of one transaction (accepted, reships, orderState, lastBody, uploads), if any upload named it. */
export async function shippingUploadsOf(sandbox: Sandbox, transactionId: string): Promise<any | undefined> {
  const r = await control(sandbox, 'GET', `/sandbox/shipping-uploads?transactionId=${encodeURIComponent(transactionId)}`);
  return r.json.items[0];
}

export async function subscribeMessages(sandbox: Sandbox): Promise<any[]> {
  return (await control(sandbox, 'GET', '/sandbox/subscribe-messages')).json.items;
}

/** Tokens issued, live, and stable_token requests answered. */
export async function tokenStats(sandbox: Sandbox): Promise<{ issued: number; live: number; requests: number }> {
  return (await control(sandbox, 'GET', '/sandbox/tokens')).json;
}

/** Every platform call as the sandbox answered it: {api, errcode, fault}, oldest first. */
export async function platformCalls(sandbox: Sandbox): Promise<Array<{ at: number; api: string; errcode: number | null; fault: string | null }>> {
  return (await control(sandbox, 'GET', '/sandbox/platform-calls')).json.items;
}

// --- APIv3 (JSON, WECHATPAY2-SHA256-RSA2048) ---

/** Signs as the sandbox's merchant: apiclient_key.pem with the merchant certificate's serial. */
export function sandboxSigner(sandbox: Sandbox): MerchantSigner {
  return merchantSigner(sandbox.merchant.mchId, sandbox.merchant.certSerialNo, fs.readFileSync(sandbox.merchant.keyPemPath));
}

export interface V3Response {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** The raw body, as the Wechatpay-Signature covers it. */
  body: string;
  /** The body parsed, or undefined when empty or not JSON. */
  json: any;
}

export interface V3CallOptions {
  /** Send `Wechatpay-Serial: <publicKeyId>`: answers come signed with WeChat Pay's public key. */
  publicKeyMode?: boolean;
  /** Another `Wechatpay-Serial` to send. */
  wechatpaySerial?: string;
  signer?: MerchantSigner;
  now?: Date;
  /** Replaces the Authorization header (null: none at all). */
  authorization?: string | null;
  /** Sent instead of the signed body (a body tampered with after signing). */
  sendBody?: string;
  agent?: https.Agent;
}

/** One signed APIv3 request over HTTPS trusting only the sandbox CA, no client certificate. */
export function v3Call(sandbox: Sandbox, method: string, urlPath: string, body?: unknown, opts: V3CallOptions = {}): Promise<V3Response> {
  const text = body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body);
  const serial = opts.wechatpaySerial ?? (opts.publicKeyMode ? sandbox.merchant.publicKeyId : undefined);
  const { headers } = requestHeaders(opts.signer ?? sandboxSigner(sandbox), { method, url: urlPath, body: text }, { now: opts.now, wechatpaySerial: serial });
  if (opts.authorization === null) delete headers.authorization;
  else if (opts.authorization !== undefined) headers.authorization = opts.authorization;
  const payload = opts.sendBody ?? text;
  return new Promise((resolve, reject) => {
    const req = https.request(
      new URL(urlPath, sandbox.baseUrl),
      { method, ca: sandbox.caPem, agent: opts.agent ?? false, headers: { ...headers, 'content-length': Buffer.byteLength(payload) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const raw = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try {
            json = raw === '' ? undefined : JSON.parse(raw);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: raw, json });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** A paid APIv3 JSAPI trade whose TRANSACTION.SUCCESS notification went to `receiver`. */
export async function v3PaidTrade(
  sandbox: Sandbox,
  receiver: Receiver,
  total: number,
  opts: { publicKeyMode?: boolean } = {},
): Promise<{ outTradeNo: string; transactionId: string; openid: string }> {
  const outTradeNo = uniqueNo('T');
  const openid = 'oSandboxBuyer000000000000003';
  const m = sandbox.merchant;
  const order = await v3Call(
    sandbox,
    'POST',
    '/v3/pay/transactions/jsapi',
    {
      appid: m.appid,
      mchid: m.mchId,
      description: 'sandbox-v3-test',
      out_trade_no: outTradeNo,
      notify_url: `${receiver.baseUrl}/v3/notify/pay`,
      amount: { total, currency: 'CNY' },
      payer: { openid },
    },
    opts,
  );
  if (order.status !== 200) throw new Error(`v3 jsapi failed: ${order.status} ${order.body}`);
  const paid = await control(sandbox, 'POST', '/sandbox/pay', { out_trade_no: outTradeNo });
  if (paid.status !== 200) throw new Error(`pay failed: ${JSON.stringify(paid.json)}`);
  return { outTradeNo, transactionId: paid.json.transaction_id, openid };
}
