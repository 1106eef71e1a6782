// The bodies WeChat POSTs to notify_url: the signed pay result and the encrypted refund result (docs/wechat-pay.md § Notifications).
import { encryptReqInfo } from '../wechatpay/crypto.ts';
import { nonceStr, sign, type SignType } from '../wechatpay/sign.ts';
import { toXml } from '../wechatpay/xml.ts';
import type { RefundRow, TradeRow } from './store.ts';
import type { SandboxMerchant } from './types.ts';

export function payNotificationXml(merchant: SandboxMerchant, trade: TradeRow): string {
  const signType: SignType = trade.sign_type === 'HMAC-SHA256' ? 'HMAC-SHA256' : 'MD5';
  // Alphabetical, as WeChat's own notifications come.
  const fields: Record<string, string | number | undefined> = {
    appid: trade.appid,
    attach: trade.attach ?? undefined,
    bank_type: 'OTHERS',
    cash_fee: trade.total_fee,
    device_info: trade.device_info ?? undefined,
    fee_type: trade.fee_type,
    is_subscribe: 'N',
    mch_id: trade.mch_id,
    nonce_str: nonceStr(),
    openid: trade.openid ?? undefined,
    out_trade_no: trade.out_trade_no,
    result_code: 'SUCCESS',
    return_code: 'SUCCESS',
    sign_type: signType === 'HMAC-SHA256' ? signType : undefined,
    time_end: trade.time_end ?? undefined,
    total_fee: trade.total_fee,
    trade_type: trade.trade_type,
    transaction_id: trade.transaction_id ?? undefined,
  };
  return toXml({ ...fields, sign: sign(fields, merchant.apiKey, signType) });
}

/** The decrypted `req_info`: `<root>`, one CDATA element per line, alphabetical: byte-for-byte WeChat's layout. */
export function refundInfoXml(trade: TradeRow, refund: RefundRow): string {
  const fields: Record<string, string | number | undefined> = {
    out_refund_no: refund.out_refund_no,
    out_trade_no: trade.out_trade_no,
    refund_account: refund.refund_account,
    refund_fee: refund.refund_fee,
    refund_id: refund.refund_id,
    refund_recv_accout: refund.received_account ?? '支付用户零钱', // sic: WeChat's spelling
    refund_request_source: refund.source,
    refund_status: refund.status,
    settlement_refund_fee: refund.refund_fee,
    settlement_total_fee: trade.total_fee,
    success_time: refund.success_time ?? undefined, // only for SUCCESS
    total_fee: trade.total_fee,
    transaction_id: trade.transaction_id ?? undefined,
  };
  let out = '<root>\n';
  for (const [k, v] of Object.entries(fields)) {
    if (v !== undefined) out += `<${k}><![CDATA[${String(v)}]]></${k}>\n`;
  }
  return `${out}</root>`;
}

/** Outer envelope: no sign (WeChat sends none); authenticity is that req_info decrypts with the API key. */
export function refundNotificationXml(merchant: SandboxMerchant, trade: TradeRow, refund: RefundRow): string {
  return toXml({
    return_code: 'SUCCESS',
    appid: trade.appid,
    mch_id: trade.mch_id,
    nonce_str: nonceStr(),
    req_info: encryptReqInfo(refundInfoXml(trade, refund), merchant.apiKey),
  });
}
