// A new project's first steps: the tracker snippet, a Segment SDK, or curl; and "waiting for the
// first event", which turns green as soon as one arrives (polled every 5 s while waiting).
import { useEffect, useState } from 'preact/hooks';
import { api, unwrap } from '../../api/client';
import { CopyButton } from '../../components/copy-button';
import { addDays, formatDate } from '../../state/range-presets';
import { server } from '../../state/server';
import type { Project } from '../../state/session';

/**
 * The collector's public URL: what the server says (GET /v1/config, INGEST_PUBLIC_URL), else
 * derived: the dashboard's host on ingest's port when the gateway runs on its default port, else
 * this origin (a reverse proxy serving both).
 */
export function collectorUrl(): string {
  const configured = server.value?.ingestUrl;
  if (configured) return configured.replace(/\/$/, '');
  const { protocol, hostname, port } = window.location;
  return port === '8080' ? `${protocol}//${hostname}:8081` : window.location.origin;
}

export const snippet = (project: Project, collector = collectorUrl()) => `<script defer src="${collector}/tracker.js" data-key="${project.writeKey}"></script>`;

export const segmentSnippet = (project: Project, collector = collectorUrl()) =>
  `import { Analytics } from '@segment/analytics-node';\nconst analytics = new Analytics({ writeKey: '${project.writeKey}', host: '${collector}' });\nanalytics.track({ userId: 'user-1', event: 'Signed Up', properties: { plan: 'pro' } });`;

export const curlSnippet = (project: Project, collector = collectorUrl()) =>
  `curl -sS -u '${project.writeKey}:' -H 'content-type: application/json' ${collector}/v1/track -d '{"anonymousId":"a1","event":"Signed Up","properties":{"plan":"pro"}}'`;

/** The event log's longest range (400 days), which is also the oldest event a project may accept. */
const LOOK_BACK_DAYS = 400;

/** Whether the project has any event at all (undefined while checking); re-checks every 5 s until it has. */
export function useHasEvents(projectId: string, ready: boolean): boolean | undefined {
  const [has, setHas] = useState<boolean | undefined>(undefined);
  useEffect(() => {
    if (!ready) return;
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    setHas(undefined);
    const check = async () => {
      try {
        // Events may carry times from before the project existed (a backfill), so look back as far as the API allows.
        const today = new Date().toISOString().slice(0, 10);
        const end = addDays({ y: +today.slice(0, 4), m: +today.slice(5, 7), d: +today.slice(8, 10) }, 2);
        const from = formatDate(addDays(end, -LOOK_BACK_DAYS));
        const to = formatDate(end);
        const page = await unwrap(api.GET('/v1/projects/{projectId}/events', { params: { path: { projectId }, query: { from, to, limit: 1, order: 'desc' } } }));
        if (!live) return;
        setHas(page.events.length > 0);
        if (page.events.length === 0) timer = setTimeout(check, 5000);
      } catch {
        if (live) timer = setTimeout(check, 5000);
      }
    };
    void check();
    return () => {
      live = false;
      if (timer) clearTimeout(timer);
    };
  }, [projectId, ready]);
  return has;
}

function Code({ label, text }: { label: string; text: string }) {
  return (
    <div class="code-block">
      <div class="code-head">
        <span>{label}</span>
        <CopyButton text={text} describe={`Copy: ${label}`} />
      </div>
      <pre tabIndex={0} aria-label={label}>
        <code>{text}</code>
      </pre>
    </div>
  );
}

export function WaitingBadge({ has }: { has: boolean | undefined }) {
  if (has === undefined) return <p class="badge">Checking for events…</p>;
  return has ? (
    <p class="badge badge-ok" role="status" data-first-event="received">
      ✓ Events are arriving
    </p>
  ) : (
    <p class="badge badge-wait" role="status" data-first-event="waiting">
      <span class="pulse" aria-hidden="true" /> Waiting for the first event…
    </p>
  );
}

export function Snippets({ project }: { project: Project }) {
  return (
    <>
      <Code label="Tracker snippet (put it in your pages' head)" text={snippet(project)} />
      <Code label="Segment SDK (any Segment library works unchanged)" text={segmentSnippet(project)} />
      <Code label="curl" text={curlSnippet(project)} />
    </>
  );
}

export function FirstEventGuide({ project, has }: { project: Project; has?: boolean }) {
  return (
    <section class="panel first-event" aria-labelledby="first-event-title">
      <h2 id="first-event-title">Send your first event</h2>
      <WaitingBadge has={has} />
      <p>Pick one; this page turns green when the first event arrives.</p>
      <Snippets project={project} />
    </section>
  );
}
