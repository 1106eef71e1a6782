// The ship dialog's logic: the carriers (loaded once per visit), the form checked before anything is sent,
// POST …/ship, and the server's refusals in words: a refund is open (REFUND_IN_PROGRESS), or the order has
// moved on (INVALID_STATE: shipped by someone else, refunded in full), after which the caller reloads.
import { computed, ref, watch, type Ref } from 'vue';
import { ElMessage } from 'element-plus';
import { listCarriers } from '../../api/carriers';
import { ApiError } from '../../api/http';
import { shipOrder } from '../../api/orders';
import type { Carrier, Order } from '../../api/types';
import type { MessageKey } from '../../i18n/messages';
import { useI18n } from '../../i18n/useI18n';
import { errorMessage } from '../../utils/errors';
import { checkTrackingNo } from '../../utils/tracking';

export type ShipTarget = Pick<Order, 'orderNo' | 'address' | 'items' | 'totalFen'>;

// The carrier list hardly changes: one request per visit, asked again only after a failure.
const carriers = ref<Carrier[]>([]);
let carriersLoading: Promise<void> | null = null;

export function useShipForm(target: Ref<ShipTarget | null>, events: { shipped: (order: Order) => void; stale: () => void }) {
  const { t } = useI18n();
  const carrier = ref('');
  const trackingNo = ref('');
  const tried = ref(false); // show field errors once the merchant has tried to send
  const submitting = ref(false);
  const carriersError = ref<string | null>(null);
  const refusal = ref<{ title: MessageKey; detail: string } | null>(null);

  function loadCarriers(): void {
    if (carriers.value.length > 0 || carriersLoading) return;
    carriersError.value = null;
    carriersLoading = listCarriers()
      .then((answer) => {
        carriers.value = answer.items;
      })
      .catch((error) => {
        carriersError.value = errorMessage(error);
      })
      .finally(() => {
        carriersLoading = null;
      });
  }

  watch(target, (order) => {
    if (!order) return;
    carrier.value = '';
    trackingNo.value = '';
    tried.value = false;
    refusal.value = null;
    loadCarriers();
  });

  const tracking = computed(() => checkTrackingNo(trackingNo.value));
  const carrierError = computed(() => (tried.value && !carrier.value ? t('ship.carrierRequired') : ''));
  const trackingError = computed(() => (tried.value && !tracking.value.ok ? t(`ship.tracking.${tracking.value.problem}`) : ''));

  async function submit(): Promise<void> {
    const order = target.value;
    tried.value = true;
    refusal.value = null;
    if (!order || !carrier.value || !tracking.value.ok || submitting.value) return;
    const trackingValue = tracking.value.value;
    submitting.value = true;
    try {
      const shipped = await shipOrder(order.orderNo, { carrier: carrier.value, trackingNo: trackingValue });
      const name = shipped.shipment?.carrierName ?? carriers.value.find((c) => c.code === carrier.value)?.name ?? carrier.value;
      ElMessage.success(t('ship.done', { carrier: name, trackingNo: trackingValue }));
      events.shipped(shipped);
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) return; // the session is gone: off to the login page
      if (error instanceof ApiError && error.code === 'REFUND_IN_PROGRESS') {
        refusal.value = { title: 'ship.refundInProgress', detail: error.message };
        events.stale();
      } else if (error instanceof ApiError && error.code === 'INVALID_STATE') {
        refusal.value = { title: 'ship.invalidState', detail: error.message };
        events.stale();
      } else {
        refusal.value = { title: 'ship.failed', detail: errorMessage(error) };
      }
    } finally {
      submitting.value = false;
    }
  }

  return { carriers, carriersError, carrier, trackingNo, carrierError, trackingError, refusal, submitting, loadCarriers, submit };
}
