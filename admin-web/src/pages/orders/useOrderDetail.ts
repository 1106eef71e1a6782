// Order detail logic: loads one order with its refunds; polls while one of its refunds is in flight.
import { computed, ref, watch, type Ref } from 'vue';
import { useRouter } from 'vue-router';
import { ApiError } from '../../api/http';
import { getOrder } from '../../api/orders';
import type { Order } from '../../api/types';
import { usePolling } from '../../composables/usePolling';
import { errorMessage } from '../../utils/errors';
import { isInFlight } from '../../utils/status';

export function useOrderDetail(orderNo: Ref<string>) {
  const router = useRouter();
  const order = ref<Order | null>(null);
  const loading = ref(false);
  const loadError = ref<string | null>(null);
  const notFound = ref(false);

  async function load(): Promise<void> {
    const wanted = orderNo.value;
    loading.value = order.value === null || order.value.orderNo !== wanted;
    try {
      const result = await getOrder(wanted);
      if (wanted !== orderNo.value) return;
      order.value = result;
      loadError.value = null;
      notFound.value = false;
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) notFound.value = true;
      loadError.value = errorMessage(error);
    } finally {
      loading.value = false;
    }
  }

  const inFlight = computed(() => order.value?.refunds.some((refund) => isInFlight(refund.status)) ?? false);
  usePolling(inFlight, load);
  watch(orderNo, () => void load(), { immediate: true });

  function back(): void {
    if (window.history.state?.back) router.back();
    else void router.push({ name: 'orders' });
  }

  function openRefund(refundNo: string): void {
    void router.push({ name: 'refund', params: { refundNo } });
  }

  return { order, loading, loadError, notFound, inFlight, load, back, openRefund };
}
