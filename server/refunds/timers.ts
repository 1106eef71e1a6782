// Background loop: the timed moves of the refund table, made as `system` through the same door and
// compare-and-set as a person's, so a merchant or buyer who acts a second before wins and the timer does
// nothing. Each counts from when the refund entered its status (`statusAt`), so a restart carries on.
//   REFUND_AUTO_APPROVE_S (0: off)  REQUESTED refund only, order not shipped   → auto_approve → APPROVED
//   RETURN_SHIP_WITHIN_S            AWAITING_RETURN, no return tracking         → return_timeout → CANCELLED
//   RETURN_RECEIVE_WITHIN_S         RETURN_SHIPPED, neither received nor refused → auto_receive → APPROVED
import type { Logger } from 'pino';
import { PeriodicSweep } from '../lib/periodic-sweep.ts';
import type { Db } from '../db/client.ts';
import { DomainError } from '../errors.ts';
import type { RefundAction, RefundStatus } from '../lifecycle/refunds.ts';
import { moveRefund } from './moves.ts';

export interface RefundTimerConfig {
  refundAutoApproveMs: number;
  returnShipWithinMs: number;
  returnReceiveWithinMs: number;
}

interface TimedMove {
  status: RefundStatus;
  action: RefundAction;
  afterMs: number;
  where?: Record<string, unknown>;
  /** The move makes the refund due at WeChat. */
  approves: boolean;
  note: string;
}

const BATCH = 100;

export class RefundTimers extends PeriodicSweep {
  private readonly moves: TimedMove[];

  constructor(
    private readonly db: Db,
    cfg: RefundTimerConfig,
    log: Logger,
    /** A refund became APPROVED: the dispatcher should look now. */
    private readonly onApproved: () => void = () => {},
  ) {
    super(log, 'refund timers sweep');
    this.moves = [
      ...(cfg.refundAutoApproveMs > 0
        ? [{ status: 'REQUESTED' as const, action: 'auto_approve' as const, afterMs: cfg.refundAutoApproveMs, where: { type: 'REFUND_ONLY', order: { shippingStatus: 'UNSHIPPED' } }, approves: true, note: 'not handled in time: approved by the system' }]
        : []),
      { status: 'AWAITING_RETURN', action: 'return_timeout', afterMs: cfg.returnShipWithinMs, approves: false, note: 'the goods were not sent back in time' },
      { status: 'RETURN_SHIPPED', action: 'auto_receive', afterMs: cfg.returnReceiveWithinMs, approves: true, note: 'the return was not handled in time: the refund goes ahead' },
    ];
  }

  /** A few sweeps per shortest period, at most every 30 s. */
  override start(intervalMs = Math.min(30_000, Math.max(200, Math.min(...this.moves.map((m) => m.afterMs)) / 4))): void {
    super.start(intervalMs);
  }

  /** One pass over every timed move; exported for tests that want a deterministic step. */
  async sweep(): Promise<void> {
    for (const m of this.moves) {
      const due = await this.db.refund.findMany({
        where: { ...m.where, status: m.status, statusAt: { lte: new Date(Date.now() - m.afterMs) } },
        orderBy: { statusAt: 'asc' },
        take: BATCH,
        select: { id: true, refundNo: true, orderId: true, status: true, amountFen: true, type: true },
      });
      let approved = false;
      for (const r of due) {
        if (await this.apply(r, m)) approved ||= m.approves;
      }
      if (approved) this.onApproved();
    }
  }

  private async apply(r: { id: number; refundNo: string; orderId: number; status: string; amountFen: number; type: string }, m: TimedMove): Promise<boolean> {
    try {
      await this.db.$transaction((tx) =>
        moveRefund(tx, r, m.action, { role: 'system', name: 'system' }, { note: m.note, data: m.approves ? { nextAttemptAt: new Date() } : {} }),
      );
      this.log.info({ refundNo: r.refundNo, action: m.action }, 'timed refund move');
      return true;
    } catch (err) {
      // someone moved it first: the person wins, the timer does nothing
      if (err instanceof DomainError && err.code === 'INVALID_STATE') return false;
      throw err;
    }
  }
}
