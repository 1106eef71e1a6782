// Trade lifecycle shared by the protocol and control APIs: lazy expiry (time_expire) and "the buyer paid".
import type { Ctx } from './context.ts';
import { chinaCompact, newTransactionId } from './ids.ts';
import { payNotificationXml } from './notifications.ts';
import type { TradeRow } from './store.ts';
import { v3PayNotification } from './v3-notifications.ts';

/** Reads a trade, closing it first if its time_expire has passed unpaid (WeChat closes such orders itself). */
export function readTrade(ctx: Ctx, outTradeNo: string): TradeRow | undefined {
  const trade = ctx.store.trade(outTradeNo);
  if (trade && trade.state === 'NOTPAY' && trade.time_expire_ms !== null && Date.now() > trade.time_expire_ms) {
    ctx.store.closeTrade(outTradeNo);
    return ctx.store.trade(outTradeNo);
  }
  return trade;
}

export type PayOutcome =
  | { kind: 'unknown' }
  | { kind: 'closed' }
  | { kind: 'paid'; trade: TradeRow; notificationIds: number[] };

/**
 * The buyer pays: NOTPAY → SUCCESS with a transaction_id, and the pay notification is queued in the same
 * transaction. On an already-paid trade it only queues the notification again (WeChat re-sends them too).
 */
export function payTrade(ctx: Ctx, outTradeNo: string): PayOutcome {
  const outcome = ctx.store.tx((): PayOutcome => {
    const before = readTrade(ctx, outTradeNo);
    if (!before) return { kind: 'unknown' };
    if (before.state === 'CLOSED') return { kind: 'closed' };
    if (before.state === 'NOTPAY') {
      const now = Date.now();
      ctx.store.markPaid(outTradeNo, newTransactionId(now), chinaCompact(now));
    }
    const trade = ctx.store.trade(outTradeNo) as TradeRow;
    // In the protocol (and v3 key mode) the trade was placed with.
    const body = trade.protocol === 'v3' ? v3PayNotification(ctx.merchant, trade) : payNotificationXml(ctx.merchant, trade);
    const ids = ctx.notifier.enqueue('pay', outTradeNo, trade.notify_url, body, { protocol: trade.protocol, keyMode: trade.key_mode });
    return { kind: 'paid', trade, notificationIds: ids };
  });
  if (outcome.kind === 'paid') {
    ctx.log.info({ outTradeNo, transactionId: outcome.trade.transaction_id }, 'sandbox trade paid');
    ctx.notifier.wake();
  }
  return outcome;
}
