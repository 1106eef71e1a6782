// List filters live in the URL (shared links, the back button): one text value of a query, and the page and
// page size every list keeps, with the defaults left out of the URL.
import type { LocationQuery, LocationQueryRaw } from 'vue-router';

export const PAGE_SIZES = [10, 20, 50, 100];
const DEFAULT_PAGE_SIZE = 20;

export interface Paging {
  page: number;
  pageSize: number;
}

export function queryText(value: LocationQuery[string]): string {
  return typeof value === 'string' ? value : '';
}

export function readPaging(query: LocationQuery): Paging {
  const page = Number.parseInt(queryText(query.page), 10);
  const pageSize = Number.parseInt(queryText(query.pageSize), 10);
  return { page: page > 0 ? page : 1, pageSize: PAGE_SIZES.includes(pageSize) ? pageSize : DEFAULT_PAGE_SIZE };
}

export function writePaging(paging: Paging): LocationQueryRaw {
  return {
    page: paging.page > 1 ? String(paging.page) : undefined,
    pageSize: paging.pageSize !== DEFAULT_PAGE_SIZE ? String(paging.pageSize) : undefined,
  };
}
