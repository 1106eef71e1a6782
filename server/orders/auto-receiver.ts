// Background loop: a SHIPPED order the buyer has not confirmed ORDER_AUTO_RECEIVE_S after shipping is
// received by `system`, through the same compare-and-set as the buyer's tap, so a buyer who confirms a
// second before wins and the loop does nothing. Its state is the order rows: a restart carries on.
import type { Logger } from 'pino';
import type { Db } from '../db/client.ts';
import { autoReceive } from './shipping.ts';

const BATCH = 100;

export class AutoReceiver {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;

  constructor(
    private readonly db: Db,
    private readonly cfg: { orderAutoReceiveMs: number },
    private readonly log: Logger,
  ) {}

  start(intervalMs = Math.min(30_000, Math.max(200, this.cfg.orderAutoReceiveMs / 4))): void {
    this.timer = setInterval(() => {
      if (this.running) return;
      this.running = this.sweep()
        .catch((err) => this.log.error({ err }, 'auto-receive sweep failed'))
        .finally(() => (this.running = null));
    }, intervalMs);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
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
