// The visitors who reached a step (converted) or stopped before it (dropped), a page at a time on
// the funnel API's cursor, each linking to their profile.
import { api, unwrap } from '../../api/client';
import { setParams } from '../../state/url';
import { usePaged } from '../events/paged';
import { VisitorListPanel } from '../visitor/list';
import type { definition } from './model';

const PAGE = 100;
type Body = ReturnType<typeof definition> & { from: string; to: string; filter?: Record<string, unknown> };

export function FunnelVisitors({ projectId, body, step, kind }: { projectId: string; body: Body; step: number; kind: 'converted' | 'dropped' }) {
  const list = usePaged(JSON.stringify([projectId, body, step, kind]), async (cursor) => {
    const reply = await unwrap(api.POST('/v1/projects/{projectId}/funnels/query', { params: { path: { projectId } }, body: { ...body, includeVisitors: { step, kind, cursor, limit: PAGE } } }));
    return { rows: reply.visitors?.visitors ?? [], nextCursor: reply.visitors?.nextCursor ?? null };
  });
  return (
    <VisitorListPanel
      id="funnel-visitors"
      projectId={projectId}
      title={kind === 'converted' ? `Visitors who reached step ${step}` : `Visitors who dropped before step ${step}`}
      list={list}
      kind={kind}
      name={`funnel-step${step}-${kind}`}
      request={{ method: 'POST', path: `/v1/projects/${projectId}/funnels/query`, body: { ...body, includeVisitors: { step, kind, limit: PAGE } }, query: { from: body.from, to: body.to } }}
      onClose={() => setParams({ vstep: null, vkind: null }, true)}
    />
  );
}
