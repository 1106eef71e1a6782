// Settings page logic: the approval limit (typed in yuan, saved as exact fen), the two refund reason lists
// (edited locally, saved together), and the kept changes below, read again after each save.
import { computed, ref } from 'vue';
import { ElMessage } from 'element-plus';
import { ApiError } from '../../api/http';
import { getSettings, listSettingChanges, updateSettings } from '../../api/settings';
import { REFUND_TYPES, type RefundType, type Settings } from '../../api/types';
import { useLoader } from '../../composables/useLoader';
import { useI18n } from '../../i18n/useI18n';
import { errorMessage } from '../../utils/errors';
import { fenToYuanText } from '../../utils/money';
import { addReason, checkLimit, moveReason, removeReason, type FieldError } from './settingsForm';

type Reasons = Settings['refundReasons'];
const copyReasons = (r: Reasons): Reasons => ({ REFUND_ONLY: [...r.REFUND_ONLY], RETURN_AND_REFUND: [...r.RETURN_AND_REFUND] });
const perType = <T>(value: () => T) => Object.fromEntries(REFUND_TYPES.map((type) => [type, value()])) as Record<RefundType, T>;

export function useSettings() {
  const { t } = useI18n();
  const settings = useLoader(getSettings);
  const changes = useLoader(async () => (await listSettingChanges()).items);

  const limitText = ref('');
  const limitError = ref<FieldError | null>(null);
  const reasons = ref<Reasons>(perType<string[]>(() => []));
  const newReason = ref(perType(() => ''));
  const reasonError = ref(perType<FieldError | null>(() => null));
  const saving = ref<'limit' | 'reasons' | null>(null);

  /** The form starts from what the server holds (after loading, and after each save). */
  function fill(saved: Settings): void {
    settings.data.value = saved;
    limitText.value = fenToYuanText(saved.approvalLimitFen);
    reasons.value = copyReasons(saved.refundReasons);
    newReason.value = perType(() => '');
    reasonError.value = perType(() => null);
  }

  async function load(): Promise<void> {
    await Promise.all([settings.load(), changes.load()]);
    if (settings.data.value) fill(settings.data.value);
  }

  const reasonsChanged = computed(
    () => settings.data.value !== null && JSON.stringify(reasons.value) !== JSON.stringify(settings.data.value.refundReasons),
  );

  async function save(kind: 'limit' | 'reasons', change: Partial<Settings>): Promise<void> {
    saving.value = kind;
    try {
      fill(await updateSettings(change));
      ElMessage.success(t('settings.saved'));
      void changes.load();
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 401)) ElMessage.error(t('settings.failed', { message: errorMessage(error) }));
    } finally {
      saving.value = null;
    }
  }

  async function saveLimit(): Promise<void> {
    const check = checkLimit(limitText.value);
    limitError.value = check.ok ? null : check.error;
    if (!check.ok || saving.value) return;
    if (check.fen === settings.data.value?.approvalLimitFen) {
      ElMessage.info(t('settings.unchanged'));
      return;
    }
    await save('limit', { approvalLimitFen: check.fen });
  }

  function add(type: RefundType): void {
    const result = addReason(reasons.value[type], newReason.value[type]);
    reasonError.value[type] = result.ok ? null : result.error;
    if (!result.ok) return;
    reasons.value[type] = result.list;
    newReason.value[type] = '';
  }

  function remove(type: RefundType, index: number): void {
    const result = removeReason(reasons.value[type], index);
    reasonError.value[type] = result.ok ? null : result.error;
    if (result.ok) reasons.value[type] = result.list;
  }

  function move(type: RefundType, index: number, delta: -1 | 1): void {
    reasons.value[type] = moveReason(reasons.value[type], index, delta);
  }

  async function saveReasons(): Promise<void> {
    if (saving.value) return;
    if (!reasonsChanged.value) {
      ElMessage.info(t('settings.unchanged'));
      return;
    }
    await save('reasons', { refundReasons: copyReasons(reasons.value) });
  }

  void load();

  return {
    settings: settings.data,
    loading: settings.loading,
    loadError: settings.loadError,
    changes: computed(() => changes.data.value ?? []),
    changesLoading: changes.loading,
    changesError: changes.loadError,
    limitText,
    limitError,
    reasons,
    newReason,
    reasonError,
    reasonsChanged,
    saving,
    load,
    saveLimit,
    add,
    remove,
    move,
    saveReasons,
  };
}
