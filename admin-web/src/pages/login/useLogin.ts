// Login page logic: the form, validation, the server's answer (wrong password, throttled, offline)
// and where to go once signed in.
import { computed, reactive, ref } from 'vue';
import { useRoute, useRouter } from 'vue-router';
import { ApiError } from '../../api/http';
import { useI18n } from '../../i18n/useI18n';
import { signIn } from '../../session/useSession';

export interface LoginError {
  title: string;
  detail: string;
}

export function useLogin() {
  const route = useRoute();
  const router = useRouter();
  const { t } = useI18n();

  const form = reactive({ username: '', password: '' });
  const submitting = ref(false);
  const error = ref<LoginError | null>(null);
  const expired = computed(() => route.query.expired === '1' && !error.value);

  function validate(): boolean {
    if (!form.username.trim()) {
      error.value = { title: t('login.usernameRequired'), detail: '' };
      return false;
    }
    if (!form.password) {
      error.value = { title: t('login.passwordRequired'), detail: '' };
      return false;
    }
    return true;
  }

  function explain(caught: unknown): LoginError {
    if (caught instanceof ApiError) {
      if (caught.status === 429 || caught.code === 'RATE_LIMITED') {
        return { title: t('login.throttled'), detail: caught.message };
      }
      if (caught.status === 0) return { title: t('login.failed'), detail: t('common.network') };
      return { title: t('login.failed'), detail: caught.message };
    }
    return { title: t('login.failed'), detail: caught instanceof Error ? caught.message : String(caught) };
  }

  function safeRedirect(): string {
    const target = route.query.redirect;
    // only paths inside the admin web; never an absolute URL someone slipped into the query
    if (typeof target === 'string' && target.startsWith('/') && !target.startsWith('//')) return target;
    return '/dashboard';
  }

  async function submit(): Promise<void> {
    error.value = null;
    if (!validate() || submitting.value) return;
    submitting.value = true;
    try {
      await signIn(form.username.trim(), form.password);
      form.password = '';
      await router.replace(safeRedirect());
    } catch (caught) {
      error.value = explain(caught);
      form.password = '';
    } finally {
      submitting.value = false;
    }
  }

  return { form, submitting, error, expired, submit, t };
}
