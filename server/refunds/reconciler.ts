// Background loop: a refund WeChat accepted but has not reported on within REFUND_QUERY_AFTER_S is queried
// (v2 /pay/refundquery, v3 GET /v3/refund/domestic/refunds/{no}), then again with back-off, until the query or a notification settles it.
import type { Logger } from 'pino';
import type { Db } from '../db/client.ts';
import { recordCall } from '../gateway/call-log.ts';
import type { PayGateway } from '../gateway/gateway.ts';
import { applyWechatResult } from './outcome.ts';

const BATCH = 20;
const MAX_QUERY_BACKOFF_MS = 3600_000;

export class RefundReconciler {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = false;

  constructor(
    private readonly db: Db,
    private readonly gw: PayGateway,
    private readonly cfg: { refundQueryAfterMs: number },
    private readonly log: Logger,
  ) {}

  start(): void {
    this.stopped = false;
    const pollMs = Math.min(1000, Math.max(100, this.cfg.refundQueryAfterMs));
    const tick = () => {
      if (this.stopped) return;
      this.running = this.sweep()
        .catch((err) => this.log.error({ err }, 'refund reconciler sweep failed'))
        .finally(() => {
          this.running = null;
          if (!this.stopped) this.timer = setTimeout(tick, pollMs);
        });
    };
    this.timer = setTimeout(tick, pollMs);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  /** One pass over the due refunds; exported for tests that want a deterministic step. */
  async sweep(): Promise<void> {
    const due = await this.db.refund.findMany({
      where: { status: 'REFUNDING', acceptedAt: { not: null }, nextAttemptAt: { lte: new Date() } },
      orderBy: { nextAttemptAt: 'asc' },
      take: BATCH,
      select: { id: true, refundNo: true, queries: true, nextAttemptAt: true, order: { select: { orderNo: true } } },
    });
    for (const r of due) {
      if (this.stopped) return;
      await this.queryOne(r);
    }
  }

  private async queryOne(r: { id: number; refundNo: string; queries: number; nextAttemptAt: Date | null; order: { orderNo: string } }) {
    const { outcome, call } = await this.gw.queryRefund(r.refundNo);
    await recordCall(this.db, call, { refundId: r.id, orderNo: r.order.orderNo });
    if (outcome.kind === 'found') {
      const mine = outcome.refund;
      if (mine.outRefundNo === r.refundNo && mine.state !== 'PROCESSING') {
        const result = await applyWechatResult(this.db, { ...mine, state: mine.state, via: 'query' });
        if (result.kind === 'rejected') this.log.error({ refundNo: r.refundNo, reason: result.reason }, 'refund query disagrees with our record');
        else return;
      }
    } else if (outcome.kind !== 'not_found') {
      this.log.warn({ refundNo: r.refundNo, code: outcome.code }, 'refund query failed; will query again');
    }
    const wait = Math.min(MAX_QUERY_BACKOFF_MS, this.cfg.refundQueryAfterMs * 2 ** Math.min(r.queries, 20));
    await this.db.$transaction((tx) =>
      tx.refund.updateMany({
        where: { id: r.id, status: 'REFUNDING', nextAttemptAt: r.nextAttemptAt },
        data: { queries: { increment: 1 }, nextAttemptAt: new Date(Date.now() + Math.max(wait, 1000)) },
      }),
    );
  }
}
