// Refund detail logic: loads one refund with its order, events and WeChat calls; polls every 2 s
// while it is in flight (IN_FLIGHT in utils/status) until it is final; wires the merchant's actions; says when
// the money went to the merchant's bank card instead of the buyer (an abnormal refund settled that way).
import { computed, ref, watch, type Ref } from 'vue';
import { useRouter } from 'vue-router';
import { ApiError } from '../../api/http';
import { getRefund } from '../../api/refunds';
import type { RefundDetail } from '../../api/types';
import { usePolling } from '../../composables/usePolling';
import { errorMessage } from '../../utils/errors';
import { isInFlight } from '../../utils/status';
import { sentToMerchantCard } from './abnormal';
import { useRefundActions } from './useRefundActions';

export function useRefundDetail(refundNo: Ref<string>) {
  const router = useRouter();
  const refund = ref<RefundDetail | null>(null);
  const loading = ref(false);
  const loadError = ref<string | null>(null);
  const notFound = ref(false);

  async function load(): Promise<void> {
    const wanted = refundNo.value;
    loading.value = refund.value === null || refund.value.refundNo !== wanted;
    try {
      const detail = await getRefund(wanted);
      if (wanted !== refundNo.value) return; // navigated away meanwhile
      refund.value = detail;
      loadError.value = null;
      notFound.value = false;
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) notFound.value = true;
      loadError.value = errorMessage(error);
    } finally {
      loading.value = false;
    }
  }

  const inFlight = computed(() => refund.value !== null && isInFlight(refund.value.status));
  usePolling(inFlight, load);
  const toMerchantCard = computed(() => refund.value !== null && sentToMerchantCard(refund.value));
  watch(refundNo, () => void load(), { immediate: true });

  const actions = useRefundActions(load);

  function back(): void {
    if (window.history.state?.back) router.back();
    else void router.push({ name: 'refunds' });
  }

  function openOrder(): void {
    if (refund.value) void router.push({ name: 'order', params: { orderNo: refund.value.orderNo } });
  }

  return { refund, loading, loadError, notFound, inFlight, toMerchantCard, load, actions, back, openOrder };
}
