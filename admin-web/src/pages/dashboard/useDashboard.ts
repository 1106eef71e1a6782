// Dashboard logic: loads the orders to ship, the refund counts and the longest-waiting requests, keeps them
// fresh while refunds are moving, and opens the list behind the card the merchant clicked.
import { computed, onMounted, ref } from 'vue';
import { useRouter } from 'vue-router';
import { listRefunds } from '../../api/refunds';
import { getStats } from '../../api/stats';
import type { AdminStats, RefundListItem, RefundStatus } from '../../api/types';
import { usePolling } from '../../composables/usePolling';
import { noteStats } from '../../composables/useToShipCount';
import { errorMessage } from '../../utils/errors';
import { IN_FLIGHT } from '../../utils/status';

const OLDEST_SHOWN = 5;

export function useDashboard() {
  const router = useRouter();
  const stats = ref<AdminStats | null>(null);
  const oldestWaiting = ref<RefundListItem[]>([]);
  const loading = ref(false);
  const loadError = ref<string | null>(null);
  const loadedAt = ref<string | null>(null);

  const count = (status: RefundStatus): number => stats.value?.refunds[status] ?? 0;
  const toShip = computed(() => stats.value?.orders.toShip ?? 0);
  const inFlight = computed(() => [...IN_FLIGHT].reduce((sum, status) => sum + count(status), 0));

  async function load(): Promise<void> {
    loading.value = stats.value === null;
    try {
      const [counts, waiting] = await Promise.all([
        getStats(),
        listRefunds({ status: 'REQUESTED', sort: 'oldest', page: 1, pageSize: OLDEST_SHOWN }),
      ]);
      stats.value = counts;
      noteStats(counts);
      oldestWaiting.value = waiting.items;
      loadedAt.value = new Date().toISOString();
      loadError.value = null;
    } catch (error) {
      loadError.value = errorMessage(error);
    } finally {
      loading.value = false;
    }
  }

  function openRefund(refundNo: string): void {
    void router.push({ name: 'refund', params: { refundNo } });
  }

  function openQueue(status: RefundStatus): void {
    void router.push({ name: 'refunds', query: { status } });
  }

  function openShipping(): void {
    void router.push({ name: 'shipping' });
  }

  usePolling(computed(() => inFlight.value > 0), load);
  onMounted(load);

  return { stats, oldestWaiting, loading, loadError, loadedAt, count, toShip, inFlight, load, openQueue, openRefund, openShipping };
}
