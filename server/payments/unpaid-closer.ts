// Background loop: unpaid orders older than ORDER_CLOSE_AFTER_S are closed and their stock returned —
// after asking WeChat whether the buyer paid after all, so a late payment is never lost, and closing the
// trade at WeChat, so the buyer cannot pay an order we no longer hold.
import type { Logger } from 'pino';
import { PeriodicSweep } from '../lib/periodic-sweep.ts';
import type { Db } from '../db/client.ts';
import { recordCall } from '../gateway/call-log.ts';
import type { PayGateway } from '../gateway/gateway.ts';
import { markPaid } from './checkout.ts';
import { closeUnpaidOrder } from '../orders/service.ts';

export class UnpaidOrderCloser extends PeriodicSweep {
  constructor(
    private readonly db: Db,
    private readonly gw: PayGateway,
    private readonly cfg: { orderCloseAfterMs: number },
    log: Logger,
  ) {
    super(log, 'unpaid order sweep');
  }

  async sweep(): Promise<void> {
    const stale = await this.db.order.findMany({
      where: { status: 'UNPAID', createdAt: { lt: new Date(Date.now() - this.cfg.orderCloseAfterMs) } },
      select: { id: true, orderNo: true, prepayId: true },
      take: 100,
    });
    for (const o of stale) {
      if (o.prepayId) {
        const { outcome, call } = await this.gw.queryTrade(o.orderNo);
        await recordCall(this.db, call, { orderNo: o.orderNo });
        if (outcome.kind === 'retryable' || outcome.kind === 'final') continue; // can't tell: ask again next sweep
        if (outcome.kind === 'ok') {
          if (outcome.tradeState === 'SUCCESS' && outcome.totalFee !== null) {
            await markPaid(this.db, { outTradeNo: o.orderNo, totalFee: outcome.totalFee, transactionId: outcome.transactionId });
            continue;
          }
          if (outcome.tradeState === 'USERPAYING') continue;
          if (!(await this.closeAtWechat(o.orderNo))) continue;
        }
      }
      if (await closeUnpaidOrder(this.db, o.id)) this.log.info({ orderNo: o.orderNo }, 'unpaid order closed');
    }
  }

  /** True once WeChat will take no payment for this trade; false: ask again next sweep (it may have been paid meanwhile). */
  private async closeAtWechat(orderNo: string): Promise<boolean> {
    const { outcome, call } = await this.gw.closeTrade(orderNo);
    await recordCall(this.db, call, { orderNo });
    if (outcome.kind === 'ok') return true;
    this.log.warn({ orderNo, code: outcome.code }, 'closing the trade at WeChat Pay failed; will ask again');
    return false;
  }
}
