// The staff forms as typed ↔ the API's bodies, checked with the server's own rules (username 2–64 of
// A-Z a-z 0-9 _ . @ -, password 10–256 characters) so the owner reads what is wrong next to the field.
import type { NewStaff } from '../../api/staff';
import type { StaffRole } from '../../api/types';
import type { MessageKey } from '../../i18n/messages';

export interface StaffForm {
  username: string;
  password: string;
  role: StaffRole;
}

export type StaffField = keyof StaffForm;
export type StaffErrors = Partial<Record<StaffField, MessageKey>>;

const USERNAME = /^[A-Za-z0-9_.@-]{2,64}$/;
export const MIN_PASSWORD = 10;
const MAX_PASSWORD = 256;

export function emptyStaffForm(): StaffForm {
  return { username: '', password: '', role: 'SERVICE' };
}

export function checkPassword(password: string): MessageKey | undefined {
  if (password.length < MIN_PASSWORD) return 'staff.passwordShort';
  if (password.length > MAX_PASSWORD) return 'staff.passwordLong';
  return undefined;
}

/** The new person's body, or what is wrong with each field. */
export function checkNewStaff(form: StaffForm): { ok: true; body: NewStaff } | { ok: false; errors: StaffErrors } {
  const username = form.username.trim();
  const errors: StaffErrors = {};
  if (!username) errors.username = 'staff.usernameRequired';
  else if (!USERNAME.test(username)) errors.username = 'staff.usernameInvalid';
  const password = checkPassword(form.password);
  if (password) errors.password = password;
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return { ok: true, body: { username, password: form.password, role: form.role } };
}
