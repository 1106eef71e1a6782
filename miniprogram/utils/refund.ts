// Refund rules the pages share: the reasons a buyer can pick, the progress bar, the buttons for `actions`,
// and the timeline as sentences.
import type { RefundEvent, RefundStatus, RefundType } from '../api/types';
import { formatTime } from './format';
import { REFUND_STATUSES, TRANSITIONS } from './lifecycle.generated';
import { lookup, REFUND_STATUS, refundStatusLabel } from './status';

/** The reason that opens a field for the buyer's own words. */
export const OTHER_REASON = '其他';

/** The server caps `reason` at 200 characters; the picked (or written) reason and the note share them. */
export const REASON_MAX = 200;
/** A reason the buyer writes is as short as the merchant's own (at most 50). */
export const OWN_REASON_MAX = 50;
/** The longest note: room for it after the longest reason (the merchant's are at most 50 too) and the '：'. */
export const REFUND_NOTE_MAX = REASON_MAX - OWN_REASON_MAX - 1;

/** The merchant's list as the picker shows it: blanks and repeats dropped, 其他 always there, last. */
export function reasonChoices(merchantReasons: readonly string[] | undefined): string[] {
  const seen = new Set<string>();
  for (const r of merchantReasons ?? []) {
    const reason = r.trim();
    if (reason && reason !== OTHER_REASON) seen.add(reason);
  }
  return [...seen, OTHER_REASON];
}

/** The text sent as `reason`: the reason, plus the buyer's note when there is one, within REASON_MAX. */
export function composeReason(reason: string, note: string): string {
  // The field's maxlength already stops typing; the cut guards a pasted value or a reason longer than promised.
  const room = Math.max(0, Math.min(REFUND_NOTE_MAX, REASON_MAX - reason.length - 1));
  const trimmed = note.trim().slice(0, room);
  return trimmed ? `${reason}：${trimmed}` : reason;
}

/**
 * Statuses in which the money is on its way: every move out of them is the server's or WeChat's, none a person's,
 * so a page showing one looks again by itself. Read from the server's table, not listed here.
 */
export const MOVING_STATUSES: readonly RefundStatus[] = REFUND_STATUSES.filter((status) => {
  const moves = TRANSITIONS.filter((t) => t.from === status);
  return moves.length > 0 && moves.every((t) => t.by === 'system' || t.by === 'wechat');
});

/** `status` is a string from the network: one this build does not know is not moving. */
export function isMoving(status: string): boolean {
  return (MOVING_STATUSES as readonly string[]).indexOf(status) >= 0;
}

export type StepState = 'done' | 'current' | 'todo' | 'error';

export interface ProgressStep {
  key: string;
  text: string;
  state: StepState;
}

// The happy paths; the other endings replace the rest of the bar.
const REFUND_PATH: RefundStatus[] = ['REQUESTED', 'APPROVED', 'REFUNDING', 'REFUNDED'];
const RETURN_PATH: RefundStatus[] = ['REQUESTED', 'AWAITING_RETURN', 'RETURN_SHIPPED', 'APPROVED', 'REFUNDING', 'REFUNDED'];

function step(status: RefundStatus, state: StepState): ProgressStep {
  return { key: status, text: REFUND_STATUS[status].text, state };
}

/** `goodsSent`: the buyer sent the goods back, so a rejection came after the return (the merchant refused them). */
export function refundProgress(status: RefundStatus, type: RefundType = 'REFUND_ONLY', goodsSent = false): ProgressStep[] {
  const path = type === 'RETURN_AND_REFUND' ? RETURN_PATH : REFUND_PATH;
  const upTo = (last: RefundStatus) => path.slice(0, path.indexOf(last) + 1).map((s) => step(s, 'done'));
  switch (status) {
    case 'REJECTED':
      return [...upTo(type === 'RETURN_AND_REFUND' && goodsSent ? 'RETURN_SHIPPED' : 'REQUESTED'), step('REJECTED', 'error')];
    case 'CANCELLED':
      return [step('REQUESTED', 'done'), step('CANCELLED', 'error')];
    case 'FAILED':
      // It failed after WeChat was asked, so every step up to 退款中 did happen.
      return [...upTo('REFUNDING'), step('FAILED', 'error')];
    default: {
      const at = path.indexOf(status);
      // REFUNDED is the last step and a final one: it reads as done, not as "in progress".
      return path.map((s, i) => step(s, i < at || status === 'REFUNDED' ? 'done' : i === at ? 'current' : 'todo'));
    }
  }
}

export interface ActionButton {
  action: string;
  text: string;
  kind: 'default' | 'warn' | 'primary';
}

// Only the actions this build knows how to perform become buttons; anything else the server offers is ignored.
// `return` is not a button: it is the return form, shown when `actions` offers it.
const ACTION_BUTTONS: Record<string, ActionButton> = {
  cancel: { action: 'cancel', text: '取消申请', kind: 'warn' },
};

export function refundButtons(actions: readonly string[]): ActionButton[] {
  const buttons: ActionButton[] = [];
  for (const action of actions) {
    const button = lookup(ACTION_BUTTONS, action);
    if (button) buttons.push(button);
  }
  return buttons;
}

export interface TimelineEntry {
  key: string;
  text: string;
  byText: string;
  timeText: string;
}

const ACTOR_TEXT: Record<string, string> = { buyer: '你', merchant: '商家', system: '系统', wechat: '微信支付' };

// One sentence per move of the server's table; `approve` says what the merchant agreed to by where it led.
const EVENT_TEXT: Record<string, string | ((to: string) => string)> = {
  request: '提交申请',
  record_external: '商家在微信支付商户平台退款',
  approve: (to) => (to === 'AWAITING_RETURN' ? '商家同意退货，等待寄回商品' : '商家同意退款'),
  auto_approve: '系统自动同意退款',
  reject: '商家拒绝退款',
  cancel: '取消申请',
  return: '已寄回商品',
  return_timeout: '超时未寄回商品，系统自动关闭申请',
  receive: '商家确认收货',
  refuse: '商家验收退货未通过，拒绝退款',
  auto_receive: '系统自动确认收货',
  dispatch: '系统向微信支付发起退款',
  succeed: '微信支付退款成功，钱款已原路退回',
  fail: '微信支付退款失败',
  retry: '商家重新发起退款',
  // the buyer's card could not take the money (ABNORMAL): it goes to the merchant, who pays the buyer another way
  settle_abnormal: '原路退款失败，钱款改退至商家银行卡，商家将另行退款给您',
};

/** After settle_abnormal the money reached the merchant, not the buyer's original account: say so. */
const SUCCEED_VIA_MERCHANT = '微信支付已将钱款退至商家银行卡，请留意商家另行退款';

/** A move this build does not know still reads as where it led. */
function eventText(e: RefundEvent): string {
  const text = lookup(EVENT_TEXT, e.action);
  if (typeof text === 'function') return text(e.to);
  return text ?? `状态变为「${refundStatusLabel(e.to).text}」`;
}

/** The timeline, newest first (as a chat or a parcel's tracking reads): time in China, a sentence, who. */
export function refundTimeline(events: readonly RefundEvent[]): TimelineEntry[] {
  const viaMerchant = events.some((e) => e.action === 'settle_abnormal');
  return events
    .map((e, i) => ({
      key: `${i}`,
      text: viaMerchant && e.action === 'succeed' ? SUCCEED_VIA_MERCHANT : eventText(e),
      byText: lookup(ACTOR_TEXT, e.by) ?? '系统',
      timeText: formatTime(e.at),
    }))
    .reverse();
}
