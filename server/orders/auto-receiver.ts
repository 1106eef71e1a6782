// Background loop: a SHIPPED order the buyer has not confirmed ORDER_AUTO_RECEIVE_S after shipping is
// received by `system`, through the same compare-and-set as the buyer's tap, so a buyer who confirms a
// second before wins and the loop does nothing. Its state is the order rows: a restart carries on.
import type { Logger } from 'pino';
import { PeriodicSweep } from '../lib/periodic-sweep.ts';
import type { Db } from '../db/client.ts';
import { autoReceive } from './shipping.ts';

const BATCH = 100;

export class AutoReceiver extends PeriodicSweep {
  constructor(
    private readonly db: Db,
    private readonly cfg: { orderAutoReceiveMs: number },
    log: Logger,
  ) {
    super(log, 'auto-receive sweep');
  }

  /** A few sweeps per period, at most every 30 s. */
  override start(intervalMs = Math.min(30_000, Math.max(200, this.cfg.orderAutoReceiveMs / 4))): void {
    super.start(intervalMs);
  }

  async sweep(): Promise<void> {
    const due = await this.db.order.findMany({
      where: { shippingStatus: 'SHIPPED', shippedAt: { lte: new Date(Date.now() - this.cfg.orderAutoReceiveMs) } },
      orderBy: { shippedAt: 'asc' },
      take: BATCH,
      select: { id: true, orderNo: true },
    });
    for (const o of due) {
      if (await autoReceive(this.db, o.id)) this.log.info({ orderNo: o.orderNo }, 'order received by the system');
    }
  }
}
