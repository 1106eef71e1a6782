// The delivery address on the client: WeChat's own picker (wx.chooseAddress) mapped to ours, the server's
// checks repeated here so the buyer reads a Chinese message instead of a refused order, and the last address
// kept in wx storage for the next order.
import type { Address } from '../api/types';

export const LAST_ADDRESS_KEY = 'wxmall_last_address';

export type AddressField = keyof Address;
export type AddressErrors = Partial<Record<AddressField, string>>;

export interface AddressFieldView {
  key: AddressField;
  label: string;
  placeholder: string;
  type: 'text' | 'number';
}

/** The hand-typed form's fields, in the order the form shows them. */
export const ADDRESS_FIELDS: readonly AddressFieldView[] = [
  { key: 'name', label: '收货人', placeholder: '姓名', type: 'text' },
  { key: 'phone', label: '手机号码', placeholder: '11 位手机号', type: 'number' },
  { key: 'province', label: '省份', placeholder: '如 广东省', type: 'text' },
  { key: 'city', label: '城市', placeholder: '如 广州市', type: 'text' },
  { key: 'district', label: '区县', placeholder: '如 海珠区', type: 'text' },
  { key: 'detail', label: '详细地址', placeholder: '街道、门牌号', type: 'text' },
];

// The server's limits (each field 1–100 characters, phone 5–20 of [0-9+-]); length counted as the server does.
export const ADDRESS_MAX_LENGTH = 100;
const PHONE_PATTERN = /^[0-9+-]{5,20}$/;

export function emptyAddress(): Address {
  return { name: '', phone: '', province: '', city: '', district: '', detail: '' };
}

/** Trimmed; the phone also loses inner spaces, since numbers are often pasted as '138 0000 0000'. */
export function normalizeAddress(a: Address): Address {
  return {
    name: a.name.trim(),
    phone: a.phone.replace(/\s+/g, ''),
    province: a.province.trim(),
    city: a.city.trim(),
    district: a.district.trim(),
    detail: a.detail.trim(),
  };
}

/** One message per wrong field (none when the server would take it); pass a normalized address. */
export function validateAddress(a: Address): AddressErrors {
  const errors: AddressErrors = {};
  for (const { key, label } of ADDRESS_FIELDS) {
    const value = a[key];
    if (!value) errors[key] = `请填写${label}`;
    else if (value.length > ADDRESS_MAX_LENGTH) errors[key] = `${label}最多 ${ADDRESS_MAX_LENGTH} 个字`;
  }
  if (!errors.phone && !PHONE_PATTERN.test(a.phone)) errors.phone = '手机号码应为 5–20 位数字，可含 + 或 -';
  return errors;
}

export function firstError(errors: AddressErrors): string {
  for (const { key } of ADDRESS_FIELDS) {
    const message = errors[key];
    if (message) return message;
  }
  return '';
}

/** '广东省 广州市 海珠区 新港中路 397 号'; a municipality's city repeating its province (北京市 北京市) is said once. */
export function addressText(a: Address): string {
  const parts = [a.province, a.city === a.province ? '' : a.city, a.district, a.detail];
  return parts.filter((p) => p).join(' ');
}

export function fromWechatAddress(res: WechatMiniprogram.ChooseAddressSuccessCallbackResult): Address {
  return normalizeAddress({
    name: res.userName ?? '',
    phone: res.telNumber ?? '',
    province: res.provinceName ?? '',
    city: res.cityName ?? '',
    district: res.countyName ?? '',
    detail: res.detailInfo ?? '',
  });
}

function isAddress(value: unknown): value is Address {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return ADDRESS_FIELDS.every(({ key }) => typeof v[key] === 'string');
}

/** The address of the last order, or null (none yet, or something this build cannot use). */
export function loadLastAddress(): Address | null {
  const stored: unknown = wx.getStorageSync(LAST_ADDRESS_KEY);
  if (!isAddress(stored)) return null;
  const address = normalizeAddress(stored);
  return firstError(validateAddress(address)) ? null : address;
}

export function saveLastAddress(a: Address): void {
  wx.setStorageSync(LAST_ADDRESS_KEY, a);
}

export type WechatAddressResult =
  | { kind: 'chosen'; address: Address }
  | { kind: 'cancelled' }
  /** Refused permission, privacy not agreed, or no such API here (some simulators): the buyer types it instead. */
  | { kind: 'unavailable'; errMsg: string };

export function chooseWechatAddress(): Promise<WechatAddressResult> {
  return new Promise((resolve) => {
    const unavailable = (errMsg: string) => resolve({ kind: 'unavailable', errMsg });
    if (typeof wx.chooseAddress !== 'function') {
      unavailable('chooseAddress:fail not supported');
      return;
    }
    try {
      wx.chooseAddress({
        success: (res) => resolve({ kind: 'chosen', address: fromWechatAddress(res) }),
        // Only closing the picker is a plain cancel; 'fail auth deny' and the privacy refusals are not.
        fail: (err) => (/:fail cancel$/.test(err.errMsg) ? resolve({ kind: 'cancelled' }) : unavailable(err.errMsg)),
      });
    } catch (err) {
      unavailable(String(err));
    }
  });
}
