// Forging WeChat Pay APIv3 notifications for black-box tests: a JSON envelope whose resource is encrypted
// with an APIv3 key, signed with WeChat Pay's key (the sandbox's own, read from its folder) or a wrong one.
import { createPrivateKey, randomUUID, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { encryptResource } from '../../server/wechatpay-v3/aes-gcm.ts';
import { wechatpaySignatureHeaders } from '../../server/wechatpay-v3/verify.ts';
import type { TestServer } from './server.ts';

export interface V3Merchant {
  appid: string;
  mchId: string;
  apiV3Key: string;
  publicKeyId: string;
  /** The private half of the sandbox's WeChat Pay public key: what signs in public-key mode. */
  wechatpayKey: KeyObject;
}

/** The sandbox merchant and WeChat Pay's signing key in public-key mode (server/sandbox/materials.ts's files). */
export function sandboxV3(server: TestServer): V3Merchant {
  const dir = path.join(server.dataDir, 'sandbox');
  const creds = JSON.parse(readFileSync(path.join(dir, 'credentials.json'), 'utf8')) as { appid: string; mchId: string; apiV3Key: string; publicKeyId: string };
  return { ...creds, wechatpayKey: createPrivateKey(readFileSync(path.join(dir, 'pub_key_private.pem'))) };
}

export function refundResource(m: V3Merchant, p: { outRefundNo: string; outTradeNo: string; total: number; refund: number; status?: 'SUCCESS' | 'ABNORMAL' | 'CLOSED' }) {
  return {
    mchid: m.mchId,
    transaction_id: `4200${Date.now()}`,
    out_trade_no: p.outTradeNo,
    refund_id: `50300${Date.now()}`,
    out_refund_no: p.outRefundNo,
    refund_status: p.status ?? 'SUCCESS',
    success_time: '2026-12-02T10:00:00+08:00',
    user_received_account: '支付用户零钱',
    amount: { total: p.total, refund: p.refund, payer_total: p.total, payer_refund: p.refund },
  };
}

export function payResource(m: V3Merchant, p: { outTradeNo: string; total: number; openid: string }) {
  return {
    appid: m.appid,
    mchid: m.mchId,
    out_trade_no: p.outTradeNo,
    transaction_id: `4200${Date.now()}${Math.floor(Math.random() * 1e6)}`,
    trade_type: 'JSAPI',
    trade_state: 'SUCCESS',
    trade_state_desc: '支付成功',
    bank_type: 'OTHERS',
    success_time: '2026-12-02T10:00:00+08:00',
    payer: { openid: p.openid },
    amount: { total: p.total, payer_total: p.total, currency: 'CNY', payer_currency: 'CNY' },
  };
}

export interface ForgeOptions {
  /** Encrypt the resource with this key instead of the merchant's APIv3 key. */
  apiV3Key?: string;
  /** Sign with this key (and serial) instead of WeChat Pay's public-key pair. */
  signWith?: { key: KeyObject; serial: string };
  /** The signature's time (default now). */
  now?: Date;
  /** Changes the body after signing. */
  tamper?: (body: string) => string;
}

/** A v3 notification of `kind` carrying `resource`: headers and the exact body bytes. */
export function v3Notification(m: V3Merchant, kind: 'pay' | 'refund', resource: object, o: ForgeOptions = {}): { headers: Record<string, string>; body: string } {
  const refund = kind === 'refund';
  const status = refund ? (resource as { refund_status: string }).refund_status : 'SUCCESS';
  const envelope = {
    id: randomUUID(),
    create_time: '2026-12-02T10:00:00+08:00',
    event_type: refund ? `REFUND.${status}` : 'TRANSACTION.SUCCESS',
    resource_type: 'encrypt-resource',
    summary: refund ? '退款成功' : '支付成功',
    resource: encryptResource(JSON.stringify(resource), o.apiV3Key ?? m.apiV3Key, { associatedData: refund ? 'refund' : 'transaction', originalType: refund ? 'refund' : 'transaction' }),
  };
  const body = JSON.stringify(envelope);
  const signer = o.signWith ?? { key: m.wechatpayKey, serial: m.publicKeyId };
  const headers = wechatpaySignatureHeaders(signer.key, signer.serial, body, { now: o.now });
  return { headers: { ...headers, 'content-type': 'application/json' }, body: o.tamper ? o.tamper(body) : body };
}

/** POSTs a v3 notification; WeChat looks only at the status (204/200 handled, 4xx/5xx FAIL). */
export async function postV3Notify(baseUrl: string, kind: 'pay' | 'refund', n: { headers: Record<string, string>; body: string }) {
  const res = await fetch(`${baseUrl}/api/wxpay/v3/notify/${kind}`, { method: 'POST', headers: n.headers, body: n.body });
  const text = await res.text();
  return { status: res.status, json: text ? (JSON.parse(text) as { code?: string; message?: string }) : null };
}
