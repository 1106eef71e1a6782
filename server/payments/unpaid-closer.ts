// Background loop: unpaid orders older than ORDER_CLOSE_AFTER_S are closed and their stock returned —
// after asking WeChat (orderquery) whether the buyer paid after all, so a late payment is never lost.
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
        const { outcome, call } = await this.gw.client.orderQuery({ outTradeNo: o.orderNo });
        await recordCall(this.db, call, { orderNo: o.orderNo });
        if (outcome.kind !== 'ok') continue; // can't tell: ask again next sweep
        if (outcome.tradeState === 'SUCCESS' && outcome.totalFee !== null) {
          await markPaid(this.db, { outTradeNo: o.orderNo, totalFee: outcome.totalFee, transactionId: outcome.transactionId });
          continue;
        }
        if (outcome.tradeState === 'USERPAYING') continue;
      }
      if (await closeUnpaidOrder(this.db, o.id)) this.log.info({ orderNo: o.orderNo }, 'unpaid order closed');
    }
  }
}
