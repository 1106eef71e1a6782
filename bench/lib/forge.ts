// Refund notifications as WeChat Pay sends them (APIv2, docs/wechat-pay.md § Notifications), forged beforehand
// with the sandbox merchant's real API key so that the load measures only the server's work. Written here
// from the protocol, not imported from the server: the bench also measures other trees (BENCH_TARGET).
import { createCipheriv, createHash, randomBytes } from 'node:crypto';

export interface MerchantKeys {
  appid: string;
  mchId: string;
  apiKey: string;
}

/** req_info: AES-256-ECB, PKCS#7, the key being the 32 ASCII characters of md5hex(API key), base64. */
function encryptReqInfo(plainXml: string, apiKey: string): string {
  const key = Buffer.from(createHash('md5').update(apiKey, 'utf8').digest('hex'), 'ascii');
  const cipher = createCipheriv('aes-256-ecb', key, null);
  return Buffer.concat([cipher.update(plainXml, 'utf8'), cipher.final()]).toString('base64');
}

const cdata = (s: string | number) => (/^\d+$/.test(String(s)) ? String(s) : `<![CDATA[${String(s)}]]>`);

function xml(root: string, fields: Record<string, string | number>): string {
  return `<${root}>${Object.entries(fields).map(([k, v]) => `<${k}>${cdata(v)}</${k}>`).join('')}</${root}>`;
}

let seq = 0;

/** A SUCCESS refund notification for one refund, as WeChat would send it once the money is back. */
export function refundNotification(m: MerchantKeys, p: { outRefundNo: string; outTradeNo: string; totalFee: number; refundFee: number }): string {
  seq += 1;
  const info = xml('root', {
    out_refund_no: p.outRefundNo,
    out_trade_no: p.outTradeNo,
    refund_account: 'REFUND_SOURCE_UNSETTLED_FUNDS',
    refund_fee: p.refundFee,
    refund_id: `5030${Date.now()}${String(seq).padStart(8, '0')}`,
    refund_recv_accout: '支付用户零钱',
    refund_request_source: 'API',
    refund_status: 'SUCCESS',
    settlement_refund_fee: p.refundFee,
    settlement_total_fee: p.totalFee,
    success_time: '2026-11-22 12:00:00',
    total_fee: p.totalFee,
    transaction_id: `4200${Date.now()}${String(seq).padStart(8, '0')}`,
  });
  return xml('xml', { return_code: 'SUCCESS', appid: m.appid, mch_id: m.mchId, nonce_str: randomBytes(16).toString('hex'), req_info: encryptReqInfo(info, m.apiKey) });
}
