// How many orders wait to be shipped (stats → orders.toShip), shared by the menu badge, the dashboard and the
// queue: one number for the whole app, refreshed on navigation and after every shipment.
import { readonly, ref } from 'vue';
import { getStats } from '../api/stats';
import type { AdminStats } from '../api/types';

const toShip = ref<number | null>(null);

/** A page that loaded the stats anyway hands them over instead of asking again. */
export function noteStats(stats: AdminStats): void {
  toShip.value = stats.orders.toShip;
}

export async function refreshToShip(): Promise<void> {
  try {
    noteStats(await getStats());
  } catch {
    // the badge is a convenience: a failed refresh keeps the last number, the pages show their own errors
  }
}

export function useToShipCount() {
  return { toShip: readonly(toShip), refresh: refreshToShip };
}
