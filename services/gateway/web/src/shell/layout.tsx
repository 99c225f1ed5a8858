// The frame of every project view: header (project switcher, account, theme), the views' nav, the
// toolbar (range, comparison, filters) and the view itself.
import type { ComponentChildren } from 'preact';
import { api } from '../api/client';
import { currentProject, me, projects } from '../state/session';
import { location, navigate, route } from '../state/url';
import { FilterBar } from './filter-bar';
import { CompareControl, RangePicker } from './range-picker';
import { HelpSheet, helpOpen, useShortcuts } from './shortcuts';
import { dark, toggleTheme } from '../state/theme';

const NAV = [
  { view: 'overview', label: 'Overview' },
  { view: 'funnels', label: 'Funnels' },
  { view: 'retention', label: 'Retention' },
  { view: 'events', label: 'Events' },
  { view: 'compare', label: 'Compare' },
  { view: 'settings', label: 'Settings' },
];

/** Views keep the range, comparison and filters when the person moves between them. */
const SHARED = ['period', 'from', 'to', 'interval', 'compare', 'cfrom', 'cto', 'filters'];
export function viewHref(projectId: string, view: string): string {
  const params = new URLSearchParams();
  for (const k of SHARED) {
    const v = location.value.params.get(k);
    if (v) params.set(k, v);
  }
  const q = params.toString();
  return `/p/${encodeURIComponent(projectId)}/${view}${q ? `?${q}` : ''}`;
}

/** An in-app link: no reload, still a real href (open in a new tab, copy link). */
export function Link({ href, children, ...rest }: { href: string; children: ComponentChildren; class?: string; 'aria-current'?: 'page' | undefined }) {
  return (
    <a
      href={href}
      {...rest}
      onClick={(e) => {
        if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
        e.preventDefault();
        const url = new URL(href, window.location.origin);
        navigate(url.pathname, url.searchParams);
      }}
    >
      {children}
    </a>
  );
}

export async function signOut(): Promise<void> {
  await api.DELETE('/v1/session');
  me.value = null;
  projects.value = [];
  navigate('/sign-in');
}

function ProjectSwitcher() {
  const who = me.value;
  const current = route.value.projectId;
  const list = projects.value;
  return (
    <label class="control project-switcher">
      <span class="visually-hidden">Project</span>
      <select
        value={current ?? ''}
        onChange={(e) => {
          const id = (e.currentTarget as HTMLSelectElement).value;
          if (id === '__new') navigate('/account', { new: 'project' });
          else navigate(`/p/${encodeURIComponent(id)}/${route.value.view === 'visitors' ? 'overview' : route.value.view}`);
        }}
      >
        {!current && <option value="">Choose a project</option>}
        {who?.accounts.map((a) => (
          <optgroup key={a.id} label={a.name}>
            {list
              .filter((p) => p.accountId === a.id)
              .map((p) => (
                <option key={p.id} value={p.id}>
                  {p.name}
                </option>
              ))}
          </optgroup>
        ))}
        <option value="__new">+ New project…</option>
      </select>
    </label>
  );
}

export function Header() {
  const who = me.value;
  return (
    <header class="app-header">
      <Link href="/" class="brand">
        Sightline
      </Link>
      {who && <ProjectSwitcher />}
      <div class="header-end">
        <button type="button" class="btn btn-ghost btn-small" onClick={() => (helpOpen.value = true)} aria-label="Keyboard shortcuts">
          ?
        </button>
        <button type="button" class="btn btn-ghost btn-small" onClick={toggleTheme} aria-label={dark.value ? 'Switch to light mode' : 'Switch to dark mode'}>
          {dark.value ? '☀' : '☾'}
        </button>
        {who && (
          <Link href="/account" class="account-link">
            <span class="visually-hidden">Account: </span>
            {who.member.email}
          </Link>
        )}
        {who && (
          <button type="button" class="btn btn-ghost btn-small" onClick={() => void signOut()}>
            Sign out
          </button>
        )}
      </div>
    </header>
  );
}

export function ProjectLayout({ children }: { children: ComponentChildren }) {
  useShortcuts();
  const { projectId, view } = route.value;
  const project = currentProject.value;
  const showToolbar = view !== 'settings';
  return (
    <div class="app">
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <Header />
      <nav class="view-nav" aria-label="Views">
        <ul>
          {NAV.map((n) => (
            <li key={n.view}>
              <Link href={viewHref(projectId!, n.view)} aria-current={view === n.view || (n.view === 'events' && view === 'visitors') ? 'page' : undefined}>
                {n.label}
              </Link>
            </li>
          ))}
        </ul>
      </nav>
      {showToolbar && (
        <div class="toolbar" role="region" aria-label="Range, comparison and filters">
          <RangePicker />
          <CompareControl />
          <FilterBar />
          {project && <span class="hint tz">Times in {project.timeZone}</span>}
        </div>
      )}
      <main id="main" tabIndex={-1}>
        {children}
      </main>
      <HelpSheet />
    </div>
  );
}

/** The frame of pages outside a project (sign-in, account). */
export function PlainLayout({ children }: { children: ComponentChildren }) {
  useShortcuts();
  return (
    <div class="app">
      <Header />
      <main id="main" class="plain" tabIndex={-1}>
        {children}
      </main>
      <HelpSheet />
    </div>
  );
}
