// Compare populations: two segments, two values of a dimension or two periods, and their exact
// overlap (in both, only in A, only in B) from the visitor bitmaps; each part lists its visitors,
// a page at a time, linking to their profiles. The global filters narrow both populations.
import { useState } from 'preact/hooks';
import { api, unwrap } from '../../api/client';
import { ListedValuesNote } from '../../components/breakdown-table';
import { ExportActions } from '../../components/export-actions';
import { formatInt, formatPercent } from '../../components/format';
import { Panel } from '../../components/panel';
import { useResource } from '../../components/resource';
import { Async } from '../../components/states';
import { comparison } from '../../state/comparison';
import { DIMENSIONS, dimensionLabel, parseFilters, serializeFilters, type Filter } from '../../state/filter-expr';
import { apiFilter } from '../../state/filters';
import { range } from '../../state/range';
import { comparisonRange } from '../../state/range-presets';
import { timeZone } from '../../state/session';
import { location, setParams } from '../../state/url';
import { ScrollTable, TableHead } from '../events/table-head';
import { usePaged } from '../events/paged';
import { VisitorListPanel } from '../visitor/list';
import { compareQuery, describeFilters, KINDS, populations, segmentFilters, type CompareKind, type Population } from './model';
import './compare.css';

type Part = 'both' | 'onlyA' | 'onlyB';
const PART_LABEL: Record<Part, string> = { onlyA: 'Only in A', both: 'In both', onlyB: 'Only in B' };

function useValues(projectId: string, dim: string) {
  const r = range.value;
  const query = { from: r.from, to: r.to, by: dim, limit: 100 };
  return useResource(dim ? JSON.stringify([projectId, query]) : null, () => unwrap(api.GET('/v1/projects/{projectId}/breakdown', { params: { path: { projectId }, query } })));
}

function DimSelect({ name, value, onChange }: { name: string; value: string; onChange: (dim: string) => void }) {
  const isTrait = value.startsWith('trait:');
  return (
    <>
      <label class="control">
        <span class="control-label">Dimension</span>
        <select name={name} value={isTrait ? 'trait:' : value} onChange={(e) => onChange((e.currentTarget as HTMLSelectElement).value)}>
          {DIMENSIONS.map((d) => (
            <option key={d.id} value={d.id}>
              {d.label}
            </option>
          ))}
          <option value="trait:">Trait…</option>
        </select>
      </label>
      {isTrait && (
        <label class="control">
          <span class="control-label">Trait name</span>
          <input name={`${name}-trait`} value={value.slice(6)} maxLength={200} onChange={(e) => onChange(`trait:${(e.currentTarget as HTMLInputElement).value.trim()}`)} />
        </label>
      )}
    </>
  );
}

function SegmentEditor({ projectId, side }: { projectId: string; side: 'a' | 'b' }) {
  const list = segmentFilters(location.value.params.get(side));
  const [dim, setDim] = useState('page');
  const [op, setOp] = useState<'is' | 'isNot'>('is');
  const [value, setValue] = useState('');
  const values = useValues(projectId, dim.startsWith('trait:') && dim.length === 6 ? '' : dim);
  const write = (next: Filter[]) => setParams({ [side]: serializeFilters(next) });
  return (
    <fieldset class="plain-fieldset segment" data-segment={side}>
      <legend>Segment {side.toUpperCase()}</legend>
      {list.length ? (
        <ul class="chips">
          {list.map((f, i) => (
            <li key={i} class="chip">
              {dimensionLabel(f.dim)} {f.op === 'isNot' ? 'is not' : 'is'} {f.values.join(' or ')}
              <button type="button" class="chip-x" aria-label={`Remove ${dimensionLabel(f.dim)} from segment ${side.toUpperCase()}`} onClick={() => write(list.filter((_, j) => j !== i))}>
                ×
              </button>
            </li>
          ))}
        </ul>
      ) : (
        <p class="hint">Every visitor (add a condition).</p>
      )}
      <form
        class="segment-form"
        aria-label={`Add a condition to segment ${side.toUpperCase()}`}
        onSubmit={(e) => {
          e.preventDefault();
          const v = value.trim();
          if (!v || dim === 'trait:') return;
          write([...parseFilters(location.value.params.get(side)), { dim, op, values: [v] }]);
          setValue('');
        }}
      >
        <DimSelect name={`${side}-dim`} value={dim} onChange={setDim} />
        <label class="control">
          <span class="control-label">Match</span>
          <select name={`${side}-op`} value={op} onChange={(e) => setOp((e.currentTarget as HTMLSelectElement).value as 'is' | 'isNot')}>
            <option value="is">is</option>
            <option value="isNot">is not</option>
          </select>
        </label>
        <label class="control">
          <span class="control-label">Value</span>
          <input name={`${side}-value`} list={`${side}-values`} value={value} maxLength={200} onInput={(e) => setValue((e.currentTarget as HTMLInputElement).value)} />
        </label>
        <datalist id={`${side}-values`}>
          {(values.data?.values ?? []).map((v) => (
            <option key={v.value} value={v.value} />
          ))}
        </datalist>
        <button type="submit" class="btn btn-small">
          Add
        </button>
      </form>
      <ListedValuesNote truncated={values.data?.truncated} canType />
    </fieldset>
  );
}

function ValuesEditor({ projectId }: { projectId: string }) {
  const p = location.value.params;
  const dim = p.get('dim') || 'browser';
  const values = useValues(projectId, dim.startsWith('trait:') && dim.length === 6 ? '' : dim);
  const options = (values.data?.values ?? []).map((v) => v.value);
  const pick = (key: 'va' | 'vb', label: string) => {
    const current = p.get(key) ?? '';
    return (
      <label class="control">
        <span class="control-label">{label}</span>
        <select name={key} value={current} onChange={(e) => setParams({ [key]: (e.currentTarget as HTMLSelectElement).value || null })}>
          <option value="">Pick a value</option>
          {[...new Set(current ? [current, ...options] : options)].map((v) => (
            <option key={v} value={v}>
              {v || '(none)'}
            </option>
          ))}
        </select>
      </label>
    );
  };
  return (
    <div class="segment-form">
      <DimSelect name="dim" value={dim} onChange={(d) => setParams({ dim: d, va: null, vb: null })} />
      {pick('va', 'Value A')}
      {pick('vb', 'Value B')}
      <ListedValuesNote truncated={values.data?.truncated} />
    </div>
  );
}

function PartVisitors({ projectId, query, part }: { projectId: string; query: Record<string, string>; part: Part }) {
  const q = { ...query, part, limit: 100 };
  const list = usePaged(JSON.stringify([projectId, q]), async (cursor) => {
    const reply = await unwrap(api.GET('/v1/projects/{projectId}/compare/visitors', { params: { path: { projectId }, query: { ...(q as typeof q & { aFrom: string; aTo: string; bFrom: string; bTo: string }), ...(cursor ? { cursor } : {}) } } }));
    return { rows: reply.visitors, nextCursor: reply.nextCursor };
  });
  return (
    <VisitorListPanel
      id="compare-visitors"
      projectId={projectId}
      title={`${PART_LABEL[part]}: visitors`}
      list={list}
      kind={part}
      name={`compare-${part}`}
      request={{ path: `/v1/projects/${projectId}/compare/visitors`, query: q }}
      onClose={() => setParams({ part: null }, true)}
    />
  );
}

function Result({ projectId, a, b }: { projectId: string; a: Population; b: Population }) {
  const query = compareQuery(a, b);
  const request = { path: `/v1/projects/${projectId}/compare`, query };
  const data = useResource(JSON.stringify(request), () => unwrap(api.GET('/v1/projects/{projectId}/compare', { params: { path: { projectId }, query: query as typeof query & { aFrom: string; aTo: string; bFrom: string; bTo: string } } })));
  const partParam = location.value.params.get('part');
  const part = partParam === 'both' || partParam === 'onlyA' || partParam === 'onlyB' ? partParam : null;
  return (
    <>
      <Panel
        id="compare-result"
        title="Overlap"
        state={data.status}
        actions={
          data.data && (
            <ExportActions
              name="compare"
              request={request}
              csv={() => ({ header: ['part', 'visitors'], rows: [['A', data.data!.a], ['B', data.data!.b], ['both', data.data!.both], ['only_A', data.data!.onlyA], ['only_B', data.data!.onlyB], ['either', data.data!.either]] })}
            />
          )
        }
      >
        <dl class="compare-legend">
          <div>
            <dt>
              <span class="swatch swatch-a" aria-hidden="true" /> A
            </dt>
            <dd>{a.label}</dd>
          </div>
          <div>
            <dt>
              <span class="swatch swatch-b" aria-hidden="true" /> B
            </dt>
            <dd>{b.label}</dd>
          </div>
        </dl>
        <Async part="The overlap" resource={data}>
          {(d) => (
            <>
              <div class="overlap-bar" aria-hidden="true">
                {(['onlyA', 'both', 'onlyB'] as Part[]).map((p) => (d[p] > 0 ? <span key={p} class={`overlap-${p}`} style={{ flexGrow: d[p] }} title={`${PART_LABEL[p]}: ${formatInt(d[p])}`} /> : null))}
              </div>
              <ScrollTable label="Overlap">
                <table class="data-table" data-compare>
                  <caption class="visually-hidden">Exact unique visitors of A, B and their overlap</caption>
                  <TableHead first="Part" nums={['Visitors', 'Of A', 'Of B']} />
                  <tbody>
                    {(['onlyA', 'both', 'onlyB'] as Part[]).map((p) => (
                      <tr key={p} data-part={p} data-count={d[p]}>
                        <th scope="row">
                          <button type="button" class="link-button" aria-pressed={part === p} onClick={() => setParams({ part: p }, true)}>
                            {PART_LABEL[p]}
                          </button>
                        </th>
                        <td class="num">{formatInt(d[p])}</td>
                        <td class="num">{p === 'onlyB' ? '—' : d.a ? formatPercent(d[p] / d.a) : '—'}</td>
                        <td class="num">{p === 'onlyA' ? '—' : d.b ? formatPercent(d[p] / d.b) : '—'}</td>
                      </tr>
                    ))}
                  </tbody>
                  <tfoot>
                    {(
                      [
                        ['a', 'All of A'],
                        ['b', 'All of B'],
                        ['either', 'A or B'],
                      ] as const
                    ).map(([k, label]) => (
                      <tr key={k} data-part={k}>
                        <th scope="row">{label}</th>
                        <td class="num">{formatInt(d[k])}</td>
                        <td colSpan={2} />
                      </tr>
                    ))}
                  </tfoot>
                </table>
              </ScrollTable>
              <p class="note">Exact counts from the visitor bitmaps: a visitor is in a part once. Choose a part to list its visitors.</p>
              {d.dayRounded && <p class="note note-warn">A page, referrer, country or UTM condition was evaluated over whole days of the range.</p>}
            </>
          )}
        </Async>
      </Panel>
      {part && <PartVisitors projectId={projectId} query={query} part={part} />}
    </>
  );
}

export function CompareView({ projectId }: { projectId: string }) {
  const params = location.value.params;
  const kind = (KINDS.some((k) => k.id === params.get('mode')) ? params.get('mode') : 'segments') as CompareKind;
  const base = apiFilter.value;
  const r = range.value;
  const other = comparison.value ?? comparisonRange('previous', r, timeZone.value)!;
  const pops = base === null ? 'Resolving the filters…' : populations(kind, params, base ? JSON.parse(base) : undefined, r, other);
  return (
    <div class="view compare-view">
      <h1>Compare populations</h1>
      <div class="tabs" role="group" aria-label="What to compare">
        {KINDS.map((k) => (
          <button key={k.id} type="button" class="tab" aria-pressed={kind === k.id} onClick={() => setParams({ mode: k.id === 'segments' ? null : k.id, part: null })}>
            {k.label}
          </button>
        ))}
      </div>
      <Panel id="compare-define" title={kind === 'segments' ? 'Segments' : kind === 'values' ? 'Values' : 'Periods'}>
        {kind === 'segments' ? (
          <div class="segments">
            <SegmentEditor projectId={projectId} side="a" />
            <SegmentEditor projectId={projectId} side="b" />
          </div>
        ) : kind === 'values' ? (
          <ValuesEditor projectId={projectId} />
        ) : (
          <p>
            A is the selected range ({r.label}); B is {comparison.value ? `the comparison range (${other.label})` : `the period before it (${other.label})`}. Choose B with the comparison control above.
          </p>
        )}
        {base !== undefined && <p class="note">The filters above narrow both A and B{base === null ? '' : `: ${describeFilters(parseFilters(params.get('filters')))}`}.</p>}
      </Panel>
      {typeof pops === 'string' ? <p class="panel empty">{pops}</p> : <Result projectId={projectId} a={pops.a} b={pops.b} />}
    </div>
  );
}
