// 待发货 logic: paid, unshipped orders in two tabs, the plainly paid ones and the partially refunded ones (they
// still have goods to send), the tab and page kept in the URL. The list API takes one status at a time, so
// each tab is its own paged list; orders that wait on an open refund are counted, not listed (they cannot
// ship until it settles). A shipped order leaves the list at once.
import { computed, ref, watch } from 'vue';
import { useRoute, useRouter, type LocationQuery, type LocationQueryRaw } from 'vue-router';
import { listOrders } from '../../api/orders';
import { getStats } from '../../api/stats';
import type { Order } from '../../api/types';
import { noteStats } from '../../composables/useToShipCount';
import { errorMessage } from '../../utils/errors';
import { PAGE_SIZES, queryText, readPaging, writePaging } from '../../utils/route-query';
import type { ShipTarget } from './useShipForm';

export const SHIP_TABS = ['PAID', 'PARTIALLY_REFUNDED'] as const;
export type ShipTab = (typeof SHIP_TABS)[number];

interface ShipFilters {
  tab: ShipTab;
  page: number;
  pageSize: number;
}

function parseFilters(query: LocationQuery): ShipFilters {
  return { tab: queryText(query.status) === 'PARTIALLY_REFUNDED' ? 'PARTIALLY_REFUNDED' : 'PAID', ...readPaging(query) };
}

function toQuery(f: ShipFilters): LocationQueryRaw {
  return { status: f.tab === 'PAID' ? undefined : f.tab, ...writePaging(f) };
}

export function useShippingQueue() {
  const route = useRoute();
  const router = useRouter();

  const filters = computed(() => parseFilters(route.query));
  const items = ref<Order[]>([]);
  const total = ref(0);
  const tabTotals = ref<Record<ShipTab, number | null>>({ PAID: null, PARTIALLY_REFUNDED: null });
  const toShip = ref<number | null>(null);
  const loading = ref(false);
  const loadError = ref<string | null>(null);
  const shipTarget = ref<ShipTarget | null>(null);

  async function load(showSpinner = true): Promise<void> {
    if (route.name !== 'shipping') return;
    const f = filters.value;
    const other: ShipTab = f.tab === 'PAID' ? 'PARTIALLY_REFUNDED' : 'PAID';
    loading.value = showSpinner;
    try {
      const [page, otherPage, stats] = await Promise.all([
        listOrders({ status: f.tab, shippingStatus: 'UNSHIPPED', page: f.page, pageSize: f.pageSize }),
        listOrders({ status: other, shippingStatus: 'UNSHIPPED', page: 1, pageSize: 1 }),
        getStats().catch(() => null),
      ]);
      items.value = page.items;
      total.value = page.total;
      tabTotals.value = { [f.tab]: page.total, [other]: otherPage.total } as Record<ShipTab, number>;
      if (stats) {
        toShip.value = stats.orders.toShip;
        noteStats(stats);
      }
      loadError.value = null;
    } catch (error) {
      loadError.value = errorMessage(error);
    } finally {
      loading.value = false;
    }
  }

  /** Unshipped orders the stats count but neither tab lists: those waiting on an open refund. */
  const waitingOnRefund = computed(() => {
    const { PAID, PARTIALLY_REFUNDED } = tabTotals.value;
    if (toShip.value === null || PAID === null || PARTIALLY_REFUNDED === null) return 0;
    return Math.max(0, toShip.value - PAID - PARTIALLY_REFUNDED);
  });

  function update(patch: Partial<ShipFilters>): void {
    void router.push({ name: 'shipping', query: toQuery({ ...filters.value, page: 1, ...patch }) });
  }

  function startShip(order: Order): void {
    shipTarget.value = order;
  }

  function shipped(order: Order): void {
    shipTarget.value = null;
    // gone from the list now; the reload then fills the page from the next one
    items.value = items.value.filter((row) => row.orderNo !== order.orderNo);
    void load(false);
  }

  function open(orderNo: string): void {
    void router.push({ name: 'order', params: { orderNo } });
  }

  watch(
    () => route.query,
    () => void load(),
    { immediate: true },
  );

  return {
    filters,
    items,
    total,
    tabTotals,
    waitingOnRefund,
    loading,
    loadError,
    shipTarget,
    pageSizes: PAGE_SIZES,
    load,
    update,
    startShip,
    shipped,
    open,
  };
}
