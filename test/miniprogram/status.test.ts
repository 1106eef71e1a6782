// utils/status + utils/refund: labels (statuses, shipping, order tabs) declared once, the progress bar per refund status, buttons from actions.
import { describe, it, expect } from 'vitest';
import { ORDER_STATUS, ORDER_TABS, REFUND_STATUS, SHIPPING_STATUS, orderStatusLabel, refundStatusLabel, shippingStatusLabel } from '../../miniprogram/utils/status';
import { composeReason, isMoving, refundButtons, refundProgress, REFUND_NOTE_MAX, REFUND_REASONS } from '../../miniprogram/utils/refund';
import { ORDER_STATUSES, REFUND_STATUSES } from '../../miniprogram/utils/lifecycle.generated';
import type { RefundStatus } from '../../miniprogram/api/types';

describe('status labels', () => {
  it('covers every order and refund status of the server table, and no other', () => {
    expect(Object.keys(ORDER_STATUS).sort()).toEqual([...ORDER_STATUSES].sort());
    expect(Object.keys(REFUND_STATUS).sort()).toEqual([...REFUND_STATUSES].sort());
  });

  it('names the refund steps as the buyer reads them', () => {
    expect(['REQUESTED', 'APPROVED', 'REFUNDING', 'REFUNDED', 'REJECTED', 'CANCELLED', 'FAILED'].map((s) => refundStatusLabel(s).text)).toEqual([
      '已申请',
      '已同意',
      '退款中',
      '已退款',
      '已拒绝',
      '已取消',
      '退款失败',
    ]);
  });

  it('still shows something for a status this build does not know', () => {
    expect(orderStatusLabel('SOMETHING_NEW').text).toBe('处理中');
    expect(refundStatusLabel('toString').text).toBe('处理中');
    expect(shippingStatusLabel('toString').text).toBe('处理中');
  });

  it('names the shipping states and the order tabs as every mall does', () => {
    expect(Object.entries(SHIPPING_STATUS).map(([s, l]) => `${s}:${l.text}`)).toEqual(['UNSHIPPED:待发货', 'SHIPPED:已发货', 'RECEIVED:已收货']);
    expect(ORDER_TABS.map((t) => `${t.key || 'ALL'}:${t.text}`)).toEqual([
      'ALL:全部',
      'UNPAID:待付款',
      'TO_SHIP:待发货',
      'TO_RECEIVE:待收货',
      'DONE:已完成',
      'AFTER_SALES:售后',
    ]);
  });
});

describe('refundProgress', () => {
  const view = (s: RefundStatus) => refundProgress(s).map((p) => `${p.text}:${p.state}`);

  it.each<[RefundStatus, string[]]>([
    ['REQUESTED', ['已申请:current', '已同意:todo', '退款中:todo', '已退款:todo']],
    ['APPROVED', ['已申请:done', '已同意:current', '退款中:todo', '已退款:todo']],
    ['REFUNDING', ['已申请:done', '已同意:done', '退款中:current', '已退款:todo']],
    ['REFUNDED', ['已申请:done', '已同意:done', '退款中:done', '已退款:done']],
    ['REJECTED', ['已申请:done', '已拒绝:error']],
    ['CANCELLED', ['已申请:done', '已取消:error']],
    ['FAILED', ['已申请:done', '已同意:done', '退款中:done', '退款失败:error']],
  ])('%s', (status, steps) => {
    expect(view(status)).toEqual(steps);
  });
});

describe('isMoving', () => {
  it('is true where only the dispatcher or WeChat moves the refund on (read from the table), false otherwise', () => {
    expect(REFUND_STATUSES.filter(isMoving)).toEqual(['APPROVED', 'REFUNDING']);
    expect(isMoving('SOMETHING_NEW')).toBe(false);
    expect(isMoving('toString')).toBe(false);
  });
});

describe('refundButtons', () => {
  it('draws 取消申请 for the cancel action and nothing for actions it does not know', () => {
    expect(refundButtons(['cancel']).map((b) => b.text)).toEqual(['取消申请']);
    expect(refundButtons([])).toEqual([]);
    expect(refundButtons(['approve', 'toString', 'constructor'])).toEqual([]);
  });
});

describe('refund reasons', () => {
  it('offers the five reasons, in order', () => {
    expect(REFUND_REASONS).toEqual(['不想要了', '商品有质量问题', '商品与描述不符', '发货太慢', '其他']);
  });

  it('joins an optional note to the reason', () => {
    expect(composeReason('其他', '  颜色不对 ')).toBe('其他：颜色不对');
    expect(composeReason('不想要了', '   ')).toBe('不想要了');
  });

  it('keeps reason + note within the server’s 200 characters', () => {
    const longest = Math.max(...REFUND_REASONS.map((r) => r.length));
    expect(composeReason(REFUND_REASONS[0], '很'.repeat(500)).length).toBeLessThanOrEqual(200);
    expect(longest + 1 + REFUND_NOTE_MAX).toBeLessThanOrEqual(200);
  });
});
