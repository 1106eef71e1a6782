// The carriers a buyer can send a return with, by WeChat's express company codes (the server refuses any
// other code), and the tracking number checked as the server checks it.

export interface Carrier {
  code: string;
  name: string;
}

/** The common ones, in the order buyers look for them; the server knows these codes. */
export const RETURN_CARRIERS: readonly Carrier[] = [
  { code: 'SF', name: '顺丰速运' },
  { code: 'ZTO', name: '中通快递' },
  { code: 'YTO', name: '圆通速递' },
  { code: 'STO', name: '申通快递' },
  { code: 'YD', name: '韵达速递' },
  { code: 'JTSD', name: '极兔速递' },
  { code: 'EMS', name: 'EMS' },
  { code: 'JD', name: '京东物流' },
];

const TRACKING_PATTERN = /^[0-9A-Za-z-]{1,64}$/;

/** Numbers are often pasted with spaces ('SF 1234 5678'): they go; nothing else is changed. */
export function normalizeTrackingNo(input: string): string {
  return input.replace(/\s+/g, '');
}

/** '' when the server would take it; pass a normalized number. */
export function trackingNoError(trackingNo: string): string {
  if (!trackingNo) return '请填写快递单号';
  if (!TRACKING_PATTERN.test(trackingNo)) return '快递单号只能包含字母、数字和 -，最多 64 位';
  return '';
}
