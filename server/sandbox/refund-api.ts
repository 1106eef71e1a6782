// /secapi/pay/refund: mutual TLS, the v2 envelope and field checks, then WeChat's refund rules (refund-rules.ts,
// shared with APIv3), dropped answers, WeChat's latency or the slowMs fault (docs/wechat-pay.md § Endpoints we call, § The sandbox).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SignType } from '../wechatpay/sign.ts';
import { waitBeforeAnswer } from './answer-delay.ts';
import type { Ctx } from './context.ts';
import { sendXml } from './http-io.ts';
import { clientCommonName, sendNoCertificate } from './mtls.ts';
import {
  answer,
  bizFail,
  checkSignature,
  firstMissing,
  hasFourByteChars,
  parseRequest,
  positiveFen,
  returnFail,
  validNotifyUrl,
  type Params,
} from './protocol.ts';
import { decideRefund, overRateLimit, V2_NAMES } from './refund-rules.ts';
import { V2, type RefundRow, type TradeRow } from './store.ts';
import { v2Code } from './v3-codes.ts';

const OUT_REFUND_NO = /^[0-9A-Za-z_\-|*@]{1,64}$/;
const REFUND_ACCOUNTS = new Set(['REFUND_SOURCE_UNSETTLED_FUNDS', 'REFUND_SOURCE_RECHARGE_FUNDS']);

interface Decision {
  xml: string;
  /** Recorded in refund_calls: SUCCESS, the err_code, or RETURN_FAIL. */
  result: string;
  accepted: boolean;
}

/** Amount parsing for the call log only: whatever digits were sent, or null. */
function loggedFee(value: string | undefined): number | null {
  return value !== undefined && /^\d{1,12}$/.test(value) ? Number.parseInt(value, 10) : null;
}

function acceptedAnswer(ctx: Ctx, signType: SignType, trade: TradeRow, refund: RefundRow): string {
  // Field order of the official example; refund_channel is present and empty there.
  return answer(ctx.merchant, signType, {
    result_code: 'SUCCESS',
    transaction_id: trade.transaction_id ?? undefined,
    out_trade_no: trade.out_trade_no,
    out_refund_no: refund.out_refund_no,
    refund_id: refund.refund_id,
    refund_channel: '',
    refund_fee: refund.refund_fee,
    coupon_refund_fee: 0,
    total_fee: trade.total_fee,
    cash_fee: trade.total_fee,
    coupon_refund_count: 0,
    cash_refund_fee: refund.refund_fee,
  });
}

function decide(ctx: Ctx, raw: Buffer, cn: string, at: number): Decision {
  const m = ctx.merchant;
  const returnFailed = (xml: string): Decision => ({ xml, result: 'RETURN_FAIL', accepted: false });
  const parsed = parseRequest(raw);
  if ('fail' in parsed) return returnFailed(parsed.fail);
  const p: Params = parsed.params;
  // Another merchant's certificate, or a body naming another mch_id than the certificate: observed wording.
  if (cn !== m.mchId || p.mch_id !== cn) return returnFailed(returnFail('certificate not match'));
  const sig = checkSignature(p, m);
  if ('fail' in sig) return returnFailed(sig.fail);
  const signType = sig.signType;
  const fail = (code: string, des?: string): Decision => ({ xml: bizFail(m, signType, code, des), result: code, accepted: false });

  if (!p.appid) return fail('PARAM_ERROR', '缺少参数appid');
  if (p.appid !== m.appid) return fail('APPID_MCHID_NOT_MATCH');
  if (overRateLimit(ctx, at)) return fail('FREQUENCY_LIMITED');

  const missing = firstMissing(p, ['nonce_str', 'out_refund_no', 'total_fee', 'refund_fee']);
  if (missing) return fail('PARAM_ERROR', `缺少参数${missing}`);
  if (!p.transaction_id && !p.out_trade_no) return fail('PARAM_ERROR', 'transaction_id、out_trade_no至少填一个');
  if (!OUT_REFUND_NO.test(p.out_refund_no)) return fail('PARAM_ERROR', 'out_refund_no参数错误');
  const totalFee = positiveFen(p.total_fee);
  if (totalFee === null) return fail('PARAM_ERROR', 'total_fee参数错误');
  const refundFee = positiveFen(p.refund_fee);
  if (refundFee === null) return fail('PARAM_ERROR', 'refund_fee参数错误');
  if (refundFee > totalFee) return returnFailed(returnFail('invalid refund_fee')); // observed: a protocol-level FAIL
  if (p.refund_fee_type && p.refund_fee_type !== 'CNY') return fail('PARAM_ERROR', 'refund_fee_type参数错误');
  if (p.refund_desc !== undefined && (hasFourByteChars(p.refund_desc) || [...p.refund_desc].length > 80)) {
    return fail('PARAM_ERROR', 'refund_desc参数错误');
  }
  if (p.refund_account && !REFUND_ACCOUNTS.has(p.refund_account)) return fail('PARAM_ERROR', 'refund_account参数错误');
  if (p.notify_url && !validNotifyUrl(p.notify_url)) return fail('PARAM_ERROR', 'notify_url参数错误，不能携带参数');

  const d = decideRefund(ctx, {
    transactionId: p.transaction_id || undefined,
    outTradeNo: p.out_trade_no || undefined,
    outRefundNo: p.out_refund_no,
    totalFee,
    refundFee,
    refundAccount: p.refund_account || 'REFUND_SOURCE_UNSETTLED_FUNDS',
    notifyUrl: p.notify_url || null,
    via: V2,
    names: V2_NAMES,
  });
  // A fault may be armed in v3 words (SYSTEM_ERROR): answered in v2's (SYSTEMERROR).
  if (!d.accepted) return fail(v2Code(d.code), d.des);
  return { xml: acceptedAnswer(ctx, signType, d.trade, d.refund), result: 'SUCCESS', accepted: true };
}

export async function refundHandler(ctx: Ctx, req: IncomingMessage, res: ServerResponse, raw: Buffer): Promise<void> {
  const at = Date.now();
  const parsed = parseRequest(raw);
  const params = 'params' in parsed ? parsed.params : {};
  const outRefundNo = params.out_refund_no || null;
  const fee = loggedFee(params.refund_fee);
  const cn = clientCommonName(req);
  if (cn === null) {
    ctx.store.recordCall(at, outRefundNo, fee, 'NO_CERT');
    await waitBeforeAnswer(ctx);
    sendNoCertificate(res);
    return;
  }
  const callId = ctx.store.recordCall(at, outRefundNo, fee, 'PENDING');
  const decision = decide(ctx, raw, cn, at);
  ctx.store.setCallResult(callId, decision.result);
  if (decision.accepted) ctx.settler.wake();
  if (decision.accepted && ctx.faults.takeDropAfterAccept()) {
    ctx.log.warn({ outRefundNo }, 'sandbox fault: refund accepted, connection dropped without an answer');
    req.socket.destroy();
    return;
  }
  await waitBeforeAnswer(ctx, { refund: true });
  sendXml(res, decision.xml);
}
