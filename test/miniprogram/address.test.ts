// utils/address: WeChat's picker fields mapped to ours, the server's checks, the address as one line.
import { describe, it, expect } from 'vitest';
import { WECHAT_ADDRESS } from './support/wx-stub';
import { ADDRESS } from './support/fixtures';
import { addressText, firstError, fromWechatAddress, normalizeAddress, validateAddress } from '../../miniprogram/utils/address';

describe('delivery address', () => {
  it('maps wx.chooseAddress’s fields to ours', () => {
    expect(fromWechatAddress({ errMsg: 'chooseAddress:ok', ...WECHAT_ADDRESS })).toEqual({
      name: '李四',
      phone: '020-81167888',
      province: '广东省',
      city: '广州市',
      district: '天河区',
      detail: '天河路 385 号',
    });
  });

  it('accepts what the server accepts, at the limits', () => {
    expect(validateAddress(ADDRESS)).toEqual({});
    expect(validateAddress({ ...ADDRESS, phone: '12345', detail: '很'.repeat(100) })).toEqual({});
    expect(validateAddress({ ...ADDRESS, phone: '+86-1'.padEnd(20, '0') })).toEqual({});
  });

  it.each([['1234'], ['1'.repeat(21)], ['138 0000'], ['138abc00000'], ['（020）8116']])('refuses the phone %j', (phone) => {
    expect(validateAddress({ ...ADDRESS, phone }).phone).toBe('手机号码应为 5–20 位数字，可含 + 或 -');
  });

  it('names the first missing or too long field', () => {
    const errors = validateAddress({ ...ADDRESS, city: '', detail: '很'.repeat(101) });
    expect(errors).toEqual({ city: '请填写城市', detail: '详细地址最多 100 个字' });
    expect(firstError(errors)).toBe('请填写城市');
  });

  it('trims every field and drops the spaces inside a phone number', () => {
    expect(normalizeAddress({ ...ADDRESS, name: ' 张三 ', phone: ' 138 0000 0000 ' })).toEqual(ADDRESS);
    expect(validateAddress(normalizeAddress({ ...ADDRESS, name: '   ' })).name).toBe('请填写收货人');
  });

  it('reads as one line, a municipality named once', () => {
    expect(addressText(ADDRESS)).toBe('广东省 广州市 海珠区 新港中路 397 号');
    expect(addressText({ ...ADDRESS, province: '北京市', city: '北京市', district: '朝阳区', detail: '建国路 1 号' })).toBe('北京市 朝阳区 建国路 1 号');
  });
});
