// Who is signed in. The session itself is the HttpOnly cookie; here we keep only the username and hand
// the CSRF token to the API module, both in memory. After a reload GET /api/admin/me restores them.
import { readonly, ref } from 'vue';
import { fetchMe, login as apiLogin, logout as apiLogout } from '../api/auth';
import { ApiError, setCsrfToken } from '../api/http';

const username = ref<string | null>(null);

function remember(name: string, csrfToken: string): void {
  username.value = name;
  setCsrfToken(csrfToken);
}

export function clearSession(): void {
  username.value = null;
  setCsrfToken(null);
}

/** True when a session exists (asks the server once after a reload). */
export async function ensureSession(): Promise<boolean> {
  if (username.value) return true;
  try {
    const me = await fetchMe();
    remember(me.username, me.csrfToken);
    return true;
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return false;
    throw error;
  }
}

export async function signIn(name: string, password: string): Promise<void> {
  const session = await apiLogin(name, password);
  remember(session.username ?? name, session.csrfToken);
}

export async function signOut(): Promise<void> {
  try {
    await apiLogout();
  } finally {
    clearSession();
  }
}

export function useSession() {
  return { username: readonly(username), signIn, signOut };
}
