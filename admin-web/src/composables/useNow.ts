// A clock for "waiting 3 hours" labels: the current time, refreshed every half minute.
import { onBeforeUnmount, ref } from 'vue';

export function useNow(intervalMs = 30_000) {
  const now = ref(Date.now());
  const timer = window.setInterval(() => (now.value = Date.now()), intervalMs);
  onBeforeUnmount(() => window.clearInterval(timer));
  return now;
}
