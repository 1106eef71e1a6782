// Toasts and loading in one place, so every page tells the buyer about failures the same way, in Chinese.
import { messageOf } from '../api/errors';

export function toastError(err: unknown): void {
  // icon 'none' allows two lines of text; the success/error icons cut a message at 7 characters.
  wx.showToast({ title: messageOf(err), icon: 'none', duration: 2500 });
}

export function toastText(title: string): void {
  wx.showToast({ title, icon: 'none', duration: 2000 });
}

export function toastSuccess(title: string): void {
  wx.showToast({ title, icon: 'success', duration: 1500 });
}

/** Runs `task` behind a modal loading mask (mask: taps on the page are swallowed while it runs). */
export async function withLoading<T>(title: string, task: () => Promise<T>): Promise<T> {
  wx.showLoading({ title, mask: true });
  try {
    return await task();
  } finally {
    wx.hideLoading();
  }
}
