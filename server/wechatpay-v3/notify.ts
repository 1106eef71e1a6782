// APIv3 notifications WeChat POSTs to us: signature over the raw bytes first, then the JSON envelope, then the AES-GCM resource; and validators for the refund and pay resources.
import { z } from 'zod';
import { AEAD_ALGORITHM, AesGcmError, decryptResourceJson } from './aes-gcm.ts';
import type { V3Notification, V3PayNotifyResource, V3RefundNotifyResource } from './types.ts';
import { verifySignedLearning, type HeaderBag, type WechatpayKeys } from './verify.ts';

/**
 * Why a notification was refused. The signature failures are verify.ts's reasons; BAD_JSON and BAD_ENVELOPE
 * concern the verified body; DECRYPT_FAILED is a resource that does not open with our APIv3 key.
 */
export type V3NotifyFailure =
  | 'MISSING_HEADER'
  | 'BAD_TIMESTAMP'
  | 'STALE_TIMESTAMP'
  | 'UNKNOWN_SERIAL'
  | 'BAD_SIGNATURE'
  | 'BAD_JSON'
  | 'BAD_ENVELOPE'
  | 'DECRYPT_FAILED';

/** `reason` starts with the code, for logs and the reply; `code` is for branching. */
export type V3NotifyRead =
  | { ok: true; notification: V3Notification; resource: unknown }
  | { ok: false; code: V3NotifyFailure; reason: string };

const envelope = z.object({
  id: z.string().min(1),
  create_time: z.string().min(1),
  event_type: z.string().min(1),
  resource_type: z.literal('encrypt-resource'),
  summary: z.string(),
  resource: z.object({
    algorithm: z.literal(AEAD_ALGORITHM),
    ciphertext: z.string().min(1),
    nonce: z.string().min(1),
    associated_data: z.string().optional(),
    original_type: z.string().min(1),
  }),
});

function issues(err: z.ZodError): string {
  return err.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
}

/**
 * Reads one notification, in this order: the Wechatpay-* signature over the body's raw bytes (timestamp
 * within 5 minutes, an unknown serial learned once), then JSON, then the envelope's shape, then the
 * AES-GCM decryption of `resource` with the APIv3 key, to JSON. Verification comes first because
 * re-serialised JSON would not verify, and nothing unauthenticated is parsed further than needed
 * (docs/wechat-pay.md § APIv3). The caller validates the resource (refundNotifyResource, payNotifyResource)
 * and matches it with its own records.
 */
export async function readV3Notification(
  keys: WechatpayKeys,
  apiV3Key: string,
  msg: { headers: HeaderBag; body: Buffer },
  opts: { now?: Date } = {},
): Promise<V3NotifyRead> {
  const fail = (code: V3NotifyFailure, message: string): V3NotifyRead => ({ ok: false, code, reason: `${code}: ${message}` });
  const check = await verifySignedLearning(keys, { headers: msg.headers, body: msg.body }, { now: opts.now ?? new Date() });
  if (!check.ok) return fail(check.reason, check.message);

  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(msg.body));
  } catch {
    return fail('BAD_JSON', 'the body is not UTF-8 JSON');
  }
  const parsed = envelope.safeParse(json);
  if (!parsed.success) return fail('BAD_ENVELOPE', issues(parsed.error));
  const notification = parsed.data as V3Notification;

  let resource: unknown;
  try {
    resource = decryptResourceJson(notification.resource, apiV3Key);
  } catch (err) {
    return fail('DECRYPT_FAILED', err instanceof AesGcmError ? err.message : 'the resource does not decrypt');
  }
  return { ok: true, notification, resource };
}

// Whole fen as JSON integers (zod's int() is a safe integer); a string "300" or 3.5 is refused.
const fen = z.number().int().positive();
const fenOrZero = z.number().int().nonnegative();
const id = z.string().min(1).max(64);
/** Merchant numbers in WeChat's alphabet: a number that is not ours in shape cannot match a record. */
const merchantNo = z.string().regex(/^[0-9A-Za-z_\-|*@]{1,64}$/, 'not a merchant number');

const refundResource = z
  .object({
    mchid: id,
    transaction_id: id,
    out_trade_no: merchantNo,
    refund_id: id,
    out_refund_no: merchantNo,
    // Only final states are notified; PROCESSING here would be a malformed notification.
    refund_status: z.enum(['SUCCESS', 'CLOSED', 'ABNORMAL']),
    success_time: z.string().min(1).optional(),
    user_received_account: z.string(),
    amount: z.object({ total: fen, refund: fen, payer_total: fenOrZero, payer_refund: fenOrZero }),
  })
  .refine((r) => r.amount.refund <= r.amount.total, { message: 'amount.refund exceeds amount.total', path: ['amount', 'refund'] });

const payResource = z.object({
  appid: id,
  mchid: id,
  out_trade_no: merchantNo,
  transaction_id: id,
  trade_type: z.enum(['JSAPI', 'NATIVE', 'APP', 'MICROPAY', 'MWEB', 'FACEPAY']),
  trade_state: z.enum(['SUCCESS', 'REFUND', 'NOTPAY', 'CLOSED', 'REVOKED', 'USERPAYING', 'PAYERROR']),
  trade_state_desc: z.string(),
  bank_type: z.string(),
  attach: z.string().optional(),
  success_time: z.string().min(1),
  payer: z.object({ openid: z.string().min(1) }),
  amount: z.object({ total: fen, payer_total: fenOrZero, currency: z.literal('CNY'), payer_currency: z.literal('CNY') }),
});

/** The decrypted resource of a refund notification (`original_type` "refund"), validated. Unknown fields are dropped. */
export function refundNotifyResource(x: unknown): { ok: true; value: V3RefundNotifyResource } | { ok: false; reason: string } {
  const parsed = refundResource.safeParse(x);
  return parsed.success ? { ok: true, value: parsed.data } : { ok: false, reason: `refund resource: ${issues(parsed.error)}` };
}

/** The decrypted resource of a pay notification (`original_type` "transaction"), validated. Unknown fields are dropped. */
export function payNotifyResource(x: unknown): { ok: true; value: V3PayNotifyResource } | { ok: false; reason: string } {
  const parsed = payResource.safeParse(x);
  return parsed.success ? { ok: true, value: parsed.data } : { ok: false, reason: `pay resource: ${issues(parsed.error)}` };
}
