// Telling the buyer where their money is: when a refund is refunded, rejected, waiting for the goods, or
// cancelled by the system, a WeChat subscribe message (退款通知) is queued in the move's own transaction and
// sent by the outbox after commit. Only when the merchant configured a template
// (WECHAT_SUBSCRIBE_TEMPLATE_REFUND, set at start like the return address in after-sales-config.ts). A message never holds up a refund: it is only an outbox row.
import type { Tx } from '../db/client.ts';
import type { RefundStatus } from '../lifecycle/refunds.ts';
import { enqueue } from '../outbox/outbox.ts';

export const REFUND_MESSAGE = 'wechat.subscribe.refund';

/** Set once at start from the configuration (main.ts); null: the merchant sends no messages. */
let templateId: string | null = null;

export function configureBuyerMessages(template: string | null): void {
  templateId = template;
}

export interface RefundMessagePayload {
  refundNo: string;
  openid: string;
  templateId: string;
  status: RefundStatus;
  amountFen: number;
  at: string;
}

/** Does this move tell the buyer? */
function tells(status: RefundStatus, actorRole: string): boolean {
  if (status === 'REFUNDED' || status === 'REJECTED' || status === 'AWAITING_RETURN') return true;
  return status === 'CANCELLED' && actorRole === 'system';
}

export async function queueBuyerMessage(
  tx: Tx,
  refund: { refundNo: string; status: RefundStatus; amountFen: number },
  order: { id: number; buyerId: number },
  actor: { role: string },
  now: Date,
): Promise<void> {
  if (!templateId || !tells(refund.status, actor.role)) return;
  const buyer = await tx.buyer.findUniqueOrThrow({ where: { id: order.buyerId }, select: { openid: true } });
  const payload: RefundMessagePayload = {
    refundNo: refund.refundNo,
    openid: buyer.openid,
    templateId,
    status: refund.status,
    amountFen: refund.amountFen,
    at: now.toISOString(),
  };
  await enqueue(tx, { kind: REFUND_MESSAGE, causeKey: `message:${refund.refundNo}:${refund.status}`, orderId: order.id, payload }, now);
}
