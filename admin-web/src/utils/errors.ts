// Turns a thrown error into a sentence for a message box: the server's own message when it sent one.
import { ApiError } from '../api/http';
import { translate } from '../i18n/useI18n';

export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.status === 0) return translate('common.network');
    return error.message;
  }
  return error instanceof Error ? error.message : String(error);
}
