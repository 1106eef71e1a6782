// The language switch: one shared locale (remembered in localStorage; a preference, not a secret),
// t(key, params) for our words, and the matching Element Plus locale.
import { computed, ref } from 'vue';
import zhCn from 'element-plus/es/locale/lang/zh-cn';
import enLocale from 'element-plus/es/locale/lang/en';
import { MESSAGES, type Locale, type MessageKey } from './messages';

const STORAGE_KEY = 'wxmall.admin.lang';

function initialLocale(): Locale {
  try {
    return localStorage.getItem(STORAGE_KEY) === 'en' ? 'en' : 'zh-CN';
  } catch {
    return 'zh-CN';
  }
}

const locale = ref<Locale>(initialLocale());
document.documentElement.lang = locale.value;

export function translate(key: MessageKey, params?: Record<string, string | number>): string {
  const text = MESSAGES[locale.value][key] ?? key;
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (whole, name: string) =>
    name in params ? String(params[name]) : whole,
  );
}

export function useI18n() {
  const elementLocale = computed(() => (locale.value === 'en' ? enLocale : zhCn));

  function setLocale(next: Locale): void {
    locale.value = next;
    document.documentElement.lang = next;
    try {
      localStorage.setItem(STORAGE_KEY, next);
    } catch {
      // private mode: the choice lasts for this page only
    }
  }

  function toggleLocale(): void {
    setLocale(locale.value === 'en' ? 'zh-CN' : 'en');
  }

  return { locale, t: translate, elementLocale, setLocale, toggleLocale };
}
