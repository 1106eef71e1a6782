// The buyer's session: a bearer token kept in wx storage (the mini-program convention; it survives restarts)
// and a silent login through wx.login when there is none. Concurrent callers share one login.
import { login } from './auth';
import { ApiError, ERROR_MESSAGES } from './errors';

export const TOKEN_KEY = 'wxmall_token';
export const TOKEN_EXPIRES_KEY = 'wxmall_token_expires_at';

// Log in again a little before the server would refuse the token, rather than paying for a 401.
const EXPIRY_MARGIN_MS = 60 * 1000;

let loginInFlight: Promise<string> | null = null;

export function getToken(): string {
  const token = wx.getStorageSync(TOKEN_KEY);
  if (typeof token !== 'string' || !token) return '';
  const expiresAt = wx.getStorageSync(TOKEN_EXPIRES_KEY);
  if (typeof expiresAt === 'string' && expiresAt) {
    const at = Date.parse(expiresAt);
    if (!Number.isNaN(at) && at - EXPIRY_MARGIN_MS <= Date.now()) return '';
  }
  return token;
}

export function clearToken(): void {
  wx.removeStorageSync(TOKEN_KEY);
  wx.removeStorageSync(TOKEN_EXPIRES_KEY);
}

function wxLoginCode(): Promise<string> {
  return new Promise((resolve, reject) => {
    wx.login({
      success: (res) => {
        if (res.code) resolve(res.code);
        else reject(new ApiError('LOGIN_FAILED', ERROR_MESSAGES.LOGIN_FAILED, 0, res.errMsg));
      },
      fail: (err) => reject(new ApiError('LOGIN_FAILED', ERROR_MESSAGES.LOGIN_FAILED, 0, err.errMsg)),
    });
  });
}

async function doLogin(): Promise<string> {
  // A wx.login code is single use, so every attempt asks for a fresh one.
  const code = await wxLoginCode();
  const result = await login(code);
  wx.setStorageSync(TOKEN_KEY, result.token);
  if (result.expiresAt) wx.setStorageSync(TOKEN_EXPIRES_KEY, result.expiresAt);
  else wx.removeStorageSync(TOKEN_EXPIRES_KEY);
  return result.token;
}

/** Logs in now, or joins the login already under way (several requests can find the token missing at once). */
export function loginSilently(): Promise<string> {
  if (!loginInFlight) {
    loginInFlight = doLogin().finally(() => {
      loginInFlight = null;
    });
  }
  return loginInFlight;
}

/** The stored token, or a fresh one. */
export function ensureToken(): Promise<string> {
  const token = getToken();
  return token ? Promise.resolve(token) : loginSilently();
}

/**
 * After a 401 with `rejected`: drop it and log in again, unless another request already replaced it,
 * in which case that newer token is used (no second login for the same expiry).
 */
export function renewToken(rejected: string): Promise<string> {
  const current = getToken();
  if (current && current !== rejected) return Promise.resolve(current);
  clearToken();
  return loginSilently();
}
