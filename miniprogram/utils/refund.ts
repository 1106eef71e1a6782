// Refund rules the pages share: the reasons a buyer can pick, the progress bar, and the buttons for `actions`.
import type { RefundStatus } from '../api/types';
import { REFUND_STATUSES, TRANSITIONS } from './lifecycle.generated';
import { lookup, REFUND_STATUS } from './status';

export const REFUND_REASONS: readonly string[] = ['不想要了', '商品有质量问题', '商品与描述不符', '发货太慢', '其他'];

/**
 * The longest note the form accepts. Reason and note travel together in `reason`, which the server caps at
 * 200 characters: the longest reason (7) + '：' + 180 stays well inside it.
 */
export const REFUND_NOTE_MAX = 180;

/** The text sent as `reason`: the picked reason, plus the buyer's note when there is one. */
export function composeReason(reason: string, note: string): string {
  // The textarea's maxlength already stops typing; the cut guards a pasted or programmatic value.
  const trimmed = note.trim().slice(0, REFUND_NOTE_MAX);
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

// The happy path 已申请 → 已同意 → 退款中 → 已退款; the other endings replace the rest of the bar.
const HAPPY_PATH: RefundStatus[] = ['REQUESTED', 'APPROVED', 'REFUNDING', 'REFUNDED'];

function step(status: RefundStatus, state: StepState): ProgressStep {
  return { key: status, text: REFUND_STATUS[status].text, state };
}

export function refundProgress(status: RefundStatus): ProgressStep[] {
  switch (status) {
    case 'REJECTED':
      return [step('REQUESTED', 'done'), step('REJECTED', 'error')];
    case 'CANCELLED':
      return [step('REQUESTED', 'done'), step('CANCELLED', 'error')];
    case 'FAILED':
      // It failed after WeChat was asked, so the first three steps did happen.
      return [step('REQUESTED', 'done'), step('APPROVED', 'done'), step('REFUNDING', 'done'), step('FAILED', 'error')];
    default: {
      const at = HAPPY_PATH.indexOf(status);
      // REFUNDED is the last step and a final one: it reads as done, not as "in progress".
      return HAPPY_PATH.map((s, i) => step(s, i < at || status === 'REFUNDED' ? 'done' : i === at ? 'current' : 'todo'));
    }
  }
}

export interface ActionButton {
  action: string;
  text: string;
  kind: 'default' | 'warn' | 'primary';
}

// Only the actions this build knows how to perform become buttons; anything else the server offers is ignored.
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
