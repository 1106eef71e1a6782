// WeChat's flat XML: CDATA, numbers kept as strings, and every hostile shape refused.
import { describe, expect, it } from 'vitest';
import { XmlError, parseXml, toXml } from '../../server/wechatpay/xml.ts';

describe('parseXml', () => {
  it('reads CDATA and plain values, keeping numbers as strings', () => {
    const xml = '<xml><return_code><![CDATA[SUCCESS]]></return_code><total_fee>0100</total_fee><empty></empty><e2/></xml>';
    expect(parseXml(xml)).toEqual({ return_code: 'SUCCESS', total_fee: '0100', empty: '', e2: '' });
  });
  it('keeps whitespace inside values (signatures are over raw values)', () => {
    expect(parseXml('<xml><a><![CDATA[ x ]]></a></xml>').a).toBe(' x ');
  });
  it('accepts a declaration, newlines between fields, and a Buffer', () => {
    expect(parseXml(Buffer.from('<?xml version="1.0" encoding="UTF-8"?>\n<xml>\n<a>1</a>\n<b><![CDATA[中文]]></b>\n</xml>\n'))).toEqual({
      a: '1',
      b: '中文',
    });
  });
  it('decodes the five XML entities only', () => {
    expect(parseXml('<xml><a>a&amp;b&lt;c</a></xml>').a).toBe('a&b<c');
  });
  it('refuses DOCTYPE / entity declarations', () => {
    expect(() => parseXml('<!DOCTYPE xml [<!ENTITY x "boom">]><xml><a>&x;</a></xml>')).toThrow(XmlError);
    expect(() => parseXml('<?xml version="1.0"?><!DOCTYPE foo SYSTEM "file:///etc/passwd"><xml><a>1</a></xml>')).toThrow(XmlError);
  });
  it('refuses nesting', () => expect(() => parseXml('<xml><a><b>1</b></a></xml>')).toThrow(/nested/));
  it('refuses a repeated field', () => expect(() => parseXml('<xml><a>1</a><a>2</a></xml>')).toThrow(/repeated/));
  it('refuses another root and two roots', () => {
    expect(() => parseXml('<root><a>1</a></root>')).toThrow(XmlError);
    expect(parseXml('<root><a>1</a></root>', { root: 'root' })).toEqual({ a: '1' });
    expect(() => parseXml('<xml><a>1</a></xml><xml></xml>')).toThrow(XmlError);
  });
  it('refuses more than the size limit', () => {
    const big = `<xml><a>${'x'.repeat(70 * 1024)}</a></xml>`;
    expect(() => parseXml(big)).toThrow(/larger/);
    expect(() => parseXml('<xml><a>12345</a></xml>', { maxBytes: 10 })).toThrow(/larger/);
  });
  it('refuses invalid UTF-8 and empty input', () => {
    expect(() => parseXml(Buffer.from([0x3c, 0x78, 0x6d, 0x6c, 0x3e, 0xff, 0xfe, 0x3c, 0x2f, 0x78, 0x6d, 0x6c, 0x3e]))).toThrow(/UTF-8/);
    expect(() => parseXml('')).toThrow(XmlError);
  });
  it('refuses unbalanced or unterminated markup', () => {
    expect(() => parseXml('<xml><a>1</a>')).toThrow(XmlError);
    expect(() => parseXml('<xml><a><![CDATA[1</a></xml>')).toThrow(XmlError);
  });
});

describe('toXml', () => {
  it('writes digits bare and text in CDATA', () => {
    expect(toXml({ return_code: 'SUCCESS', total_fee: 100, skip: undefined })).toBe(
      '<xml><return_code><![CDATA[SUCCESS]]></return_code><total_fee>100</total_fee></xml>',
    );
  });
  it('round-trips values containing ]]>, <, & and Chinese', () => {
    const fields = { a: 'x]]>y', b: '<b>&amp;', c: '商品退货', d: '0100' };
    expect(parseXml(toXml(fields))).toEqual(fields);
  });
  it('refuses unsafe field names', () => expect(() => toXml({ 'a><b': '1' })).toThrow(XmlError));
});
