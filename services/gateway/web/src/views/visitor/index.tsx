// A visitor's profile: ids and the ids merged into them, traits, first and last seen, and their
// sessions with the events of each as a timeline. Admins can erase the visitor (right to erasure)
// and follow the request until every store has forgotten them; the request id stays in the URL.
import { useEffect, useState } from 'preact/hooks';
import { api, unwrap, type ApiError } from '../../api/client';
import { ExportActions } from '../../components/export-actions';
import { formatDuration, formatInt } from '../../components/format';
import { Panel } from '../../components/panel';
import { useResource } from '../../components/resource';
import { Async } from '../../components/states';
import { Link } from '../../shell/layout';
import { currentRole, timeZone } from '../../state/session';
import { location, setParams } from '../../state/url';
import { formatTime } from '../events/model';
import { eventLogHref } from './link';
import { groupTimeline, type ProfileEvent, type ProfileSession } from './timeline';
import './visitor.css';

const EVENTS = 100;
const SESSIONS = 100;

type Profile = {
  visitorId: string;
  visitorIndex: number;
  userId?: string | null;
  mergedVisitors?: { visitorId: string; visitorIndex: number }[];
  traits?: Record<string, unknown> | null;
  firstSeen?: string;
  lastSeen?: string;
  eventCount?: number;
  sessionCount?: number;
  sessions?: ProfileSession[];
  lastEvents?: ProfileEvent[];
};

function Erasure({ projectId, visitorId }: { projectId: string; visitorId: string }) {
  const requestId = location.value.params.get('erasure');
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const [tick, setTick] = useState(0);
  const status = useResource(requestId ? `${requestId}:${tick}` : null, () => unwrap(api.GET('/v1/projects/{projectId}/erasures/{requestId}', { params: { path: { projectId, requestId: requestId! } } })));
  const done = status.data?.status === 'erased';
  useEffect(() => {
    if (!requestId || done) return;
    const t = setTimeout(() => setTick((n) => n + 1), 2000);
    return () => clearTimeout(t);
  }, [requestId, done, status.data, status.status]);
  async function erase() {
    if (!window.confirm(`Erase every event, session and trait of ${visitorId} from every store? This cannot be undone.`)) return;
    setBusy(true);
    setError(null);
    try {
      const reply = await unwrap(api.DELETE('/v1/projects/{projectId}/visitors/{visitorId}', { params: { path: { projectId, visitorId } } }));
      setParams({ erasure: reply.requestId }, true);
    } catch (err) {
      setError(err as ApiError);
    } finally {
      setBusy(false);
    }
  }
  return (
    <Panel id="erasure" title="Right to erasure" state={requestId ? (done ? 'erased' : 'pending') : 'idle'}>
      {requestId ? (
        <p role="status" data-erasure-status={status.data?.status ?? 'loading'}>
          Erasure request <code>{requestId}</code>:{' '}
          {done ? <strong>erased — the event store no longer knows this visitor.</strong> : status.status === 'error' ? `status unavailable (${status.error?.message}); checking again` : 'pending, checking every 2 s…'}
        </p>
      ) : (
        <>
          <p class="hint">Deletes this visitor and every id merged into them from the event log, sessions, profiles and visitor counts.</p>
          <button type="button" class="btn btn-small btn-danger" disabled={busy} onClick={() => void erase()}>
            {busy ? 'Requesting…' : 'Erase this visitor'}
          </button>
        </>
      )}
      {error && (
        <p role="alert" class="form-error">
          The erasure could not be requested: {error.message}.
        </p>
      )}
    </Panel>
  );
}

function Facts({ p }: { p: Profile }) {
  const tz = timeZone.value;
  const rows: [string, preact.ComponentChildren][] = [
    ['Visitor id', <code data-visitor-id>{p.visitorId}</code>],
    ['User id', p.userId ? <code>{p.userId}</code> : '—'],
    ['Merged ids', p.mergedVisitors?.length ? <ul class="plain-list">{p.mergedVisitors.map((m) => <li key={m.visitorIndex}><code data-merged-id>{m.visitorId}</code></li>)}</ul> : 'none'],
    ['First seen', p.firstSeen ? formatTime(p.firstSeen, tz) : '—'],
    ['Last seen', p.lastSeen ? formatTime(p.lastSeen, tz) : '—'],
    ['Events', formatInt(p.eventCount ?? 0)],
    ['Sessions', formatInt(p.sessionCount ?? 0)],
  ];
  return (
    <dl class="facts">
      {rows.map(([k, v]) => (
        <div key={k}>
          <dt>{k}</dt>
          <dd>{v}</dd>
        </div>
      ))}
    </dl>
  );
}

function Traits({ traits }: { traits: Record<string, unknown> }) {
  const entries = Object.entries(traits);
  if (!entries.length) return <p class="empty">No traits (identify calls set them).</p>;
  return (
    <table class="data-table" data-traits>
      <caption class="visually-hidden">Traits</caption>
      <thead>
        <tr>
          <th scope="col">Trait</th>
          <th scope="col">Value</th>
        </tr>
      </thead>
      <tbody>
        {entries.map(([k, v]) => (
          <tr key={k} data-trait={k}>
            <th scope="row">{k}</th>
            <td class="trait-value">{typeof v === 'string' ? v : JSON.stringify(v)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Timeline({ projectId, p }: { projectId: string; p: Profile }) {
  const tz = timeZone.value;
  const groups = groupTimeline(p.sessions ?? [], p.lastEvents ?? []);
  const [open, setOpen] = useState<string | null>(null);
  if (!groups.length) return <p class="empty">No events.</p>;
  return (
    <ol class="timeline" data-timeline>
      {groups.map((g) => (
        <li key={g.key} class="timeline-session" data-session={g.session?.sessionId ?? ''}>
          <h3 class="timeline-head">
            {g.session ? (
              <>
                Session {formatTime(g.session.startedAt, tz)} · {formatDuration((Date.parse(g.session.endedAt) - Date.parse(g.session.startedAt)) / 1000)}
                {g.session.entryPage ? ` · ${String(g.session.entryPage)}` : ''}
              </>
            ) : (
              'Outside a session'
            )}
          </h3>
          {g.events.length ? (
            <ul class="timeline-events">
              {g.events.map((e) => (
                <li key={e.messageId} data-event={e.messageId} data-name={e.name}>
                  <button type="button" class="link-button timeline-event" aria-expanded={open === e.messageId} onClick={() => setOpen(open === e.messageId ? null : e.messageId)}>
                    <time dateTime={e.timestamp}>{formatTime(e.timestamp, tz).split(', ').pop()}</time> <strong>{e.name}</strong>
                    {e.pagePath ? <span class="hint"> {String(e.pagePath)}</span> : null}
                  </button>
                  {open === e.messageId && <pre>{JSON.stringify(e, null, 2)}</pre>}
                </li>
              ))}
            </ul>
          ) : (
            <p class="hint">
              Its events are older than the last {EVENTS}:{' '}
              <Link href={eventLogHref(projectId, { session: g.session!.sessionId })}>open them in the event log</Link>.
            </p>
          )}
        </li>
      ))}
    </ol>
  );
}

export function VisitorView({ projectId, visitorId }: { projectId: string; visitorId: string }) {
  const query = { events: EVENTS, sessions: SESSIONS };
  const request = { path: `/v1/projects/${projectId}/visitors/${encodeURIComponent(visitorId)}`, query };
  const profile = useResource(JSON.stringify(request), () => unwrap(api.GET('/v1/projects/{projectId}/visitors/{visitorId}', { params: { path: { projectId, visitorId }, query } })) as Promise<Profile>);
  const isAdmin = currentRole.value === 'admin';
  const logHref = eventLogHref(projectId, { visitor: visitorId });
  return (
    <div class="view visitor-view">
      <h1>
        Visitor <span class="visitor-title">{visitorId}</span>
      </h1>
      {profile.status === 'error' && profile.error?.status === 404 ? (
        <p class="panel" data-visitor-missing>
          Sightline does not know this visitor: never seen in this project, or erased.
        </p>
      ) : (
        <Async part="The profile" resource={profile}>
          {(p) => (
            <div class="visitor-layout">
              <div>
                <Panel id="visitor-facts" title="Identity">
                  <Facts p={p} />
                  <p class="note">
                    <Link href={logHref}>All of this visitor's events in the event log</Link>
                  </p>
                </Panel>
                <Panel id="visitor-traits" title="Traits" actions={<ExportActions name={`visitor-traits`} request={request} csv={() => ({ header: ['trait', 'value'], rows: Object.entries(p.traits ?? {}).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]) })} />}>
                  <Traits traits={p.traits ?? {}} />
                </Panel>
                {isAdmin && <Erasure projectId={projectId} visitorId={visitorId} />}
              </div>
              <Panel
                id="visitor-timeline"
                title={`Timeline (last ${EVENTS} events)`}
                actions={<ExportActions name="visitor-events" request={request} csv={() => ({ header: ['timestamp', 'name', 'session_id', 'page', 'message_id'], rows: (p.lastEvents ?? []).map((e) => [e.timestamp, e.name, e.sessionId ?? '', e.pagePath ?? '', e.messageId]) })} />}
              >
                <Timeline projectId={projectId} p={p} />
              </Panel>
            </div>
          )}
        </Async>
      )}
      {isAdmin && profile.status === 'error' && profile.error?.status === 404 && location.value.params.get('erasure') && <Erasure projectId={projectId} visitorId={visitorId} />}
    </div>
  );
}
