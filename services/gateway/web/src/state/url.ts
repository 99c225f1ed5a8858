// All view state lives in the URL (path = view, query = its settings): any view can be
// bookmarked, shared and opened directly by a test. `location` is the one signal every view
// reads; `navigate` and `setParams` are the only writers.
import { computed, signal } from '@preact/signals';

export interface Location {
  /** e.g. `/p/demo/overview`, `/p/demo/funnels`, `/sign-in`. */
  path: string;
  params: URLSearchParams;
}

const read = (): Location => ({ path: window.location.pathname, params: new URLSearchParams(window.location.search) });

export const location = signal<Location>(read());

window.addEventListener('popstate', () => {
  location.value = read();
});

/** Goes to `path` (with `params`), adding a history entry. */
export function navigate(path: string, params: URLSearchParams | Record<string, string> = {}, replace = false): void {
  const search = new URLSearchParams(params).toString();
  const url = search ? `${path}?${search}` : path;
  if (replace) window.history.replaceState(null, '', url);
  else window.history.pushState(null, '', url);
  location.value = read();
}

/** Sets (or, with null, removes) query parameters of the current view. */
export function setParams(changes: Record<string, string | null>, replace = false): void {
  const params = new URLSearchParams(location.value.params);
  for (const [key, value] of Object.entries(changes)) {
    if (value === null || value === '') params.delete(key);
    else params.set(key, value);
  }
  navigate(location.value.path, params, replace);
}

/** One query parameter as a signal. */
export const param = (name: string) => computed(() => location.value.params.get(name));

/** `/p/<projectId>/<view>` → its parts (view defaults to overview). */
export const route = computed(() => {
  const parts = location.value.path.split('/').filter(Boolean);
  if (parts[0] === 'p' && parts[1]) return { projectId: decodeURIComponent(parts[1]), view: parts[2] ?? 'overview', rest: parts.slice(3).map(decodeURIComponent) };
  return { projectId: null, view: parts[0] ?? 'home', rest: parts.slice(1).map(decodeURIComponent) };
});

/**
 * The project of the URL alone: an effect that reads it runs again when the project changes, not
 * on every change of the URL (a filter, a tab) as one reading `route` would.
 */
export const routeProjectId = computed(() => route.value.projectId);
