// req_info AES-256-ECB against the published refund-notify vector V6 and the self-made round-trip vector V7.
import { describe, expect, it } from 'vitest';
import { ReqInfoError, decryptReqInfo, encryptReqInfo } from '../../server/wechatpay/crypto.ts';
import { parseXml } from '../../server/wechatpay/xml.ts';
import { V6_KEY, V6_REQ_INFO } from '../fixtures/wechatpay/vectors.ts';

const V7_KEY = '192006250b4c09247ec02edce69f6a2d';
const V7_PLAIN =
  '<root><out_refund_no><![CDATA[RF20240101001]]></out_refund_no><refund_fee><![CDATA[300]]></refund_fee><refund_recv_accout><![CDATA[支付用户零钱]]></refund_recv_accout><refund_status><![CDATA[SUCCESS]]></refund_status></root>';
const V7_REQ_INFO =
  'WBzGpzQuNpcFxIlFjUUD9FS4tLqEQ5H8bdh90ek2njPLgOZBj3QBaMywiq4tBS1leBRC9hnhcJQBqpa7mPyGkEsDy18VpiUHTzhs9z/Dhei02tysoIbAx2jn1BAm2YhTrCIrpsUYfEoB9kN6EbL3P/9g8UtUZ7w9hHVCxxSSizUgODmVgVibMQ+O5C+0a49byMM5z387jtcXpgKaOvfDUBUvDb+UfxK2TpL62HEMkuQWJY9B0igfoCnYyXITGqnfecUouhl1uI6caGm+e9Qv7DnCq/3u0Vi9bOYklLhFPAJiLozCdYds5DTd3H5JKlqQ';

describe('req_info', () => {
  it('V6 (published real notification) decrypts to the listed fields', () => {
    const plain = decryptReqInfo(V6_REQ_INFO, V6_KEY);
    expect(plain.startsWith('<root>')).toBe(true);
    expect(parseXml(plain, { root: 'root' })).toEqual({
      out_refund_no: '50fd012ed1b311e7af7800163e32c503',
      out_trade_no: '4893e76d8c8b434cb64e9cd536338e33',
      refund_account: 'REFUND_SOURCE_RECHARGE_FUNDS',
      refund_fee: '6',
      refund_id: '50000404922017112502468056157',
      refund_recv_accout: '支付用户零钱',
      refund_request_source: 'API',
      refund_status: 'SUCCESS',
      settlement_refund_fee: '6',
      settlement_total_fee: '6',
      success_time: '2017-11-25 15:36:17',
      total_fee: '6',
      transaction_id: '4200000015201711256947025404',
    });
  });
  it('V7 encrypts to the identical base64 and decrypts back', () => {
    expect(encryptReqInfo(V7_PLAIN, V7_KEY)).toBe(V7_REQ_INFO);
    expect(decryptReqInfo(V7_REQ_INFO, V7_KEY)).toBe(V7_PLAIN);
  });
  it('refuses another key, non-base64 and partial blocks', () => {
    expect(() => decryptReqInfo(V7_REQ_INFO, V6_KEY)).toThrow(ReqInfoError);
    expect(() => decryptReqInfo('not base64!', V7_KEY)).toThrow(ReqInfoError);
    expect(() => decryptReqInfo('AAAA', V7_KEY)).toThrow(ReqInfoError);
    expect(() => decryptReqInfo('', V7_KEY)).toThrow(ReqInfoError);
  });
});
