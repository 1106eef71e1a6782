// What WeChat answered to refund calls, written for several calls in one transaction: at the cap (150
// calls/s) the database is the busy part, and one transaction per answer would be most of its work
// (docs/benchmarks.md, "Dispatcher"). A crash before an answer is recorded is the "answer lost" case the
// claim's lease already covers: the refund is sent again with the same out_refund_no and fee, and WeChat
// answers with the same refund.
import type { Db } from '../../db/client.ts';
import { callRow } from '../../gateway/call-log.ts';
import type { CallEvidence, GatewayFailure } from '../../gateway/gateway.ts';
import type { Candidate } from './due-refunds.ts';

export type RefundOutcome = { kind: 'accepted'; refundId: string } | GatewayFailure;

// answers that came back within this long are recorded together, in one transaction
const RECORD_EVERY_MS = 20;

export interface Answer {
  c: Pick<Candidate, 'id' | 'order'>;
  call: CallEvidence;
  outcome: RefundOutcome;
  /** When the answer came back (epoch ms). */
  at: number;
  /** For a retryable answer: the back-off before the next send. */
  retryInMs: number;
}

interface Pending extends Answer {
  done: { resolve: () => void; reject: (err: unknown) => void };
}

export class AnswerRecorder {
  private answers: Pending[] = [];
  private timer: NodeJS.Timeout | null = null;
  private recording: Promise<void> = Promise.resolve();

  constructor(
    private readonly db: Db,
    private readonly refundQueryAfterMs: number,
  ) {}

  /**
   * The call as evidence, and for an accepted or retryable answer what it means for the refund (a final
   * refusal is settled by the caller, through the one door). Resolves once the answer is in the database,
   * with the others that came back within RECORD_EVERY_MS.
   */
  record(a: Answer): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.answers.push({ ...a, done: { resolve, reject } });
      this.timer ??= setTimeout(() => {
        this.timer = null;
        const batch = this.answers;
        this.answers = [];
        // one recording at a time, in order
        this.recording = this.recording.then(() => this.recordBatch(batch));
      }, RECORD_EVERY_MS);
    });
  }

  private async recordBatch(batch: Pending[]): Promise<void> {
    try {
      await this.db.$transaction(async (tx) => {
        for (const { c, call, outcome, at, retryInMs } of batch) {
          // a create per row, not one createMany: Prisma compiles a createMany anew for every number of rows
          // (≈ 2–7 ms each), while a create's plan is compiled once and kept
          await tx.wechatCall.create({ data: callRow(call, { refundId: c.id, orderNo: c.order.orderNo }) });
          if (outcome.kind === 'accepted') {
            // accepted is not refunded: the notification or a query after REFUND_QUERY_AFTER_S settles it
            await tx.refund.updateMany({
              where: { id: c.id, status: 'REFUNDING', acceptedAt: null },
              data: {
                acceptedAt: new Date(at),
                wxRefundId: outcome.refundId,
                lastErrorCode: null,
                nextAttemptAt: new Date(at + this.refundQueryAfterMs),
              },
            });
          } else if (outcome.kind === 'retryable') {
            await tx.refund.updateMany({
              where: { id: c.id, status: 'REFUNDING', acceptedAt: null },
              data: { nextAttemptAt: new Date(at + retryInMs), lastErrorCode: outcome.code },
            });
          }
        }
      });
      for (const a of batch) a.done.resolve();
    } catch (err) {
      for (const a of batch) a.done.reject(err);
    }
  }
}
