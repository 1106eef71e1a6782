// One authenticated APIv3 request as the handlers see it, and their ways to answer: signed JSON, signed errors,
// a JSON body checked by a schema (400 PARAM_ERROR naming the field otherwise), the merchant's mchid. A handler only
// chooses its answer; the router sends it after WeChat's latency (answer-delay.ts), so no handler has to wait itself.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { z } from 'zod';
import { waitBeforeAnswer } from './answer-delay.ts';
import type { Ctx } from './context.ts';
import type { KeyMode } from './store.ts';
import { sendV3 } from './v3-answer.ts';
import type { V3Error } from './v3-codes.ts';

export interface V3Call {
  ctx: Ctx;
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  raw: Buffer;
  /** The key mode answers (and the notifications of what this call creates) are signed in. */
  mode: KeyMode;
  /** The answer chosen (the first one); none when the handler dropped the connection instead. */
  reply?: { status: number; value?: unknown };
}

/** Chooses the answer: `value` as JSON with `status` (no value: an empty body, as for 204); sent by sendReply. */
export function answer(call: V3Call, status: number, value?: unknown): void {
  call.reply ??= { status, value };
}

/** Chooses an error answer, `{code, message}` with WeChat's status. */
export function fail(call: V3Call, error: V3Error): void {
  answer(call, error.status, { code: error.code, message: error.message });
}

/**
 * Sends the chosen answer, signed, once the latency has passed: the work is done by then, as at WeChat.
 * `refund`: refund creation, where a slowMs fault replaces the latency.
 */
export async function sendReply(call: V3Call, refund: boolean): Promise<void> {
  const reply = call.reply;
  if (!reply) return;
  await waitBeforeAnswer(call.ctx, { refund });
  sendV3(call.ctx, call.res, call.mode, reply.status, reply.value);
}

export const paramError = (message: string): V3Error => ({ status: 400, code: 'PARAM_ERROR', message });

/** The request's JSON body checked by `schema`; a V3Error (400 PARAM_ERROR) when it is not JSON or not that shape. */
export function jsonBody<T>(raw: Buffer, schema: z.ZodType<T>): { value: T } | { error: V3Error } {
  let json: unknown;
  try {
    json = JSON.parse(raw.toString('utf8'));
  } catch {
    return { error: paramError('请求体不是合法的JSON') };
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { error: paramError(`参数错误：${issue.path.join('.') || 'body'}，${issue.message}`) };
  }
  return { value: parsed.data };
}

/** The `mchid` a body or query names must be the merchant who signed the request. */
export function mchidProblem(ctx: Ctx, mchid: string | null | undefined): V3Error | null {
  if (!mchid) return paramError('缺少参数mchid');
  if (mchid !== ctx.merchant.mchId) return paramError('mchid与发起请求的商户号不一致');
  return null;
}
