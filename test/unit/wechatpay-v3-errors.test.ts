// APIv3 failure classification (HTTP status + code): which are retried with the same request, which need a person.
import { describe, expect, it } from 'vitest';
import { classifyV3Error, parseV3ErrorBody } from '../../server/wechatpay-v3/errors.ts';

describe('classifyV3Error', () => {
  it.each([
    [null, null, 'no answer at all: timeout or connection failure'],
    [500, 'SYSTEM_ERROR', 'WeChat-side failure'],
    [502, null, 'a gateway page without a JSON body'],
    [503, 'SOMETHING_NEW', 'any 5xx, whatever the code'],
    [429, 'FREQUENCY_LIMITED', 'rate limited'],
    [429, null, 'rate limited without a body'],
    [403, 'NOT_ENOUGH', "the merchant's balance is short"],
    [400, 'SYSTEM_ERROR', 'SYSTEM_ERROR under any status'],
  ] as const)('%s %s is retryable (%s)', (status, code, _why) => expect(classifyV3Error(status, code)).toBe('retryable'));

  it.each([
    [400, 'PARAM_ERROR'],
    [400, 'INVALID_REQUEST'],
    [401, 'SIGN_ERROR'],
    [403, 'NO_AUTH'],
    [403, 'USER_ACCOUNT_ABNORMAL'],
    [403, 'RULE_LIMIT'],
    [404, 'RESOURCE_NOT_EXISTS'],
    [404, 'MCH_NOT_EXISTS'],
    [404, null],
    [400, 'SOMETHING_NEW'],
    [403, 'not_enough'],
    [302, null],
  ] as const)('%s %s is final', (status, code) => expect(classifyV3Error(status, code)).toBe('final'));
});

describe('parseV3ErrorBody', () => {
  it('reads code, message and detail; anything else is null', () => {
    expect(parseV3ErrorBody('{"code":"PARAM_ERROR","message":"参数错误","detail":{"field":"/amount/refund"}}')).toEqual({
      code: 'PARAM_ERROR',
      message: '参数错误',
      detail: { field: '/amount/refund' },
    });
    expect(parseV3ErrorBody(Buffer.from('{"code":"SYSTEM_ERROR"}'))).toEqual({ code: 'SYSTEM_ERROR', message: '' });
    for (const body of ['<html>502 Bad Gateway</html>', '', 'null', '[]', '{"message":"x"}', '{"code":""}']) {
      expect(parseV3ErrorBody(body)).toBeNull();
    }
  });
});
