// Orders list logic: status filter, search by order number and paging, all kept in the URL.
import { computed, ref, watch } from 'vue';
import { useRoute, useRouter, type LocationQuery, type LocationQueryRaw } from 'vue-router';
import { listOrders } from '../../api/orders';
import { ORDER_STATUSES, type Order, type OrderStatus } from '../../api/types';
import { errorMessage } from '../../utils/errors';

export interface OrderFilters {
  status: OrderStatus | '';
  q: string;
  page: number;
  pageSize: number;
}

const PAGE_SIZES = [10, 20, 50, 100];

function one(value: LocationQuery[string]): string {
  return typeof value === 'string' ? value : '';
}

function parseFilters(query: LocationQuery): OrderFilters {
  const status = one(query.status);
  const page = Number.parseInt(one(query.page), 10);
  const pageSize = Number.parseInt(one(query.pageSize), 10);
  return {
    status: (ORDER_STATUSES as readonly string[]).includes(status) ? (status as OrderStatus) : '',
    q: one(query.q).trim(),
    page: page > 0 ? page : 1,
    pageSize: PAGE_SIZES.includes(pageSize) ? pageSize : 20,
  };
}

function toQuery(f: OrderFilters): LocationQueryRaw {
  return {
    status: f.status || undefined,
    q: f.q || undefined,
    page: f.page > 1 ? String(f.page) : undefined,
    pageSize: f.pageSize !== 20 ? String(f.pageSize) : undefined,
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

  return { filters, items, total, loading, loadError, searchText, pageSizes: PAGE_SIZES, statuses: ORDER_STATUSES, load, update, applySearch, open };
}
