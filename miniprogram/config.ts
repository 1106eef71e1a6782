// Where the mini-program finds the wx-mall server.
//
// The default is a sandbox server started with `npm start` on the same machine. WeChat only lets a
// mini-program call https domains registered on mp.weixin.qq.com, so DevTools must have
// 详情 → 本地设置 → 不校验合法域名、web-view（业务域名）、TLS 版本以及 HTTPS 证书 checked
// (project.config.json already sets `urlCheck: false`, which is that box). On a real phone
// (预览/真机调试) 127.0.0.1 is the phone itself: use the computer's LAN address instead.
// A release build must point at the merchant's registered https domain.

export const DEFAULT_API_BASE_URL = 'http://127.0.0.1:3000';

let apiBaseUrl = DEFAULT_API_BASE_URL;

export function getApiBaseUrl(): string {
  return apiBaseUrl;
}

// Tests and debug builds point the service layer at another server (a random test port, a LAN IP).
export function setApiBaseUrl(url: string): void {
  apiBaseUrl = url.replace(/\/+$/, '');
}

/** A URL the server gave (an upload is `/api/uploads/<id>`) as one an <image> or wx.previewImage can load. */
export function absoluteUrl(url: string): string {
  if (/^https?:\/\//i.test(url)) return url;
  return url.startsWith('/') ? apiBaseUrl + url : url;
}
