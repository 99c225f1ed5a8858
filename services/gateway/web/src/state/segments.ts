// Saved segments (issue #15 §3): the global filters under a name, per project. Applying one
// replaces the filters in the URL; an analyst or admin saves and deletes them.
import { computed, effect, signal } from '@preact/signals';
import { api, ApiError, unwrap, type paths } from '../api/client';
import { expectNoContent } from '../components/form-action';
import { filters, setFilters } from './filters';
import { currentRole } from './session';
import { route, routeProjectId } from './url';

export type Segment = paths['/v1/projects/{projectId}/segments']['get']['responses'][200]['content']['application/json']['segments'][number];

export const segments = signal<Segment[]>([]);
export const segmentError = signal<string | null>(null);
export const canEditSegments = computed(() => currentRole.value === 'admin' || currentRole.value === 'analyst');

const message = (err: unknown) => (err instanceof ApiError ? err.message : String(err));

export async function loadSegments(projectId: string): Promise<void> {
  try {
    const reply = await unwrap(api.GET('/v1/projects/{projectId}/segments', { params: { path: { projectId } } }));
    if (route.value.projectId === projectId) segments.value = reply.segments;
  } catch (err) {
    if (route.value.projectId === projectId) segmentError.value = message(err);
  }
}

// Once per project, not on every filter change.
effect(() => {
  const projectId = routeProjectId.value;
  segments.value = [];
  segmentError.value = null;
  if (projectId) void loadSegments(projectId);
});

/** Saves the current filters under `name` (replacing a segment of that name); true when saved. */
export async function saveSegment(name: string): Promise<boolean> {
  const projectId = route.value.projectId;
  if (!projectId || !filters.value.length) return false;
  segmentError.value = null;
  try {
    const reply = await unwrap(api.PUT('/v1/projects/{projectId}/segments/{name}', { params: { path: { projectId, name } }, body: { filters: filters.value } }));
    segments.value = [...segments.value.filter((s) => s.name !== name), reply.segment].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    return true;
  } catch (err) {
    segmentError.value = message(err);
    return false;
  }
}

export async function deleteSegment(name: string): Promise<void> {
  const projectId = route.value.projectId;
  if (!projectId) return;
  segmentError.value = null;
  try {
    await expectNoContent(api.DELETE('/v1/projects/{projectId}/segments/{name}', { params: { path: { projectId, name } } }));
    segments.value = segments.value.filter((s) => s.name !== name);
  } catch (err) {
    segmentError.value = message(err);
  }
}

/** Replaces the global filters with the segment's. */
export function applySegment(name: string): void {
  const segment = segments.value.find((s) => s.name === name);
  if (segment) setFilters(segment.filters.map((f) => ({ dim: f.dim, op: f.op, values: [...f.values] })));
}
