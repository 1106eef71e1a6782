// Calls `tick` every `intervalMs` while `active` is true (refunds in flight), one call at a time,
// and stops when the component goes away.
import { onBeforeUnmount, watch, type Ref } from 'vue';

export function usePolling(active: Ref<boolean>, tick: () => Promise<unknown>, intervalMs = 2000): void {
  let timer: number | undefined;
  let stopped = false;

  function schedule(): void {
    if (timer !== undefined || stopped || !active.value) return;
    timer = window.setTimeout(async () => {
      try {
        await tick();
      } catch {
        // the page shows load errors itself; keep polling while still in flight
      } finally {
        timer = undefined;
        schedule();
      }
    }, intervalMs);
  }

  function cancel(): void {
    if (timer !== undefined) window.clearTimeout(timer);
    timer = undefined;
  }

  watch(active, (on) => (on ? schedule() : cancel()), { immediate: true });
  onBeforeUnmount(() => {
    stopped = true;
    cancel();
  });
}
