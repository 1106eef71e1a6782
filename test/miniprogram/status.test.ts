// utils/status + utils/refund + utils/carriers: labels (statuses, types, shipping, order tabs) declared once, the
// progress bar per refund status and type, buttons from actions, reasons, the timeline's sentences, tracking numbers.
import { describe, it, expect } from 'vitest';
import {
  ORDER_STATUS,
  ORDER_TABS,
  REFUND_STATUS,
  SHIPPING_STATUS,
  orderStatusLabel,
  refundStatusLabel,
  refundTypeLabel,
  shippingStatusLabel,
} from '../../miniprogram/utils/status';
import {
  composeReason,
  isMoving,
  OWN_REASON_MAX,
  reasonChoices,
  refundButtons,
  refundProgress,
  refundTimeline,
  REASON_MAX,
  REFUND_NOTE_MAX,
} from '../../miniprogram/utils/refund';
import { normalizeTrackingNo, RETURN_CARRIERS, trackingNoError } from '../../miniprogram/utils/carriers';
import { ORDER_STATUSES, REFUND_STATUSES, TRANSITIONS } from '../../miniprogram/utils/lifecycle.generated';
import type { RefundActor, RefundStatus, RefundType } from '../../miniprogram/api/types';

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

  it('names the two refund types', () => {
    expect([refundTypeLabel('REFUND_ONLY'), refundTypeLabel('RETURN_AND_REFUND'), refundTypeLabel('toString')]).toEqual(['仅退款', '退货退款', '退款']);
  });

  it('names the return statuses, for the refund and for its order', () => {
    expect([refundStatusLabel('AWAITING_RETURN').text, refundStatusLabel('RETURN_SHIPPED').text]).toEqual(['待寄回', '已寄回']);
    expect([orderStatusLabel('REFUND_AWAITING_RETURN').text, orderStatusLabel('REFUND_RETURN_SHIPPED').text]).toEqual(['待寄回商品', '退货寄回中']);
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
  const view = (s: RefundStatus, type?: RefundType, goodsSent?: boolean) => refundProgress(s, type, goodsSent).map((p) => `${p.text}:${p.state}`);

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

  it.each<[RefundStatus, boolean, string[]]>([
    ['REQUESTED', false, ['已申请:current', '待寄回:todo', '已寄回:todo', '已同意:todo', '退款中:todo', '已退款:todo']],
    ['AWAITING_RETURN', false, ['已申请:done', '待寄回:current', '已寄回:todo', '已同意:todo', '退款中:todo', '已退款:todo']],
    ['RETURN_SHIPPED', true, ['已申请:done', '待寄回:done', '已寄回:current', '已同意:todo', '退款中:todo', '已退款:todo']],
    ['APPROVED', true, ['已申请:done', '待寄回:done', '已寄回:done', '已同意:current', '退款中:todo', '已退款:todo']],
    ['REFUNDED', true, ['已申请:done', '待寄回:done', '已寄回:done', '已同意:done', '退款中:done', '已退款:done']],
    ['REJECTED', false, ['已申请:done', '已拒绝:error']],
    ['REJECTED', true, ['已申请:done', '待寄回:done', '已寄回:done', '已拒绝:error']],
    ['CANCELLED', false, ['已申请:done', '已取消:error']],
    ['FAILED', true, ['已申请:done', '待寄回:done', '已寄回:done', '已同意:done', '退款中:done', '退款失败:error']],
  ])('a return, %s (goods sent: %s)', (status, goodsSent, steps) => {
    expect(view(status, 'RETURN_AND_REFUND', goodsSent)).toEqual(steps);
  });
});

describe('refundTimeline', () => {
  const at = '2026-11-22T03:04:05.000Z';

  it('has a sentence for every move of the server’s table, and the Beijing time', () => {
    for (const t of TRANSITIONS) {
      const [entry] = refundTimeline([{ at, from: t.from, to: t.to, action: t.action, by: 'system' }]);
      expect(entry.text, t.action).not.toMatch(/状态变为/);
      expect(entry.timeText).toBe('2026-11-22 11:04');
    }
  });

  it('a refund sent to the merchant’s bank card (ABNORMAL) does not claim the money went back the original way', () => {
    const moves = ['request', 'approve', 'dispatch', 'fail', 'settle_abnormal', 'succeed'];
    const entries = refundTimeline(moves.map((action) => ({ at, from: null, to: 'REFUNDED', action, by: 'merchant' })));
    expect(entries[0].text).toBe('微信支付已将钱款退至商家银行卡，请留意商家另行退款');
    expect(entries[1].text).toContain('商家银行卡');
    expect(entries.map((e) => e.text).join('')).not.toContain('原路退回');
  });

  it('reads newest first, says who, and tells the two approvals apart', () => {
    const rows = refundTimeline([
      { at: '2026-11-22T03:00:00.000Z', from: null, to: 'REQUESTED', action: 'request', by: 'buyer' },
      { at: '2026-11-22T04:00:00.000Z', from: 'REQUESTED', to: 'AWAITING_RETURN', action: 'approve', by: 'merchant' },
      { at: '2026-11-22T05:00:00.000Z', from: 'AWAITING_RETURN', to: 'RETURN_SHIPPED', action: 'return', by: 'buyer' },
      { at: '2026-11-23T16:30:00.000Z', from: 'RETURN_SHIPPED', to: 'APPROVED', action: 'auto_receive', by: 'system' },
      { at: '2026-11-23T16:31:00.000Z', from: 'APPROVED', to: 'REFUNDED', action: 'succeed', by: 'wechat' },
    ]);
    expect(rows.map((r) => `${r.timeText} ${r.byText} ${r.text}`)).toEqual([
      '2026-11-24 00:31 微信支付 微信支付退款成功，钱款已原路退回',
      '2026-11-24 00:30 系统 系统自动确认收货',
      '2026-11-22 13:00 你 已寄回商品',
      '2026-11-22 12:00 商家 商家同意退货，等待寄回商品',
      '2026-11-22 11:00 你 提交申请',
    ]);
    expect(refundTimeline([{ at, from: 'REQUESTED', to: 'APPROVED', action: 'approve', by: 'merchant' }])[0].text).toBe('商家同意退款');
  });

  it('still reads a move or an actor this build does not know', () => {
    const [row] = refundTimeline([{ at, from: 'REQUESTED', to: 'REFUNDED', action: 'something_new', by: 'robot' as RefundActor }]);
    expect(row.text).toBe('状态变为「已退款」');
    expect(row.byText).toBe('系统');
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
  it('offers the merchant’s reasons, blanks and repeats dropped, 其他 always there and last', () => {
    expect(reasonChoices(['其他', '不想要了', ' 不想要了 ', '', '质量问题'])).toEqual(['不想要了', '质量问题', '其他']);
    expect(reasonChoices(undefined)).toEqual(['其他']);
  });

  it('joins an optional note to the reason', () => {
    expect(composeReason('其他', '  颜色不对 ')).toBe('其他：颜色不对');
    expect(composeReason('不想要了', '   ')).toBe('不想要了');
  });

  it('keeps reason + note within the server’s 200 characters, whatever the reason', () => {
    expect(REASON_MAX).toBe(200);
    expect(OWN_REASON_MAX + 1 + REFUND_NOTE_MAX).toBeLessThanOrEqual(200);
    for (const reason of ['不想要了', '长'.repeat(OWN_REASON_MAX), '超'.repeat(120)]) {
      expect(composeReason(reason, '很'.repeat(500)).length).toBeLessThanOrEqual(200);
    }
  });
});

describe('return carriers and tracking numbers', () => {
  it('offers WeChat’s codes for the common carriers', () => {
    expect(RETURN_CARRIERS.map((c) => `${c.code}:${c.name}`)).toEqual([
      'SF:顺丰速运',
      'ZTO:中通快递',
      'YTO:圆通速递',
      'STO:申通快递',
      'YD:韵达速递',
      'JTSD:极兔速递',
      'EMS:EMS',
      'JD:京东物流',
    ]);
  });

  it('checks the number as the server does, after dropping pasted spaces', () => {
    expect(normalizeTrackingNo(' SF 1234 5678 ')).toBe('SF12345678');
    expect(trackingNoError('SF12345678')).toBe('');
    expect(trackingNoError('JD-0001')).toBe('');
    expect(trackingNoError('')).toBe('请填写快递单号');
    expect(trackingNoError('顺丰123')).toBe('快递单号只能包含字母、数字和 -，最多 64 位');
    expect(trackingNoError('1'.repeat(65))).toBe('快递单号只能包含字母、数字和 -，最多 64 位');
  });
});
