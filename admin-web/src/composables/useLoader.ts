// One thing loaded from the API for a page: the value, the spinner (only before the first answer, so a reload
// does not blank the page) and the load error in words.
import { ref, type Ref } from 'vue';
import { errorMessage } from '../utils/errors';

export function useLoader<T>(fetch: () => Promise<T>) {
  const data = ref<T | null>(null) as Ref<T | null>;
  const loading = ref(false);
  const loadError = ref<string | null>(null);

  async function load(): Promise<void> {
    loading.value = data.value === null;
    try {
      data.value = await fetch();
      loadError.value = null;
    } catch (error) {
      loadError.value = errorMessage(error);
    } finally {
      loading.value = false;
    }
  }

  return { data, loading, loadError, load };
}
