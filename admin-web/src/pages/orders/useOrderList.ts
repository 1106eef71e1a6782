// Orders list logic: status and shipping-status filters, search by order number and paging, all kept in the URL.
import { computed, ref, watch } from 'vue';
import { useRoute, useRouter, type LocationQuery, type LocationQueryRaw } from 'vue-router';
import { listOrders } from '../../api/orders';
import { ORDER_STATUSES, SHIPPING_STATUSES, type Order, type OrderStatus, type ShippingStatus } from '../../api/types';
import { errorMessage } from '../../utils/errors';
import { PAGE_SIZES, queryText, readPaging, writePaging } from '../../utils/route-query';

export interface OrderFilters {
  status: OrderStatus | '';
  shippingStatus: ShippingStatus | '';
  q: string;
  page: number;
  pageSize: number;
}

function parseFilters(query: LocationQuery): OrderFilters {
  const status = queryText(query.status);
  const shippingStatus = queryText(query.shippingStatus);
  return {
    status: (ORDER_STATUSES as readonly string[]).includes(status) ? (status as OrderStatus) : '',
    shippingStatus: (SHIPPING_STATUSES as readonly string[]).includes(shippingStatus) ? (shippingStatus as ShippingStatus) : '',
    q: queryText(query.q).trim(),
    ...readPaging(query),
  };
}

function toQuery(f: OrderFilters): LocationQueryRaw {
  return {
    status: f.status || undefined,
    shippingStatus: f.shippingStatus || undefined,
    q: f.q || undefined,
    ...writePaging(f),
  };
}

export function useOrderList() {
  const route = useRoute();
  const router = useRouter();

  const filters = computed(() => parseFilters(route.query));
  const items = ref<Order[]>([]);
  const total = ref(0);
  const loading = ref(false);
  const loadError = ref<string | null>(null);
  const searchText = ref(filters.value.q);

  async function load(): Promise<void> {
    if (route.name !== 'orders') return;
    const f = filters.value;
    loading.value = true;
    try {
      const page = await listOrders({
        status: f.status || undefined,
        shippingStatus: f.shippingStatus || undefined,
        q: f.q || undefined,
        page: f.page,
        pageSize: f.pageSize,
      });
      items.value = page.items;
      total.value = page.total;
      loadError.value = null;
    } catch (error) {
      loadError.value = errorMessage(error);
    } finally {
      loading.value = false;
    }
  }

  function update(patch: Partial<OrderFilters>): void {
    void router.push({ name: 'orders', query: toQuery({ ...filters.value, page: 1, ...patch }) });
  }

  function applySearch(): void {
    update({ q: searchText.value.trim() });
  }

  function open(orderNo: string): void {
    void router.push({ name: 'order', params: { orderNo } });
  }

  watch(
    () => route.query,
    () => {
      if (route.name !== 'orders') return;
      searchText.value = filters.value.q;
      void load();
    },
    { immediate: true },
  );

  return { filters, items, total, loading, loadError, searchText, pageSizes: PAGE_SIZES, statuses: ORDER_STATUSES, shippingStatuses: SHIPPING_STATUSES, load, update, applySearch, open };
}
