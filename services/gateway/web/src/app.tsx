// The route switch: every view is a URL (state/url.ts). Signed-out visitors of a member page go to
// the sign-in page and come back after it.
import { useEffect } from 'preact/hooks';
import { PlainLayout, ProjectLayout } from './shell/layout';
import { Loading } from './components/states';
import { loadServerConfig } from './state/server';
import { loadSession, me, sessionError } from './state/session';
import { location, navigate, route } from './state/url';
import { AccountView } from './views/account';
import { SignInView, SignUpView, landingPath } from './views/auth';
import { OverviewView } from './views/overview';
import { SettingsView } from './views/settings';
import { FunnelsView } from './views/funnels';
import { RetentionView } from './views/retention';
import { EventsView } from './views/events';
import { VisitorView } from './views/visitor';
import { CompareView } from './views/compare';

const PUBLIC = new Set(['sign-in', 'sign-up']);

function ProjectView({ projectId, view, rest }: { projectId: string; view: string; rest: string[] }) {
  switch (view) {
    case 'overview':
      return <OverviewView projectId={projectId} />;
    case 'funnels':
      return <FunnelsView projectId={projectId} />;
    case 'retention':
      return <RetentionView projectId={projectId} />;
    case 'events':
      return <EventsView projectId={projectId} />;
    case 'visitors':
      return rest[0] ? <VisitorView projectId={projectId} visitorId={rest[0]} /> : <EventsView projectId={projectId} />;
    case 'compare':
      return <CompareView projectId={projectId} />;
    case 'settings':
      return <SettingsView projectId={projectId} />;
    default:
      return <NotFound />;
  }
}

function NotFound() {
  return (
    <div class="panel">
      <h1>Not found</h1>
      <p>There is no such page. Pick a view above.</p>
    </div>
  );
}

export function App() {
  useEffect(() => {
    void loadSession();
    void loadServerConfig();
  }, []);
  const who = me.value;
  const r = route.value;
  const path = location.value.path;
  useEffect(() => {
    if (who === null && !PUBLIC.has(r.view)) navigate('/sign-in', path === '/' ? {} : { next: path + window.location.search }, true);
    else if (who && (PUBLIC.has(r.view) || path === '/')) {
      const to = new URL(landingPath(), window.location.origin);
      navigate(to.pathname, to.searchParams, true);
    }
  }, [who, r.view, path]);
  if (who === undefined) {
    return <PlainLayout>{sessionError.value ? <p role="alert">The server could not be reached: {sessionError.value.message}. Reload to try again.</p> : <Loading label="Loading Sightline" />}</PlainLayout>;
  }
  if (who === null) return <PlainLayout>{r.view === 'sign-up' ? <SignUpView /> : <SignInView />}</PlainLayout>;
  if (r.projectId) {
    return (
      <ProjectLayout>
        <ProjectView projectId={r.projectId} view={r.view} rest={r.rest} />
      </ProjectLayout>
    );
  }
  return <PlainLayout>{r.view === 'account' ? <AccountView /> : <Loading />}</PlainLayout>;
}
