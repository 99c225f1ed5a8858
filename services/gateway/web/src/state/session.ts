// Who is signed in, their accounts (with the role in each), their projects, and the project the
// URL names. Loaded once by the shell; views read `currentProject` for its time zone and role.
import { computed, signal } from '@preact/signals';
import { ApiError, api, unwrap } from '../api/client';
import { route } from './url';

export type Me = Awaited<ReturnType<typeof fetchMe>>;
export type Project = Awaited<ReturnType<typeof fetchProjects>>[number];
export type Role = 'admin' | 'analyst' | 'viewer';

const fetchMe = () => unwrap(api.GET('/v1/me'));
const fetchProject = async (projectId: string) => (await unwrap(api.GET('/v1/projects/{projectId}', { params: { path: { projectId } } }))).project;
const fetchProjects = async (accountId: string) => (await unwrap(api.GET('/v1/accounts/{accountId}/projects', { params: { path: { accountId } } }))).projects;

/** undefined while loading, null when signed out. */
export const me = signal<Me | null | undefined>(undefined);
export const projects = signal<Project[]>([]);
export const sessionError = signal<ApiError | null>(null);

/**
 * The member, then every project of their accounts (the switcher). The project the URL names is
 * fetched beside the member, so a view can start its requests (which need its time zone) one round
 * trip sooner instead of after the whole list.
 */
export async function loadSession(): Promise<void> {
  try {
    const named = route.value.projectId;
    const [who, project] = await Promise.all([fetchMe(), named ? fetchProject(named).catch(() => null) : null]);
    if (project) projects.value = [project];
    me.value = who;
    sessionError.value = null;
    const lists = await Promise.all(who.accounts.map((a) => fetchProjects(a.id)));
    projects.value = lists.flat();
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) {
      me.value = null;
      projects.value = [];
    } else sessionError.value = err instanceof ApiError ? err : new ApiError(0, 'network', String(err));
  }
}

export const currentProject = computed(() => projects.value.find((p) => p.id === route.value.projectId) ?? null);

/** The member's role in the account of the current project (what settings they may change). */
export const currentRole = computed<Role | null>(() => {
  const p = currentProject.value;
  const account = p && me.value?.accounts.find((a) => a.id === p.accountId);
  return (account?.role as Role | undefined) ?? null;
});

export const timeZone = computed(() => currentProject.value?.timeZone ?? 'UTC');

/** Replaces one project in the list after a settings change (so the time zone applies at once). */
export function updateProject(next: Project): void {
  projects.value = projects.value.map((p) => (p.id === next.id ? next : p));
}

export function addProject(next: Project): void {
  projects.value = [...projects.value, next];
}
