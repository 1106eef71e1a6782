// Who is signed in: their username, role and capabilities (what the menus and page buttons may offer). The
// session itself is the HttpOnly cookie; here we keep only these, in memory, and hand the CSRF token to the API
// module. After a reload, or a sign-in (whose answer has no capabilities), GET /api/admin/me fills them in.
import { computed, ref } from 'vue';
import { fetchMe, login as apiLogin, logout as apiLogout } from '../api/auth';
import { ApiError, setCsrfToken } from '../api/http';
import type { AdminMe, Capability, StaffRole } from '../api/types';

const me = ref<Omit<AdminMe, 'csrfToken'> | null>(null);

function remember(who: AdminMe): void {
  me.value = { username: who.username, role: who.role, capabilities: who.capabilities };
  setCsrfToken(who.csrfToken);
}

export function clearSession(): void {
  me.value = null;
  setCsrfToken(null);
}

/** True when a session exists (asks the server once after a reload). */
export async function ensureSession(): Promise<boolean> {
  if (me.value) return true;
  try {
    remember(await fetchMe());
    return true;
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return false;
    throw error;
  }
}

/**
 * Asks the server again who we are: the owner may have changed this person's role meanwhile, and the menus
 * should follow. Quiet on failure: a 401 already sends the page to login, anything else keeps what we had.
 */
export async function refreshSession(): Promise<void> {
  if (!me.value) return;
  try {
    remember(await fetchMe());
  } catch {
    // see above
  }
}

export async function signIn(name: string, password: string): Promise<void> {
  const session = await apiLogin(name, password);
  setCsrfToken(session.csrfToken);
  remember(await fetchMe());
}

export async function signOut(): Promise<void> {
  try {
    await apiLogout();
  } finally {
    clearSession();
  }
}

/** May the signed-in person do this (besides the moves, which come with each refund's and order's actions)? */
export function can(capability: Capability): boolean {
  return me.value?.capabilities.includes(capability) ?? false;
}

export function useSession() {
  return {
    username: computed(() => me.value?.username ?? null),
    role: computed<StaffRole | null>(() => me.value?.role ?? null),
    can,
    signIn,
    signOut,
  };
}
