// The visitors who reached a step (converted) or stopped before it (dropped), a page at a time on
// the funnel API's cursor, each linking to their profile.
import { api, unwrap } from '../../api/client';
import { ExportActions } from '../../components/export-actions';
import { Panel } from '../../components/panel';
import { setParams } from '../../state/url';
import { MoreRows } from '../events/more';
import { usePaged } from '../events/paged';
import { VisitorLink } from '../visitor/link';
import type { definition } from './model';

const PAGE = 100;
type Body = ReturnType<typeof definition> & { from: string; to: string };

export function FunnelVisitors({ projectId, body, step, kind }: { projectId: string; body: Body; step: number; kind: 'converted' | 'dropped' }) {
  const list = usePaged(JSON.stringify([projectId, body, step, kind]), async (cursor) => {
    const reply = await unwrap(api.POST('/v1/projects/{projectId}/funnels/query', { params: { path: { projectId } }, body: { ...body, includeVisitors: { step, kind, cursor, limit: PAGE } } }));
    return { rows: reply.visitors?.visitors ?? [], nextCursor: reply.visitors?.nextCursor ?? null };
  });
  const title = kind === 'converted' ? `Visitors who reached step ${step}` : `Visitors who dropped before step ${step}`;
  const request = { method: 'POST' as const, path: `/v1/projects/${projectId}/funnels/query`, body: { ...body, includeVisitors: { step, kind, limit: PAGE } }, query: { from: body.from, to: body.to } };
  return (
    <Panel
      id="funnel-visitors"
      title={title}
      state={list.busy ? 'loading' : list.error ? 'error' : 'ok'}
      actions={
        <div class="panel-tools">
          <ExportActions name={`funnel-step${step}-${kind}`} request={request} csv={() => ({ header: ['visitor_id', 'visitor_index'], rows: list.rows.map((r) => [r.visitorId ?? '', r.visitorIndex]) })} />
          <button type="button" class="btn btn-small btn-ghost" onClick={() => setParams({ vstep: null, vkind: null }, true)}>
            Close
          </button>
        </div>
      }
    >
      {list.rows.length > 0 && (
        <ul class="visitor-list" data-visitor-list={kind}>
          {list.rows.map((r) => (
            <li key={r.visitorIndex}>{r.visitorId ? <VisitorLink projectId={projectId} visitorId={r.visitorId} /> : <span class="hint">visitor #{r.visitorIndex} (erased)</span>}</li>
          ))}
        </ul>
      )}
      <MoreRows list={list} noun="visitors" auto={false} />
    </Panel>
  );
}
