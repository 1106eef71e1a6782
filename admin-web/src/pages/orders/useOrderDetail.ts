// Order detail logic: loads one order with its refunds and shipping moves; polls while one of its refunds is
// in flight or its shipment is still on its way to WeChat; ships it (the dialog) and sends a stuck upload again.
import { computed, ref, watch, type Ref } from 'vue';
import { useRouter } from 'vue-router';
import { ElMessage } from 'element-plus';
import { ApiError } from '../../api/http';
import { getOrder, retryWechatShipping } from '../../api/orders';
import type { OrderDetail } from '../../api/types';
import { usePolling } from '../../composables/usePolling';
import { refreshToShip } from '../../composables/useToShipCount';
import { useI18n } from '../../i18n/useI18n';
import { errorMessage } from '../../utils/errors';
import { isInFlight } from '../../utils/status';
import type { ShipTarget } from '../shipping/useShipForm';

export function useOrderDetail(orderNo: Ref<string>) {
  const router = useRouter();
  const { t } = useI18n();
  const order = ref<OrderDetail | null>(null);
  const loading = ref(false);
  const loadError = ref<string | null>(null);
  const notFound = ref(false);
  const shipTarget = ref<ShipTarget | null>(null);
  const retrying = ref(false);

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
  const uploadPending = computed(() => order.value?.wechatShipping?.status === 'PENDING');
  usePolling(computed(() => inFlight.value || uploadPending.value), load);
  watch(orderNo, () => void load(), { immediate: true });

  function back(): void {
    if (window.history.state?.back) router.back();
    else void router.push({ name: 'orders' });
  }

  function openRefund(refundNo: string): void {
    void router.push({ name: 'refund', params: { refundNo } });
  }

  function startShip(): void {
    shipTarget.value = order.value;
  }

  function shipped(): void {
    shipTarget.value = null;
    void load();
    void refreshToShip();
  }

  async function retryUpload(): Promise<void> {
    if (!order.value || retrying.value) return;
    retrying.value = true;
    try {
      await retryWechatShipping(order.value.orderNo);
      ElMessage.success(t('order.wechatRetried'));
    } catch (error) {
      if (error instanceof ApiError && error.status === 409) {
        ElMessage({ type: 'warning', message: t('action.conflict', { message: error.message }), duration: 6000 });
      } else if (!(error instanceof ApiError && error.status === 401)) {
        ElMessage.error(t('action.failed', { message: errorMessage(error) }));
      }
    } finally {
      retrying.value = false;
      await load();
    }
  }

  return { order, loading, loadError, notFound, inFlight, uploadPending, shipTarget, retrying, load, back, openRefund, startShip, shipped, retryUpload };
}
