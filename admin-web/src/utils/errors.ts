// Turns a thrown error into a sentence for a message box: the server's own message when it sent one, and our
// words for the refusals a person can meet in normal use (their role may not, over their approval limit).
import { ApiError } from '../api/http';
import { translate } from '../i18n/useI18n';

export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.status === 0) return translate('common.network');
    if (error.code === 'APPROVAL_LIMIT') return translate('error.approvalLimit');
    if (error.code === 'FORBIDDEN') {
      // the same code answers a missing CSRF token (a page older than its session), which no role fixes
      return translate(/csrf/i.test(error.message) ? 'error.csrf' : 'error.forbidden');
    }
    return error.message;
  }
  return error instanceof Error ? error.message : String(error);
}

/** A refusal for who the person is (role, approval limit) rather than for what they typed or the refund's state. */
export function isRoleRefusal(error: unknown): boolean {
  return error instanceof ApiError && error.status === 403;
}
