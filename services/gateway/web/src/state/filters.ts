// The global filters of every view (`filters` in the URL), AND-ed. `apiFilter` is the JSON the
// API takes as `filter`; a "contains" filter first lists its dimension's values in the range
// (one breakdown request) and becomes the OR of those that match.
import { computed, effect, signal } from '@preact/signals';
import { api, ApiError, unwrap } from '../api/client';
import { isTransient } from '../components/resource';
import type { Truncated } from '../components/breakdown-notes';
import { addFilterValue, containsMatches, MAX_CONTAINS_VALUES, parseFilters, serializeFilters, toFilterExpression, type Filter, type FilterOp } from './filter-expr';
import { range } from './range';
import { location, route, routeProjectId, setParams } from './url';

export type { Filter, FilterOp };

export const filters = computed<Filter[]>(() => parseFilters(location.value.params.get('filters')));

export function setFilters(next: Filter[]): void {
  setParams({ filters: serializeFilters(next) });
}

export function addFilter(dim: string, value: string, op: FilterOp = 'is'): void {
  setFilters(addFilterValue(filters.value, dim, value, op));
}

export function removeFilter(index: number): void {
  setFilters(filters.value.filter((_, i) => i !== index));
}

export function clearFilters(): void {
  setFilters([]);
}

/** The values each "contains" filter expanded to, keyed by the request that listed them, and whether that list was cut by the read cost bound. */
const matches = signal<{ key: string; values: Record<number, string[]>; truncated: Record<number, Truncated> } | null>(null);

const RETRY_MS = 5000;

const containsKey = computed(() => {
  const c = filters.value.map((f, i) => (f.op === 'contains' ? [i, f.dim, f.values] : null)).filter(Boolean);
  return c.length ? JSON.stringify([route.value.projectId, range.value.from, range.value.to, c]) : '';
});

/** Why a "contains" filter's values could not be listed (the panels wait for them, never showing a zero they did not get), and when the next try runs. */
export const containsFailure = signal<{ key: string; message: string; retryAt?: number } | null>(null);
const containsRetry = signal(0);

effect(() => {
  const key = containsKey.value;
  const projectId = routeProjectId.value;
  void containsRetry.value;
  if (containsFailure.peek()?.key !== key) containsFailure.value = null;
  if (!key || !projectId) return;
  // Peeked: the key already names the range and the "contains" filters, so other URL changes do not list the values again.
  const { from, to } = range.peek();
  const list = filters.peek();
  void Promise.all(
    list.map(async (f, i) => {
      if (f.op !== 'contains') return [i, [] as string[], undefined] as const;
      const reply = await unwrap(api.GET('/v1/projects/{projectId}/breakdown', { params: { path: { projectId }, query: { from, to, by: f.dim, limit: 1000 } } }));
      return [i, containsMatches(reply.values.map((v) => v.value), f.values), reply.truncated] as const;
    }),
  ).then(
    (found) => {
      if (containsKey.value !== key) return;
      const truncated = Object.fromEntries(found.flatMap(([i, , t]) => (t ? [[i, t]] : [])));
      containsFailure.value = null;
      matches.value = { key, values: Object.fromEntries(found.map(([i, values]) => [i, values])), truncated };
    },
    (err: unknown) => {
      if (containsKey.value !== key) return;
      // Matching nothing here would show every panel a zero it never received: wait and say why instead.
      const error = err instanceof ApiError ? err : new ApiError(0, 'network', 'the server could not be reached');
      const retryAt = isTransient(error) ? Date.now() + RETRY_MS : undefined;
      containsFailure.value = { key, message: error.message, retryAt };
      if (retryAt) setTimeout(() => containsKey.peek() === key && containsRetry.value++, RETRY_MS);
    },
  );
});

/** The `filter` query parameter, undefined for none, or null while a "contains" is being expanded. */
export const apiFilter = computed<string | undefined | null>(() => {
  const list = filters.value;
  if (!list.length) return undefined;
  const key = containsKey.value;
  if (key && matches.value?.key !== key) return null;
  const expr = toFilterExpression(list, key ? matches.value!.values : {});
  return expr ? JSON.stringify(expr) : undefined;
});

/** What each "contains" filter left out, by filter index: values past the first MAX_CONTAINS_VALUES, or not listed at all (the breakdown was cut by the read cost bound). */
export const containsGaps = computed<Record<number, { matched: number; used: number; truncated?: Truncated }>>(() => {
  const m = matches.value;
  if (!m || m.key !== containsKey.value) return {};
  const out: Record<number, { matched: number; used: number; truncated?: Truncated }> = {};
  for (const [i, values] of Object.entries(m.values)) {
    const truncated = m.truncated[Number(i)];
    if (values.length > MAX_CONTAINS_VALUES || truncated) out[Number(i)] = { matched: values.length, used: Math.min(values.length, MAX_CONTAINS_VALUES), truncated };
  }
  return out;
});
