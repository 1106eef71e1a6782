// One claimed refund sent to WeChat Pay (v2 /secapi/pay/refund or v3 POST /v3/refund/domestic/refunds), and what WeChat's answer means for it: accepted (the
// notification or a query settles it later), retryable (sent again after a back-off, with the same
// out_refund_no and fee), or refused for good (FAILED; the merchant decides). Which code is which:
// classifyRefundError in wechatpay/errors.ts and classifyV3Error in wechatpay-v3/errors.ts (docs/wechat-pay.md, "Error classes").
import type { Logger } from 'pino';
import type { Db } from '../../db/client.ts';
import type { PayGateway } from '../../gateway/gateway.ts';
import type { SendTiming } from '../../lib/slot-gate.ts';
import { crashPoint } from '../../test-faults.ts';
import { settleRefusal } from '../outcome.ts';
import type { AnswerRecorder, RefundOutcome } from './answer-recorder.ts';
import type { Candidate } from './due-refunds.ts';

const MAX_BACKOFF_MS = 10 * 60_000;

/** The back-off before the `attempts`+1-th send of a refund whose attempts-th send got a retryable `code`. */
export function retryDelayMs(code: string, attempts: number, retryBaseMs: number): number {
  const backoff = Math.min(MAX_BACKOFF_MS, retryBaseMs * 2 ** Math.min(attempts - 1, 20));
  // INVALID_REQ_TOO_MUCH asks for at least a minute
  return code === 'INVALID_REQ_TOO_MUCH' ? Math.max(backoff, 60_000) : backoff;
}

export class RefundSender {
  constructor(
    private readonly db: Db,
    private readonly gw: PayGateway,
    private readonly recorder: AnswerRecorder,
    private readonly retryBaseMs: number,
    private readonly log: Logger,
  ) {}

  /**
   * Calls WeChat at `timing`'s slot; `onAnswer` hears the outcome as soon as it is in, before it is recorded.
   * Rejects with SlotMissed, having sent nothing, when the slot was past use.
   */
  async send(c: Candidate, timing: SendTiming, onAnswer: (outcome: RefundOutcome) => void): Promise<void> {
    crashPoint('before-call');
    const input = { outTradeNo: c.order.orderNo, outRefundNo: c.refundNo, totalFee: c.order.totalFen, refundFee: c.amountFen, reason: c.reason };
    const { outcome, call } = await this.gw.refund(input, timing);
    crashPoint('after-call');
    onAnswer(outcome);
    let retryInMs = 0;
    if (outcome.kind === 'retryable') {
      const attempts = c.attempts + 1; // the claim counted this send
      retryInMs = retryDelayMs(outcome.code, attempts, this.retryBaseMs);
      this.log.warn({ refundNo: c.refundNo, code: outcome.code, attempts, retryInMs }, 'refund call will be retried');
    }
    // the call as evidence, and for an accepted or retryable answer what it means for the refund
    await this.recorder.record({ c, call, outcome, at: Date.now(), retryInMs });
    if (outcome.kind !== 'final') return;
    this.log.warn({ refundNo: c.refundNo, code: outcome.code }, 'refund refused by WeChat Pay');
    await settleRefusal(this.db, c.id, outcome.code, outcome.message);
  }
}
