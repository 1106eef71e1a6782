// An ABNORMAL refund (the buyer's card can no longer take the money) sent to the merchant's bank card, for
// the merchant to pay the buyer another way: APIv3's apply-abnormal-refund. The move is written first
// (FAILED → REFUNDING, with who asked), then WeChat is called; its answer, a notification or the
// reconciler's query settles the refund like any other (docs/lifecycle.md, docs/wechat-pay.md, "ABNORMAL refunds").
import type { Db } from '../db/client.ts';
import { DomainError, notFound } from '../errors.ts';
import { recordCall } from '../gateway/call-log.ts';
import type { PayGateway } from '../gateway/gateway.ts';
import { settleRefusal } from './outcome.ts';
import { act, staffActor, staffViewer, type Staff } from './service.ts';
import { ABNORMAL_WORDS, refundView, type RefundView } from './views.ts';

export async function settleAbnormalRefund(
  db: Db,
  gw: PayGateway,
  refundNo: string,
  staff: Staff,
  cfg: { refundQueryAfterMs: number },
): Promise<RefundView> {
  const settle = gw.settleAbnormal;
  if (!settle) {
    throw new DomainError('INVALID_STATE', 'Over WeChat Pay APIv2 an abnormal refund is handled on the merchant platform (pay.weixin.qq.com → 交易中心 → 退款管理).');
  }
  const refund = await db.refund.findUnique({ where: { refundNo }, select: { id: true, wxRefundId: true, order: { select: { orderNo: true } } } });
  if (!refund) throw notFound(`Refund ${refundNo}`);
  const view = await act(db, refundNo, 'settle_abnormal', staffActor(staff), {
    viewer: staffViewer(staff),
    note: '退至商户银行卡（apply-abnormal-refund）',
    check: (r) => {
      if (r.status !== 'FAILED' || r.failCode === null || !ABNORMAL_WORDS.has(r.failCode) || !r.wxRefundId) {
        throw new DomainError('INVALID_STATE', 'Only a refund WeChat Pay reported as abnormal (ABNORMAL) can be sent to the merchant’s bank card.');
      }
    },
    // the reconciler asks WeChat if neither its answer nor a notification settles it in time
    data: { failCode: null, failReason: null, nextAttemptAt: new Date(Date.now() + cfg.refundQueryAfterMs) },
  });
  const { outcome, call } = await settle({ refundId: refund.wxRefundId!, outRefundNo: refundNo });
  await recordCall(db, call, { refundId: refund.id, orderNo: refund.order.orderNo });
  if (outcome.kind === 'final') {
    // refused for good (e.g. no longer abnormal): FAILED again with WeChat's code and words
    await settleRefusal(db, refund.id, outcome.code, outcome.message);
    const after = await db.refund.findUniqueOrThrow({ where: { id: refund.id }, include: { order: { select: { orderNo: true } } } });
    return refundView(after, staffViewer(staff));
  }
  // accepted, or no answer (retryable): REFUNDING until WeChat's word, as for any refund with WeChat
  return view;
}
