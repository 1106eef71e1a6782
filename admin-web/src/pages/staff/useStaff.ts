// Staff page logic: the team, the add / reset-password dialog, a role changed in its row, disable / enable after
// a confirmation. The server's refusals read as what they mean here: a 409 on adding is a taken username, a 409
// on a change is the last enabled owner. A change to oneself refreshes the session (menus follow the role).
import { computed, ref } from 'vue';
import { ElMessage, ElMessageBox } from 'element-plus';
import { ApiError } from '../../api/http';
import { addStaff, listStaff, updateStaff, type StaffChange } from '../../api/staff';
import type { StaffMember, StaffRole } from '../../api/types';
import { useLoader } from '../../composables/useLoader';
import { useI18n } from '../../i18n/useI18n';
import { refreshSession, useSession } from '../../session/useSession';
import { roleLabel } from '../../utils/actorLabel';
import { errorMessage } from '../../utils/errors';
import { checkNewStaff, checkPassword, emptyStaffForm, type StaffErrors, type StaffForm } from './staffForm';

export function useStaff() {
  const { t } = useI18n();
  const { username: me } = useSession();
  const { data, loading, loadError, load } = useLoader(async () => (await listStaff()).items);
  const items = computed(() => data.value ?? []);

  /** null: closed; 'new': adding a person; a member: resetting their password */
  const editing = ref<StaffMember | 'new' | null>(null);
  const form = ref<StaffForm>(emptyStaffForm());
  const errors = ref<StaffErrors>({});
  /** a refusal that belongs to no one field (shown at the top of the dialog) */
  const formError = ref<string | null>(null);
  const saving = ref(false);
  const changing = ref<number | null>(null); // id of the row being changed

  function open(target: StaffMember | 'new'): void {
    form.value = emptyStaffForm();
    errors.value = {};
    formError.value = null;
    editing.value = target;
  }

  async function save(): Promise<void> {
    const target = editing.value;
    if (!target || saving.value) return;
    formError.value = null;
    if (target === 'new') {
      const check = checkNewStaff(form.value);
      errors.value = check.ok ? {} : check.errors;
      if (!check.ok) return;
      await saveWith(async () => {
        const added = await addStaff(check.body);
        ElMessage.success(t('staff.added', { name: added.username, role: roleLabel(added.role) }));
      }, check.body.username);
    } else {
      const problem = checkPassword(form.value.password);
      errors.value = problem ? { password: problem } : {};
      if (problem) return;
      await saveWith(async () => {
        await updateStaff(target.id, { password: form.value.password });
        ElMessage.success(t('staff.passwordDone', { name: target.username }));
      });
    }
  }

  async function saveWith(call: () => Promise<void>, newUsername?: string): Promise<void> {
    saving.value = true;
    try {
      await call();
      editing.value = null;
      void load();
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) return;
      if (error instanceof ApiError && error.status === 409 && newUsername) {
        errors.value = { username: 'staff.usernameTaken' };
        formError.value = t('staff.usernameTaken', { name: newUsername });
      } else {
        formError.value = t('staff.failed', { message: errorMessage(error) });
      }
    } finally {
      saving.value = false;
    }
  }

  /** One change to one row; the list is read again whatever the outcome (a refusal leaves the row as it was). */
  async function change(member: StaffMember, patch: StaffChange, done: string): Promise<void> {
    changing.value = member.id;
    try {
      await updateStaff(member.id, patch);
      ElMessage.success(done);
      if (member.username === me.value) await refreshSession();
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) return;
      const message = error instanceof ApiError && error.status === 409 ? t('staff.lastOwner') : t('staff.failed', { message: errorMessage(error) });
      ElMessage({ type: 'error', message, duration: 8000, customClass: 'staff-refusal' });
    } finally {
      changing.value = null;
      await load();
    }
  }

  function setRole(member: StaffMember, role: StaffRole): Promise<void> {
    return change(member, { role }, t('staff.roleChanged', { name: member.username, role: roleLabel(role) }));
  }

  async function setDisabled(member: StaffMember, disabled: boolean): Promise<void> {
    const name = member.username;
    try {
      await ElMessageBox.confirm(
        t(disabled ? 'staff.disableConfirm' : 'staff.enableConfirm', { name }),
        t(disabled ? 'staff.disableTitle' : 'staff.enableTitle'),
        {
          confirmButtonText: t(disabled ? 'staff.disable' : 'staff.enable'),
          cancelButtonText: t('common.cancel'),
          type: disabled ? 'warning' : 'info',
          customClass: 'staff-confirm',
        },
      );
    } catch {
      return; // cancelled
    }
    await change(member, { disabled }, t(disabled ? 'staff.disabledDone' : 'staff.enabledDone', { name }));
  }

  void load();

  return { items, loading, loadError, me, editing, form, errors, formError, saving, changing, load, open, save, setRole, setDisabled };
}
