// Refund queue logic: filters live in the URL (status tab, type, search, dates, sort, page) so dashboard
// links and the back button work; loads the page and the tab counts; polls while a shown refund is in flight;
// the CSV export link carries the same filters, less the search and paging.
import { computed, ref, watch } from 'vue';
import { useRoute, useRouter, type LocationQuery, type LocationQueryRaw } from 'vue-router';
import { listRefunds, refundExportUrl, type RefundQuery } from '../../api/refunds';
import { getStats } from '../../api/stats';
import { REFUND_STATUSES, REFUND_TYPES, type AdminStats, type RefundListItem, type RefundStatus, type RefundType } from '../../api/types';
import { usePolling } from '../../composables/usePolling';
import { errorMessage } from '../../utils/errors';
import { PAGE_SIZES, queryText, readPaging, writePaging } from '../../utils/route-query';
import { isInFlight } from '../../utils/status';

export type QueueTab = RefundStatus | 'ALL';
export type QueueSort = 'newest' | 'oldest';

export interface QueueFilters {
  tab: QueueTab;
  /** '' is both types */
  type: RefundType | '';
  q: string;
  from: string;
  to: string;
  sort: QueueSort;
  page: number;
  pageSize: number;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

function parseFilters(query: LocationQuery): QueueFilters {
  const status = queryText(query.status);
  const tab: QueueTab =
    status === 'ALL' ? 'ALL' : (REFUND_STATUSES as readonly string[]).includes(status) ? (status as RefundStatus) : 'REQUESTED';
  const type = queryText(query.type);
  return {
    tab,
    type: (REFUND_TYPES as readonly string[]).includes(type) ? (type as RefundType) : '',
    q: queryText(query.q).trim(),
    from: DATE.test(queryText(query.from)) ? queryText(query.from) : '',
    to: DATE.test(queryText(query.to)) ? queryText(query.to) : '',
    sort: queryText(query.sort) === 'oldest' ? 'oldest' : 'newest',
    ...readPaging(query),
  };
}

function toQuery(f: QueueFilters): LocationQueryRaw {
  return {
    status: f.tab,
    type: f.type || undefined,
    q: f.q || undefined,
    from: f.from || undefined,
    to: f.to || undefined,
    sort: f.sort === 'oldest' ? 'oldest' : undefined,
    ...writePaging(f),
  };
}

export function useRefundQueue() {
  const route = useRoute();
  const router = useRouter();

  const filters = computed(() => parseFilters(route.query));
  const items = ref<RefundListItem[]>([]);
  const total = ref(0);
  const stats = ref<AdminStats | null>(null);
  const loading = ref(false);
  const loadError = ref<string | null>(null);

  // The search box and date picker are edited locally and applied on Enter / change.
  const searchText = ref(filters.value.q);
  const dateRange = ref<[string, string] | null>(
    filters.value.from && filters.value.to ? [filters.value.from, filters.value.to] : null,
  );

  function apiQuery(f: QueueFilters): RefundQuery {
    return {
      status: f.tab === 'ALL' ? undefined : f.tab,
      type: f.type || undefined,
      q: f.q || undefined,
      from: f.from || undefined,
      to: f.to || undefined,
      sort: f.sort,
      page: f.page,
      pageSize: f.pageSize,
    };
  }

  async function load(showSpinner = true): Promise<void> {
    if (route.name !== 'refunds') return;
    const f = filters.value;
    loading.value = showSpinner;
    try {
      const [page, counts] = await Promise.all([listRefunds(apiQuery(f)), getStats().catch(() => stats.value)]);
      items.value = page.items;
      total.value = page.total;
      stats.value = counts;
      loadError.value = null;
    } catch (error) {
      loadError.value = errorMessage(error);
    } finally {
      loading.value = false;
    }
  }

  function update(patch: Partial<QueueFilters>): void {
    const next = { ...filters.value, page: 1, ...patch };
    void router.push({ name: 'refunds', query: toQuery(next) });
  }

  function applySearch(): void {
    update({ q: searchText.value.trim() });
  }

  function applyDates(range: [string, string] | null): void {
    update({ from: range?.[0] ?? '', to: range?.[1] ?? '' });
  }

  function reset(): void {
    searchText.value = '';
    dateRange.value = null;
    update({ type: '', q: '', from: '', to: '', sort: 'newest' });
  }

  /** What 导出 CSV downloads: the refunds this tab, type and date range select, whatever the search box says. */
  const exportUrl = computed(() => {
    const { status, type, from, to } = apiQuery(filters.value);
    return refundExportUrl({ status, type, from, to });
  });

  function tabCount(tab: QueueTab): number | null {
    if (!stats.value) return null;
    if (tab === 'ALL') return Object.values(stats.value.refunds).reduce((sum, n) => sum + n, 0);
    return stats.value.refunds[tab] ?? 0;
  }

  function open(refundNo: string): void {
    void router.push({ name: 'refund', params: { refundNo } });
  }

  watch(
    () => route.query,
    () => {
      if (route.name !== 'refunds') return;
      searchText.value = filters.value.q;
      dateRange.value = filters.value.from && filters.value.to ? [filters.value.from, filters.value.to] : null;
      void load();
    },
    { immediate: true },
  );

  const anyInFlight = computed(() => items.value.some((refund) => isInFlight(refund.status)));
  usePolling(anyInFlight, () => load(false));

  return {
    filters,
    items,
    total,
    loading,
    loadError,
    searchText,
    dateRange,
    anyInFlight,
    exportUrl,
    pageSizes: PAGE_SIZES,
    load,
    update,
    applySearch,
    applyDates,
    reset,
    tabCount,
    open,
  };
}
