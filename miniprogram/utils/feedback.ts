// Toasts, loading and confirmation modals in one place, so every page tells the buyer about failures the same way, in Chinese.
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

export interface ConfirmedStep {
  title: string;
  content: string;
  confirmText: string;
  cancelText: string;
  /** The loading mask's text while `task` runs. */
  loading: string;
  /** The success toast. */
  done: string;
}

/**
 * Asks first with a modal; only when the buyer confirms, runs `task` behind the loading mask and toasts `done`.
 * A failure is toasted here. Resolves to the task's result, or undefined when cancelled or failed.
 */
export async function confirmThenRun<T>(step: ConfirmedStep, task: () => Promise<T>): Promise<T | undefined> {
  try {
    const { title, content, confirmText, cancelText } = step;
    const { confirm } = await wx.showModal({ title, content, confirmText, cancelText });
    if (!confirm) return undefined;
    const result = await withLoading(step.loading, task);
    toastSuccess(step.done);
    return result;
  } catch (err) {
    toastError(err);
    return undefined;
  }
}
