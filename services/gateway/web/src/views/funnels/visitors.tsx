// The visitors who reached a step (converted) or stopped before it (dropped), a page at a time on
// the funnel API's cursor, each linking to their profile.
import { useEffect, useState } from 'preact/hooks';
import { api, unwrap, type ApiError } from '../../api/client';
import { ExportActions } from '../../components/export-actions';
import { Panel } from '../../components/panel';
import { Loading } from '../../components/states';
import { setParams } from '../../state/url';
import { VisitorLink } from '../visitor/link';
import type { definition } from './model';

const PAGE = 50;
type Body = ReturnType<typeof definition> & { from: string; to: string };
type Person = { visitorId: string | null; visitorIndex: number };

export function FunnelVisitors({ projectId, body, step, kind }: { projectId: string; body: Body; step: number; kind: 'converted' | 'dropped' }) {
  const [rows, setRows] = useState<Person[]>([]);
  const [cursor, setCursor] = useState<string | null | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  async function load(from: string | null) {
    setBusy(true);
    setError(null);
    try {
      const reply = await unwrap(api.POST('/v1/projects/{projectId}/funnels/query', { params: { path: { projectId } }, body: { ...body, includeVisitors: { step, kind, cursor: from, limit: PAGE } } }));
      setRows((r) => [...r, ...(reply.visitors?.visitors ?? [])]);
      setCursor(reply.visitors?.nextCursor ?? null);
    } catch (err) {
      setError(err as ApiError);
    } finally {
      setBusy(false);
    }
  }
  useEffect(() => void load(null), []);
  const title = kind === 'converted' ? `Visitors who reached step ${step}` : `Visitors who dropped before step ${step}`;
  const request = { method: 'POST' as const, path: `/v1/projects/${projectId}/funnels/query`, body: { ...body, includeVisitors: { step, kind, limit: PAGE } }, query: { from: body.from, to: body.to } };
  return (
    <Panel
      id="funnel-visitors"
      title={title}
      state={busy ? 'loading' : error ? 'error' : 'ok'}
      actions={
        <div class="panel-tools">
          <ExportActions name={`funnel-step${step}-${kind}`} request={request} csv={() => ({ header: ['visitor_id', 'visitor_index'], rows: rows.map((r) => [r.visitorId ?? '', r.visitorIndex]) })} />
          <button type="button" class="btn btn-small btn-ghost" onClick={() => setParams({ vstep: null, vkind: null }, true)}>
            Close
          </button>
        </div>
      }
    >
      {rows.length === 0 && busy ? (
        <Loading label="Loading the visitors" />
      ) : rows.length === 0 && !error ? (
        <p class="empty">Nobody.</p>
      ) : (
        <ul class="visitor-list" data-visitor-list={kind}>
          {rows.map((r) => (
            <li key={r.visitorIndex}>
              {r.visitorId ? <VisitorLink projectId={projectId} visitorId={r.visitorId} /> : <span class="hint">visitor #{r.visitorIndex} (erased)</span>}
            </li>
          ))}
        </ul>
      )}
      {error && (
        <p role="alert" class="state-error">
          The visitors could not be listed: {error.message}.{' '}
          <button type="button" class="btn btn-small" onClick={() => void load(cursor ?? null)}>
            Retry
          </button>
        </p>
      )}
      {cursor && (
        <button type="button" class="btn btn-small" disabled={busy} onClick={() => void load(cursor)}>
          {busy ? 'Loading…' : 'Load more'}
        </button>
      )}
    </Panel>
  );
}

