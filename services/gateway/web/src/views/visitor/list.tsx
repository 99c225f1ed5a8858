// A panel listing visitors a page at a time (funnel step, compare part), each linking to the
// profile, with CSV / API export and a close button.
import { ExportActions } from '../../components/export-actions';
import type { ApiRequest } from '../../components/curl';
import { Panel } from '../../components/panel';
import { MoreRows } from '../events/more';
import type { Paged } from '../events/paged';
import { VisitorLink } from './link';

export type ListedVisitor = { visitorId: string | null; visitorIndex: number };

export function VisitorListPanel({ id, projectId, title, list, name, request, kind, onClose }: { id: string; projectId: string; title: string; list: Paged<ListedVisitor>; name: string; request: ApiRequest; kind: string; onClose: () => void }) {
  return (
    <Panel
      id={id}
      title={title}
      state={list.error ? 'error' : list.busy ? 'loading' : 'ok'}
      actions={
        <div class="panel-tools">
          <ExportActions name={name} request={request} csv={() => ({ header: ['visitor_id', 'visitor_index'], rows: list.rows.map((r) => [r.visitorId ?? '', r.visitorIndex]) })} />
          <button type="button" class="btn btn-small btn-ghost" onClick={onClose}>
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
