// Refund err_code classification (docs/wechat-pay.md § Error classes): which are retried with the same out_refund_no.
import { describe, expect, it } from 'vitest';
import { classifyPayError, classifyRefundError } from '../../server/wechatpay/errors.ts';

describe('classifyRefundError', () => {
  it.each(['SYSTEMERROR', 'BIZERR_NEED_RETRY', 'FREQUENCY_LIMITED', 'NOTENOUGH', 'INVALID_REQ_TOO_MUCH', 'ORDER_NOT_READY'])(
    '%s is retryable',
    (code) => expect(classifyRefundError(code)).toBe('retryable'),
  );
  it.each([
    'TRADE_OVERDUE', 'ERROR', 'USER_ACCOUNT_ABNORMAL', 'INVALID_TRANSACTIONID', 'PARAM_ERROR', 'APPID_NOT_EXIST',
    'MCHID_NOT_EXIST', 'ORDERNOTEXIST', 'REQUIRE_POST_METHOD', 'SIGNERROR', 'XML_FORMAT_ERROR', 'NOAUTH', 'CERT_ERROR',
    'REFUND_FEE_MISMATCH', 'INVALID_REQUEST', 'SOMETHING_NEW', '', 'systemerror',
  ])('%s is final', (code) => expect(classifyRefundError(code)).toBe('final'));
});

describe('classifyPayError', () => {
  it('retries only WeChat-side busy codes; NOTENOUGH is the buyer being short', () => {
    expect(classifyPayError('SYSTEMERROR')).toBe('retryable');
    expect(classifyPayError('NOTENOUGH')).toBe('final');
    expect(classifyPayError('ORDERPAID')).toBe('final');
  });
});
