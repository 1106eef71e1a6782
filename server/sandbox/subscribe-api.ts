// POST /cgi-bin/message/subscribe/send: a known openid, a template id, values within WeChat's rule per kind; 43101 for buyers who did not subscribe.
import type { Ctx } from './context.ts';
import { DATA_FORMAT_ERROR, isObject, nonEmptyString, wxError, wxOk, type Answer, type Json } from './platform-protocol.ts';

const TEMPLATE_ID = /^[A-Za-z0-9_-]{1,128}$/;
const HAN = /\p{Script=Han}/u;
const len = (v: string) => [...v].length;
const digits = (v: string) => v.match(/\d/g)?.length ?? 0;

/** WeChat's rule for each kind of template value (the key without its number: thing1 → thing). */
const RULES: Record<string, (v: string) => boolean> = {
  thing: (v) => len(v) <= 20,
  number: (v) => len(v) <= 32 && /^-?\d+(\.\d+)?$/.test(v),
  letter: (v) => len(v) <= 32 && /^[A-Za-z]+$/.test(v),
  symbol: (v) => len(v) <= 5 && !/[\p{L}\p{N}]/u.test(v),
  character_string: (v) => len(v) <= 32 && /^[\x21-\x7e]+$/.test(v),
  phone_number: (v) => len(v) <= 17 && /^[\d+\-() ]+$/.test(v),
  car_number: (v) => len(v) <= 8,
  amount: (v) => /^[^\d\s.]?\d+(\.\d+)?元?$/u.test(v) && digits(v) <= 10, // one currency sign, ≤ 10 digits, maybe 元
  time: (v) => len(v) <= 40 && /\d{1,2}:\d{2}/.test(v),
  date: (v) => len(v) <= 40 && /\d/.test(v),
  name: (v) => len(v) <= (HAN.test(v) ? 10 : 20),
  phrase: (v) => len(v) <= 5 && /^\p{Script=Han}+$/u.test(v),
};

function dataProblem(data: unknown): string | null {
  if (!isObject(data) || Object.keys(data).length === 0) return 'data';
  for (const [key, entry] of Object.entries(data)) {
    const rule = RULES[/^([a-z_]+?)\d+$/.exec(key)?.[1] ?? ''];
    const value = isObject(entry) ? entry.value : undefined;
    if (!rule || !nonEmptyString(value) || !rule(value)) return `data.${key}.value`;
  }
  return null;
}

export function subscribeSend(ctx: Ctx, raw: Buffer, body: Json | null): Answer {
  const at = Date.now();
  const touser = nonEmptyString(body?.touser) ? body.touser : null;
  const templateId = nonEmptyString(body?.template_id) ? body.template_id : null;
  const record = (errcode: number) =>
    ctx.platform.recordMessage({ at, touser, templateId, errcode, body: raw.toString('utf8') });
  const refuse = (errcode: number, errmsg: string): Answer => {
    record(errcode);
    return wxError(errcode, errmsg);
  };

  if (!body) return refuse(DATA_FORMAT_ERROR, 'data format error');
  if (!touser || !ctx.platform.knownOpenid(touser)) return refuse(40003, 'invalid openid');
  if (!templateId || !TEMPLATE_ID.test(templateId)) return refuse(40037, 'invalid template_id');
  if (body.page !== undefined && (typeof body.page !== 'string' || body.page.length > 1024)) return refuse(41030, 'invalid page');
  if (body.miniprogram_state !== undefined && !['developer', 'trial', 'formal'].includes(String(body.miniprogram_state))) {
    return refuse(DATA_FORMAT_ERROR, 'data format error: miniprogram_state');
  }
  const bad = dataProblem(body.data);
  if (bad) return refuse(47003, `argument invalid! ${bad} is invalid`);
  // Subscriptions are one-shot per tap in the mini-program; a test marks the buyers who have none left.
  if (ctx.faults.isUnsubscribed(touser)) return refuse(43101, 'user refuse to accept the msg');
  const msgid = record(0);
  return wxOk({ msgid });
}
