// The JSON bodies WeChat POSTs to an APIv3 notify_url: an envelope whose `resource` is AES-256-GCM encrypted with the
// APIv3 key. The Wechatpay-* signature is made at each attempt (notifier.ts), so a retry hours later is not stale.
import { randomUUID } from 'node:crypto';
import { encryptResource } from '../wechatpay-v3/aes-gcm.ts';
import type { V3Notification, V3PayEventType, V3RefundEventType } from '../wechatpay-v3/types.ts';
import { chinaRfc3339 } from './ids.ts';
import type { RefundRow, TradeRow } from './store.ts';
import type { SandboxMerchant } from './types.ts';
import { payNotifyResource, refundNotifyResource } from './v3-resources.ts';

function envelope(eventType: string, summary: string, originalType: string, resource: unknown, apiV3Key: string): string {
  const note: V3Notification = {
    id: randomUUID(),
    create_time: chinaRfc3339(Date.now()),
    event_type: eventType,
    resource_type: 'encrypt-resource',
    summary,
    resource: {
      ...encryptResource(JSON.stringify(resource), apiV3Key, { associatedData: originalType }),
      original_type: originalType,
    },
  };
  return JSON.stringify(note);
}

export function v3PayNotification(merchant: SandboxMerchant, trade: TradeRow): string {
  const event: V3PayEventType = 'TRANSACTION.SUCCESS';
  return envelope(event, '支付成功', 'transaction', payNotifyResource(trade), merchant.apiV3Key);
}

const REFUND_EVENTS: Record<string, [V3RefundEventType, string]> = {
  SUCCESS: ['REFUND.SUCCESS', '退款成功'],
  ABNORMAL: ['REFUND.ABNORMAL', '退款异常'],
  CLOSED: ['REFUND.CLOSED', '退款关闭'],
};

export function v3RefundNotification(merchant: SandboxMerchant, trade: TradeRow, refund: RefundRow): string {
  const resource = refundNotifyResource(merchant, trade, refund);
  const [event, summary] = REFUND_EVENTS[resource.refund_status];
  return envelope(event, summary, 'refund', resource, merchant.apiV3Key);
}
