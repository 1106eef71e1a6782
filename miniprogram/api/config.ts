// GET /api/mp/config: the subscribe templates and the merchant's refund reasons. Needs no login.
import { errorFromResponse } from './errors';
import { send } from './http';
import type { MpConfig } from './types';

// Loaded once per launch: the reasons change seldom, and the server takes any reason text anyway.
// A failure is not kept, so the next form asks again.
let cached: Promise<MpConfig> | null = null;

async function fetchConfig(): Promise<MpConfig> {
  const res = await send({ method: 'GET', path: '/api/mp/config' });
  if (res.statusCode !== 200) throw errorFromResponse(res.statusCode, res.data);
  return res.data as MpConfig;
}

export function getMpConfig(): Promise<MpConfig> {
  if (cached) return cached;
  const loading = fetchConfig();
  cached = loading;
  loading.catch(() => {
    if (cached === loading) cached = null;
  });
  return loading;
}

/** Forgets the loaded config (tests; a build that must see the merchant's new reasons at once). */
export function forgetMpConfig(): void {
  cached = null;
}
