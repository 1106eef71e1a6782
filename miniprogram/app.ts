// The mini-program entry: logs the buyer in silently at launch so the first page's requests already have a token.
import { ensureToken } from './api/session';

App({
  onLaunch() {
    // Best effort: if it fails here (no network yet), the first API call logs in again and reports the error.
    ensureToken().catch(() => undefined);
  },
});
