// The platform SDK's pure parts: masked phones, upload_time, the shipping and subscribe bodies, carriers, errcode classes.
import { describe, expect, it } from 'vitest';
import { CARRIERS, carrierByCode, carrierName } from '../../server/wechat/carriers.ts';
import { isRetryableErrcode, isRetryableStatus } from '../../server/wechat/platform/errors.ts';
import {
  fitItemDesc,
  formatUploadTime,
  isMaskedContact,
  itemDesc,
  maskPhone,
  shippingUploadBody,
  type ShippingUpload,
} from '../../server/wechat/platform/shipping.ts';
import {
  fitSubscribeValue,
  subscribeAmount,
  subscribeMessageBody,
  subscribeTime,
  valueKind,
} from '../../server/wechat/platform/subscribe.ts';

describe('maskPhone', () => {
  it.each([
    ['13800000000', '138****0000'],
    ['138 0000 0000', '138****0000'],
    ['+86 138-0000-0000', '138****0000'],
    ['008613800000000', '138****0000'],
    ['021-12345678', '021****5678'], // 11 digits with the area code
    ['075512345678', '075*****5678'],
    ['8765 4321', '****4321'], // short: only the last 4 stay
    ['1234', '****1234'],
    ['12', '****12'],
    ['', ''],
    ['call me', ''],
  ])('%j → %j', (phone, masked) => {
    expect(maskPhone(phone)).toBe(masked);
  });

  it('always leaves the last 4 digits readable and hides something', () => {
    for (const phone of ['13912345678', '02112345678', '87654321', '1234', '075512345678']) {
      const m = maskPhone(phone);
      expect(isMaskedContact(m), m).toBe(true);
      expect(m.endsWith(phone.slice(-4))).toBe(true);
    }
  });
});

describe('formatUploadTime', () => {
  it('writes RFC 3339 in Beijing time with milliseconds', () => {
    expect(formatUploadTime(new Date('2026-12-01T12:05:03.120Z'))).toBe('2026-12-01T20:05:03.120+08:00');
    expect(formatUploadTime(new Date('2026-12-31T16:00:00.005Z'))).toBe('2027-01-01T00:00:00.005+08:00');
  });

  it('is the same instant, whatever the process time zone', () => {
    const at = new Date('2024-02-29T23:59:59.999Z');
    const s = formatUploadTime(at);
    expect(s).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+08:00$/);
    expect(Date.parse(s)).toBe(at.getTime());
  });

  it('refuses an invalid date', () => {
    expect(() => formatUploadTime(new Date('nope'))).toThrow(TypeError);
  });
});

describe('item_desc', () => {
  it('keeps 120 characters, and cuts a longer one to 120 ending in …', () => {
    const exact = '货'.repeat(120);
    expect(fitItemDesc(exact)).toBe(exact);
    const cut = fitItemDesc('货'.repeat(121));
    expect([...cut]).toHaveLength(120);
    expect(cut.endsWith('…')).toBe(true);
  });

  it('counts characters, not UTF-16 units: an emoji is never cut in half', () => {
    const cut = fitItemDesc('🍌'.repeat(130));
    expect([...cut]).toHaveLength(120);
    expect(cut).toBe(`${'🍌'.repeat(119)}…`);
  });

  it('folds white space and control characters', () => {
    expect(fitItemDesc('  茶叶\n\t礼盒\u0000 *1  ')).toBe('茶叶 礼盒 *1');
  });

  it('is built from the order lines as name*quantity joined by ；', () => {
    expect(itemDesc([{ name: '微信气泡狗零钱包', quantity: 1 }, { name: '胸针', quantity: 2 }])).toBe('微信气泡狗零钱包*1；胸针*2');
    expect([...itemDesc(Array.from({ length: 30 }, (_, i) => ({ name: `商品${i}`, quantity: 1 })))]).toHaveLength(120);
  });
});

describe('the upload_shipping_info body', () => {
  const upload: ShippingUpload = {
    transactionId: '4200000001202612013456789012',
    openid: 'oBuyer0001',
    expressCompany: 'SF',
    trackingNo: ' SF1234567890 ',
    itemDesc: '茶叶*2',
    receiverContact: maskPhone('13800000000'),
    uploadTime: new Date('2026-12-01T12:05:03.120Z'),
  };

  it('is exactly what WeChat documents for one express parcel', () => {
    expect(shippingUploadBody(upload)).toEqual({
      order_key: { order_number_type: 2, transaction_id: '4200000001202612013456789012' },
      logistics_type: 1,
      delivery_mode: 1,
      shipping_list: [{ tracking_no: 'SF1234567890', express_company: 'SF', item_desc: '茶叶*2', contact: { receiver_contact: '138****0000' } }],
      upload_time: '2026-12-01T20:05:03.120+08:00',
      payer: { openid: 'oBuyer0001' },
    });
  });

  it('leaves the contact out when none is given (allowed except for SF), and takes now by default', () => {
    const now = new Date('2026-01-01T00:00:00.000Z');
    const body = shippingUploadBody({ ...upload, expressCompany: 'ZTO', receiverContact: undefined, uploadTime: undefined }, now);
    expect(body.shipping_list[0]).toEqual({ tracking_no: 'SF1234567890', express_company: 'ZTO', item_desc: '茶叶*2' });
    expect(body.upload_time).toBe('2026-01-01T08:00:00.000+08:00');
  });

  it('fits a long item_desc rather than letting WeChat refuse it', () => {
    expect([...shippingUploadBody({ ...upload, itemDesc: 'x'.repeat(300) }).shipping_list[0].item_desc]).toHaveLength(120);
  });

  it.each([
    [{ expressCompany: 'SF', receiverContact: undefined }, /requires/],
    [{ expressCompany: 'sf' }, /express company code/],
    [{ expressCompany: 'NOPE' }, /express company code/],
    [{ receiverContact: '13800000000' }, /masked/],
    [{ transactionId: '  ' }, /transactionId/],
    [{ openid: '' }, /openid/],
    [{ trackingNo: '' }, /trackingNo/],
    [{ trackingNo: 'x'.repeat(129) }, /trackingNo/],
    [{ itemDesc: ' \n ' }, /itemDesc/],
  ] as const)('refuses %j before anything is sent', (change, message) => {
    expect(() => shippingUploadBody({ ...upload, ...change })).toThrow(message);
  });
});

describe('carriers', () => {
  it('has WeChat’s codes and names for the common carriers', () => {
    const expected: Record<string, string> = {
      SF: '顺丰速运',
      ZTO: '中通快递',
      YTO: '圆通速递',
      STO: '申通快递',
      YD: '韵达速递',
      JTSD: '极兔速递',
      EMS: 'EMS',
      JD: '京东物流',
    };
    for (const [code, name] of Object.entries(expected)) expect(carrierName(code), code).toBe(name);
    expect(new Set(CARRIERS.map((c) => c.code)).size).toBe(CARRIERS.length);
  });

  it('matches codes exactly, and only SF needs a contact', () => {
    expect(carrierByCode('sf')).toBeUndefined();
    expect(carrierName('NOPE')).toBeUndefined();
    expect(CARRIERS.filter((c) => c.contactRequired).map((c) => c.code)).toEqual(['SF']);
  });
});

describe('subscribe message values', () => {
  it('reads the kind from the key', () => {
    expect(valueKind('thing1')).toBe('thing');
    expect(valueKind('character_string12')).toBe('character_string');
    expect(valueKind('thing')).toBeUndefined();
    expect(valueKind('weird3')).toBeUndefined();
  });

  it('cuts prose to its limit, never in the middle of a character', () => {
    expect(fitSubscribeValue('thing1', '短')).toBe('短');
    const thing = fitSubscribeValue('thing1', '您购买的商品已经由顺丰速运发出请注意查收谢谢惠顾');
    expect([...thing]).toHaveLength(20);
    expect(thing.endsWith('…')).toBe(true);
    expect(fitSubscribeValue('thing2', '🍌'.repeat(25))).toBe(`${'🍌'.repeat(19)}…`);
    expect(fitSubscribeValue('phrase3', '已经发货了呢啊')).toBe('已经发货了');
    expect(fitSubscribeValue('name4', '张三李四王五赵六钱七孙八')).toBe('张三李四王五赵六钱七');
    expect(fitSubscribeValue('name5', 'A'.repeat(25))).toBe('A'.repeat(20));
  });

  it('never cuts a value whose meaning a cut would change', () => {
    expect(fitSubscribeValue('character_string1', 'M20261201200503ABCDEFGHIJ')).toBe('M20261201200503ABCDEFGHIJ');
    expect(() => fitSubscribeValue('character_string1', 'X'.repeat(33))).toThrow(TypeError);
    expect(() => fitSubscribeValue('number2', '1'.repeat(33))).toThrow(TypeError);
    expect(() => fitSubscribeValue('amount3', '¥12345678901')).toThrow(TypeError);
    expect(() => fitSubscribeValue('unknown4', 'x')).toThrow(TypeError);
  });

  it('formats amounts from fen and times in Beijing time', () => {
    expect(subscribeAmount(1234)).toBe('¥12.34');
    expect(subscribeAmount(5)).toBe('¥0.05');
    expect(subscribeAmount(100)).toBe('¥1.00');
    expect(() => subscribeAmount(1.5)).toThrow(TypeError);
    expect(subscribeTime(new Date('2026-12-01T12:05:03.120Z'))).toBe('2026年12月1日 20:05');
    expect(fitSubscribeValue('amount1', subscribeAmount(9_999_999_999))).toBe('¥99999999.99');
  });

  it('builds the subscribe/send body', () => {
    expect(
      subscribeMessageBody({
        touser: 'oBuyer0001',
        templateId: 'TPL_shipped-1',
        page: 'pages/order-detail/index?orderNo=M1',
        data: { thing1: '茶叶礼盒', character_string2: 'SF1234567890', time3: '2026年12月1日 20:05' },
        miniprogramState: 'formal',
      }),
    ).toEqual({
      touser: 'oBuyer0001',
      template_id: 'TPL_shipped-1',
      page: 'pages/order-detail/index?orderNo=M1',
      data: { thing1: { value: '茶叶礼盒' }, character_string2: { value: 'SF1234567890' }, time3: { value: '2026年12月1日 20:05' } },
      miniprogram_state: 'formal',
    });
    expect(() => subscribeMessageBody({ touser: '', templateId: 'T', data: { thing1: 'x' } })).toThrow(TypeError);
    expect(() => subscribeMessageBody({ touser: 'o', templateId: 'T', data: {} })).toThrow(TypeError);
  });
});

describe('errcode classes', () => {
  it('retries busy, quota, system-error and token codes; everything else is final', () => {
    for (const n of [-1, 45009, 45011, 10060012, 10060019, 40001, 42001, 40014]) expect(isRetryableErrcode(n), String(n)).toBe(true);
    for (const n of [43101, 40003, 40037, 47001, 47003, 40013, 40125, 10060001, 10060002, 10060003, 10060004, 10060031, 268485216, 99999]) {
      expect(isRetryableErrcode(n), String(n)).toBe(false);
    }
  });

  it('retries HTTP 5xx and 429, not other statuses', () => {
    expect([500, 502, 503, 429].map(isRetryableStatus)).toEqual([true, true, true, true]);
    expect([400, 403, 404].map(isRetryableStatus)).toEqual([false, false, false]);
  });
});
