// The subscribe/send body: each template value fitted to WeChat's rule for its kind (thing ≤ 20, phrase ≤ 5, …).
import { fenToYuan } from '../../lib/money.ts';

export const SUBSCRIBE_SEND_ENDPOINT = '/cgi-bin/message/subscribe/send';

/**
 * A template key's kind is its name without the number (`thing1` → thing). WeChat's limits, in characters:
 * - cut here when too long (prose, where a shorter text still says the same): thing 20 (any characters),
 *   name 10 Chinese characters or 20 letters, phrase 5 Chinese characters;
 * - never cut (a cut number, amount or date would say something else; too long throws): number 32 digits,
 *   letter 32 letters, symbol 5, character_string 32 digits / letters / symbols, phone_number 17,
 *   car_number 8, amount a currency sign + up to 10 digits (subscribeAmount), time and date in WeChat's
 *   forms such as 2019年10月1日 15:01 (subscribeTime).
 */
export const VALUE_KINDS = {
  thing: { max: 20, cut: true },
  name: { max: 20, cut: true }, // 10 when it holds a Chinese character: see fitSubscribeValue
  phrase: { max: 5, cut: true },
  number: { max: 32, cut: false },
  letter: { max: 32, cut: false },
  symbol: { max: 5, cut: false },
  character_string: { max: 32, cut: false },
  phone_number: { max: 17, cut: false },
  car_number: { max: 8, cut: false },
  amount: { max: 13, cut: false }, // ¥ + at most 10 digits (counted below) + a decimal point + an optional 元
  time: { max: 40, cut: false },
  date: { max: 40, cut: false },
} as const;
export type SubscribeValueKind = keyof typeof VALUE_KINDS;

export function valueKind(key: string): SubscribeValueKind | undefined {
  const m = /^([a-z_]+?)\d+$/.exec(key);
  return m && Object.hasOwn(VALUE_KINDS, m[1]) ? (m[1] as SubscribeValueKind) : undefined;
}

const CJK = /\p{Script=Han}/u;

/** The value as WeChat takes it for this key; throws TypeError for an unknown kind or an over-long exact value. */
export function fitSubscribeValue(key: string, value: string): string {
  const kind = valueKind(key);
  if (!kind) throw new TypeError(`template key ${JSON.stringify(key)} has no kind WeChat knows (thing1, amount2, …)`);
  const clean = String(value).replace(/[\u0000-\u001f\u007f\s]+/g, ' ').trim();
  const chars = [...clean]; // code points: a character is never cut in half
  const max = kind === 'name' && CJK.test(clean) ? 10 : VALUE_KINDS[kind].max;
  if (kind === 'amount' && (clean.match(/\d/g)?.length ?? 0) > 10) throw new TypeError(`${key}: an amount has at most 10 digits`);
  if (chars.length <= max) return clean;
  if (!VALUE_KINDS[kind].cut) throw new TypeError(`${key}: a ${kind} value has at most ${max} characters`);
  // A cut thing says so with '…' (a thing may hold symbols); names and phrases may not, so they are cut bare.
  return kind === 'thing' ? `${chars.slice(0, max - 1).join('')}…` : chars.slice(0, max).join('');
}

/** An amount value from fen, by lib/money.ts's digit placement: 1234 → ¥12.34. */
export function subscribeAmount(fen: number): string {
  if (!Number.isSafeInteger(fen) || fen < 0) throw new TypeError('fen must be a non-negative integer');
  return `¥${fenToYuan(fen)}`;
}

/** A time value in Beijing time, WeChat's own example form: 2026年12月1日 20:05. */
export function subscribeTime(at: Date): string {
  const t = new Date(at.getTime() + 8 * 3600_000);
  if (Number.isNaN(t.getTime())) throw new TypeError('not a valid date');
  const hh = String(t.getUTCHours()).padStart(2, '0');
  const mm = String(t.getUTCMinutes()).padStart(2, '0');
  return `${t.getUTCFullYear()}年${t.getUTCMonth() + 1}月${t.getUTCDate()}日 ${hh}:${mm}`;
}

export type SubscribeMessage = {
  touser: string;
  templateId: string;
  /** The mini-program page the message opens, e.g. `pages/order/detail?no=M…`. */
  page?: string;
  /** Template key → value; each value is fitted by fitSubscribeValue. */
  data: Record<string, string>;
  miniprogramState?: 'developer' | 'trial' | 'formal';
  lang?: 'zh_CN' | 'en_US' | 'zh_HK' | 'zh_TW';
};

export type SubscribeSendBody = {
  touser: string;
  template_id: string;
  page?: string;
  data: Record<string, { value: string }>;
  miniprogram_state?: string;
  lang?: string;
};

export function subscribeMessageBody(m: SubscribeMessage): SubscribeSendBody {
  if (typeof m.touser !== 'string' || m.touser.trim() === '') throw new TypeError('touser is required');
  if (typeof m.templateId !== 'string' || m.templateId.trim() === '') throw new TypeError('templateId is required');
  const entries = Object.entries(m.data ?? {});
  if (entries.length === 0) throw new TypeError('data needs at least one template value');
  const body: SubscribeSendBody = {
    touser: m.touser.trim(),
    template_id: m.templateId.trim(),
    data: Object.fromEntries(entries.map(([k, v]) => [k, { value: fitSubscribeValue(k, v) }])),
  };
  if (m.page !== undefined && m.page !== '') body.page = m.page;
  if (m.miniprogramState !== undefined) body.miniprogram_state = m.miniprogramState;
  if (m.lang !== undefined) body.lang = m.lang;
  return body;
}
