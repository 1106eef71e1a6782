// The outbox's handler for refund messages (buyer-messages.ts): the subscribe message's page and values.
// 43101 (the buyer did not subscribe, or used up their subscription) is final; any other failure is retried.
import type { Db } from '../db/client.ts';
import { recordPlatformCall } from '../gateway/call-log.ts';
import type { OutboxHandler } from '../outbox/worker.ts';
import type { WechatPlatformClient } from '../wechat/platform/client.ts';
import { subscribeAmount, subscribeTime } from '../wechat/platform/subscribe.ts';
import type { RefundMessagePayload } from './buyer-messages.ts';

const NOT_SUBSCRIBED = 43101;

/** What the buyer reads, per status (the template's phrase value: at most 5 characters). */
const STATUS_WORDS: Partial<Record<RefundMessagePayload['status'], { phrase: string; note: string }>> = {
  REFUNDED: { phrase: '已退款', note: '退款已原路退回，请注意查收' },
  REJECTED: { phrase: '已拒绝', note: '商家拒绝了退款申请，点击查看原因' },
  AWAITING_RETURN: { phrase: '待退货', note: '商家已同意退货，请寄回商品并填写单号' },
  CANCELLED: { phrase: '已关闭', note: '超时未寄回商品，退款申请已关闭' },
};

export function refundMessageHandler(db: Db, platform: Pick<WechatPlatformClient, 'sendSubscribeMessage'>): OutboxHandler {
  return {
    async send(message) {
      const p = JSON.parse(message.payload) as RefundMessagePayload;
      const words = STATUS_WORDS[p.status] ?? { phrase: '处理中', note: '退款进度有更新' };
      const { outcome, call } = await platform.sendSubscribeMessage({
        touser: p.openid,
        templateId: p.templateId,
        page: `pages/refund-detail/index?refundNo=${p.refundNo}`,
        data: {
          character_string1: p.refundNo,
          amount2: subscribeAmount(p.amountFen),
          phrase3: words.phrase,
          time4: subscribeTime(new Date(p.at)),
          thing5: words.note,
        },
      });
      await recordPlatformCall(db, call, null);
      if (outcome.kind === 'ok') return { kind: 'done' };
      const error = `${outcome.errcode ?? 'network'}: ${outcome.errmsg}`;
      return outcome.errcode === NOT_SUBSCRIBED ? { kind: 'final', error } : { kind: 'retry', error };
    },
  };
}
