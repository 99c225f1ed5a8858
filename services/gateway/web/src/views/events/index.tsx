// The event log, newest first, with its own filters (name, category, session, visitor,
// properties) in the URL, loading older pages as the list scrolls (the cursor API); a row opens
// to the event's JSON. A second tab lists sessions (GET …/sessions); a session opens its events.
import { useState } from 'preact/hooks';
import { api, unwrap } from '../../api/client';
import { ExportActions } from '../../components/export-actions';
import { formatDuration, formatInt } from '../../components/format';
import { Panel } from '../../components/panel';
import { range } from '../../state/range';
import { timeZone } from '../../state/session';
import { location, setParams } from '../../state/url';
import { NotApplied } from '../retention/filter-note';
import { VisitorLink } from '../visitor/link';
import { MoreRows } from './more';
import { usePaged } from './paged';
import { ScrollTable } from './table-head';
import { TimeText } from './time-text';
import { logFilterParams, logQuery, MAX_PROPS, parseLogFilters, type LogFilters } from './model';
import './events.css';

const PAGE = 50;


function FilterForm({ value }: { value: LogFilters }) {
  const [props, setProps] = useState<[string, string][]>(value.props);
  function submit(e: Event) {
    e.preventDefault();
    const form = new FormData(e.currentTarget as HTMLFormElement);
    const text = (k: string) => String(form.get(k) ?? '').trim();
    setParams({ ...logFilterParams({ name: text('name'), category: text('category'), session: text('session'), visitor: text('visitor'), props: props.filter(([k, v]) => k.trim() && v) }) });
  }
  return (
    <form class="log-filters" aria-label="Event log filters" onSubmit={submit} key={JSON.stringify(value)}>
      {(
        [
          ['name', 'Event name'],
          ['category', 'Category'],
          ['session', 'Session id'],
          ['visitor', 'Visitor id'],
        ] as const
      ).map(([k, label]) => (
        <label class="control" key={k}>
          <span class="control-label">{label}</span>
          <input name={k} defaultValue={value[k]} maxLength={200} />
        </label>
      ))}
      {props.map(([k, v], i) => (
        <fieldset class="plain-fieldset log-prop" key={i}>
          <legend class="visually-hidden">Property condition {i + 1}</legend>
          <label class="control">
            <span class="control-label">Property</span>
            <input value={k} maxLength={200} onInput={(e) => setProps(props.map((p, j) => (j === i ? [(e.currentTarget as HTMLInputElement).value, p[1]] : p)))} />
          </label>
          <label class="control">
            <span class="control-label">equals</span>
            <input value={v} maxLength={500} onInput={(e) => setProps(props.map((p, j) => (j === i ? [p[0], (e.currentTarget as HTMLInputElement).value] : p)))} />
          </label>
          <button type="button" class="btn btn-small btn-ghost" aria-label={`Remove property condition ${i + 1}`} onClick={() => setProps(props.filter((_, j) => j !== i))}>
            ✕
          </button>
        </fieldset>
      ))}
      <div class="log-filter-actions">
        <button type="button" class="btn btn-small btn-ghost" disabled={props.length >= MAX_PROPS} onClick={() => setProps([...props, ['', '']])}>
          + property
        </button>
        <button type="submit" class="btn btn-small btn-primary">
          Apply
        </button>
        <button type="button" class="btn btn-small btn-ghost" onClick={() => setParams(logFilterParams({ name: '', category: '', session: '', visitor: '', props: [] }))}>
          Clear
        </button>
      </div>
    </form>
  );
}

type EventRow = { messageId: string; name: string; type: string; timestamp: string; sessionId: string | null; visitorId: string; [k: string]: unknown };

function EventLog({ projectId, f }: { projectId: string; f: LogFilters }) {
  const r = range.value;
  const query = { from: r.from, to: r.to, ...logQuery(f), limit: PAGE };
  const request = { path: `/v1/projects/${projectId}/events`, query };
  const list = usePaged<EventRow>(JSON.stringify(request), async (cursor) => {
    const reply = await unwrap(
      api.GET('/v1/projects/{projectId}/events', { params: { path: { projectId }, query: { ...query, ...(cursor ? { cursor } : { withTotal: 'true' as const }) } as { from: string; to: string } } }),
    );
    return { rows: reply.events as EventRow[], nextCursor: reply.nextCursor, total: reply.total };
  });
  const [open, setOpen] = useState<Set<string>>(new Set());
  const tz = timeZone.value;
  const toggle = (id: string) => setOpen((o) => {
    const n = new Set(o);
    if (n.has(id)) n.delete(id);
    else n.add(id);
    return n;
  });
  return (
    <Panel
      id="event-log"
      title={list.total !== undefined ? `${formatInt(list.total)} events, newest first` : 'Events, newest first'}
      state={list.error ? 'error' : list.busy ? 'loading' : 'ok'}
      actions={
        <ExportActions
          name="events"
          request={request}
          csv={() => ({ header: ['timestamp', 'name', 'type', 'visitor_id', 'session_id', 'page', 'message_id', 'properties'], rows: list.rows.map((e) => [e.timestamp, e.name, e.type, e.visitorId, e.sessionId ?? '', e.pagePath ?? '', e.messageId, JSON.stringify(e.properties ?? {})]) })}
        />
      }
    >
      {list.rows.length > 0 && (
        <ScrollTable label="Event log">
          <table class="data-table log-table" data-event-log>
            <caption class="visually-hidden">Events, newest first; open a row to see its JSON</caption>
            <thead>
              <tr>
                <th scope="col">Time ({tz})</th>
                <th scope="col">Event</th>
                <th scope="col">Visitor</th>
                <th scope="col" class="hide-narrow">
                  Page
                </th>
              </tr>
            </thead>
            <tbody>
              {list.rows.map((e) => {
                const isOpen = open.has(e.messageId);
                return [
                  <tr key={e.messageId} data-event={e.messageId} data-name={e.name} data-timestamp={e.timestamp}>
                    <td class="log-time">
                      <button type="button" class="link-button expand" aria-expanded={isOpen} aria-controls={`json-${e.messageId}`} onClick={() => toggle(e.messageId)}>
                        <span aria-hidden="true">{isOpen ? '▾' : '▸'}</span> <TimeText iso={e.timestamp} tz={tz} />
                      </button>
                    </td>
                    <td>
                      <button type="button" class="link-button" title={`Only ${e.name} events`} onClick={() => setParams(logFilterParams({ ...f, name: e.name }))}>
                        {e.name}
                      </button>
                    </td>
                    <td class="log-visitor">
                      <VisitorLink projectId={projectId} visitorId={e.visitorId} />
                    </td>
                    <td class="hide-narrow log-page">{String(e.pagePath ?? '')}</td>
                  </tr>,
                  isOpen && (
                    <tr key={`${e.messageId}-json`} class="log-json-row">
                      <td colSpan={4} id={`json-${e.messageId}`}>
                        <pre data-event-json>{JSON.stringify(e, null, 2)}</pre>
                      </td>
                    </tr>
                  ),
                ];
              })}
            </tbody>
          </table>
        </ScrollTable>
      )}
      <MoreRows list={list} noun="events" />
    </Panel>
  );
}

type SessionRow = { sessionId: string; visitorId: string; startedAt: string; endedAt: string; [k: string]: unknown };

function Sessions({ projectId, visitor }: { projectId: string; visitor: string }) {
  const r = range.value;
  const query = { from: r.from, to: r.to, limit: PAGE, ...(visitor ? { visitorId: visitor } : {}) };
  const request = { path: `/v1/projects/${projectId}/sessions`, query };
  const list = usePaged<SessionRow>(JSON.stringify(request), async (cursor) => {
    const reply = await unwrap(api.GET('/v1/projects/{projectId}/sessions', { params: { path: { projectId }, query: { ...query, ...(cursor ? { cursor } : {}) } } }));
    return { rows: reply.sessions as SessionRow[], nextCursor: reply.nextCursor };
  });
  const tz = timeZone.value;
  return (
    <Panel
      id="sessions"
      title="Sessions, newest first"
      state={list.error ? 'error' : list.busy ? 'loading' : 'ok'}
      actions={
        <ExportActions
          name="sessions"
          request={request}
          csv={() => ({ header: ['started_at', 'ended_at', 'session_id', 'visitor_id', 'entry_page', 'exit_page', 'pages', 'events', 'source'], rows: list.rows.map((s) => [s.startedAt, s.endedAt, s.sessionId, s.visitorId, s.entryPage, s.exitPage, s.pageCount, s.eventCount, s.source]) })}
        />
      }
    >
      {list.rows.length > 0 && (
        <ScrollTable label="Sessions">
          <table class="data-table log-table" data-sessions>
            <caption class="visually-hidden">Sessions, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Started ({tz})</th>
                <th scope="col">Visitor</th>
                <th scope="col" class="num">
                  Duration
                </th>
                <th scope="col" class="num">
                  Events
                </th>
                <th scope="col" class="hide-narrow">
                  Entry → exit
                </th>
                <th scope="col" class="hide-narrow">
                  Source
                </th>
              </tr>
            </thead>
            <tbody>
              {list.rows.map((s) => (
                <tr key={s.sessionId} data-session={s.sessionId}>
                  <td>
                    <button type="button" class="link-button" title="Show this session's events" onClick={() => setParams({ tab: null, ...logFilterParams({ name: '', category: '', session: s.sessionId, visitor: '', props: [] }) })}>
                      <TimeText iso={s.startedAt} tz={tz} />
                    </button>
                  </td>
                  <td class="log-visitor">
                    <VisitorLink projectId={projectId} visitorId={s.visitorId} />
                  </td>
                  <td class="num">{formatDuration((Date.parse(s.endedAt) - Date.parse(s.startedAt)) / 1000)}</td>
                  <td class="num">{formatInt(Number(s.eventCount ?? 0))}</td>
                  <td class="hide-narrow log-page">
                    {String(s.entryPage ?? '—')} → {String(s.exitPage ?? '—')}
                  </td>
                  <td class="hide-narrow">{String(s.source ?? s.referrerDomain ?? '(direct)')}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </ScrollTable>
      )}
      <MoreRows list={list} noun="sessions" />
    </Panel>
  );
}

export function EventsView({ projectId }: { projectId: string }) {
  const params = location.value.params;
  const tab = params.get('tab') === 'sessions' ? 'sessions' : 'events';
  const f = parseLogFilters(params);
  return (
    <div class="view events-view">
      <h1>{tab === 'events' ? 'Event log' : 'Sessions'}</h1>
      <div class="tabs" role="group" aria-label="List">
        <button type="button" class="tab" aria-pressed={tab === 'events'} onClick={() => setParams({ tab: null })}>
          Events
        </button>
        <button type="button" class="tab" aria-pressed={tab === 'sessions'} onClick={() => setParams({ tab: 'sessions' })}>
          Sessions
        </button>
      </div>
      <NotApplied
        what={tab === 'events' ? 'the event log lists every event of the range' : 'the session list shows every session of the range'}
        detail={tab === 'events' ? 'and has its own filters below (name, category, session, visitor, properties)' : 'or of the visitor named in the event log’s filter'}
      />
      {tab === 'events' ? (
        <>
          <FilterForm value={f} />
          <EventLog projectId={projectId} f={f} />
        </>
      ) : (
        <Sessions projectId={projectId} visitor={f.visitor} />
      )}
    </div>
  );
}
