// A failed refund WeChat reported abnormal: the buyer's card is closed or frozen, so the money cannot go back the
// way it came (APIv3 says ABNORMAL, v2 CHANGE). Whether it can be sent to the merchant's bank card from here is the
// server's to say, through the refund's actions (APIv3 only, and only for the roles that handle money).
import type { Refund, RefundDetail } from '../../api/types';

const ABNORMAL_CODES: ReadonlySet<string> = new Set(['ABNORMAL', 'CHANGE']);

/**
 * How an abnormal refund is handled: 'settle' here (retry, or 退至商户银行卡), 'platform' on WeChat Pay's merchant
 * platform; null when the failure is not an abnormal one.
 */
export function abnormalHandling(refund: Pick<Refund, 'failCode' | 'actions'>): 'settle' | 'platform' | null {
  if (refund.failCode === null || !ABNORMAL_CODES.has(refund.failCode)) return null;
  return refund.actions.includes('settle_abnormal') ? 'settle' : 'platform';
}

/**
 * Was this refund's money sent to the merchant's bank card (its last way out of FAILED was settle_abnormal) and is
 * it on its way or there? Then the buyer has not been paid yet: the merchant owes them.
 */
export function sentToMerchantCard(refund: Pick<RefundDetail, 'status' | 'events'>): boolean {
  if (refund.status !== 'REFUNDING' && refund.status !== 'REFUNDED') return false;
  const lastWayOut = [...refund.events].reverse().find((e) => e.action === 'settle_abnormal' || e.action === 'retry');
  return lastWayOut?.action === 'settle_abnormal';
}
