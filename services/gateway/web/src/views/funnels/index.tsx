// Funnels: a builder whose whole state is in the URL (steps with property conditions, order,
// window, breakdown), the result as bars with step and overall conversion and time to convert,
// a breakdown table, and for each step the paged list of visitors who converted or dropped, each
// linking to their profile. Saved funnels load, save and delete through the existing routes.
// The global filters narrow the run to the visitors who match them in the range (the API's
// `filter`); a saved funnel keeps only its definition, so it runs under whatever filters are set.
import { api, unwrap } from '../../api/client';
import { ListedValuesNote } from '../../components/breakdown-table';
import { ExportActions } from '../../components/export-actions';
import { formatDuration, formatInt, formatPercent } from '../../components/format';
import { Panel } from '../../components/panel';
import { StackCell, StackHead, StackTable } from '../../components/stack-table';
import { useResource } from '../../components/resource';
import { Async } from '../../components/states';
import { apiFilter } from '../../state/filters';
import { range } from '../../state/range';
import { location, setParams } from '../../state/url';
import { FiltersApplied } from '../retention/filter-note';
import { DraftInput } from './draft-input';
import { SavedFunnels } from './saved';
import { FunnelVisitors } from './visitors';
import { definition, MAX_CONDITIONS, MAX_STEPS, ORDERS, parseState, problem, stateParams, WINDOW_UNITS, windowParts, type FunnelState, type Order } from './model';
import './funnels.css';

type Result = Awaited<ReturnType<typeof runQuery>>;
type StepResult = Result['steps'][number];

type Body = ReturnType<typeof definition> & { from: string; to: string; filter?: Record<string, unknown> };
const runQuery = (projectId: string, body: Body) => unwrap(api.POST('/v1/projects/{projectId}/funnels/query', { params: { path: { projectId } }, body }));

function update(next: FunnelState) {
  setParams({ ...stateParams(next), vstep: null, vkind: null }, true);
}

function Builder({ state, events }: { state: FunnelState; events: string[] }) {
  const w = windowParts(state.windowSeconds);
  const setStep = (i: number, change: Partial<FunnelState['steps'][number]>) => update({ ...state, steps: state.steps.map((s, j) => (j === i ? { ...s, ...change } : s)) });
  const move = (i: number, by: number) => {
    const steps = [...state.steps];
    [steps[i], steps[i + by]] = [steps[i + by], steps[i]];
    update({ ...state, steps });
  };
  return (
    <form class="funnel-builder" aria-label="Funnel definition" onSubmit={(e) => e.preventDefault()}>
      <datalist id="funnel-events">
        {events.map((e) => (
          <option key={e} value={e} />
        ))}
      </datalist>
      <ol class="funnel-steps">
        {state.steps.map((step, i) => (
          <li key={i} class="funnel-step" data-step={i + 1}>
            <div class="funnel-step-row">
              <label class="control funnel-event">
                <span class="control-label">Step {i + 1} event</span>
                <DraftInput name={`step-${i + 1}`} list="funnel-events" value={step.event} required maxLength={200} onCommit={(event) => setStep(i, { event })} />
              </label>
              <div class="funnel-step-tools">
                <button type="button" class="btn btn-small btn-ghost" disabled={i === 0} aria-label={`Move step ${i + 1} up`} onClick={() => move(i, -1)}>
                  ↑
                </button>
                <button type="button" class="btn btn-small btn-ghost" disabled={i === state.steps.length - 1} aria-label={`Move step ${i + 1} down`} onClick={() => move(i, 1)}>
                  ↓
                </button>
                <button
                  type="button"
                  class="btn btn-small btn-ghost"
                  disabled={step.where.length >= MAX_CONDITIONS}
                  aria-label={`Add a property condition to step ${i + 1}`}
                  onClick={() => setStep(i, { where: [...step.where, ['', '']] })}
                >
                  + where
                </button>
                <button type="button" class="btn btn-small btn-ghost btn-danger" disabled={state.steps.length <= 2} aria-label={`Remove step ${i + 1}`} onClick={() => update({ ...state, steps: state.steps.filter((_, j) => j !== i) })}>
                  ✕
                </button>
              </div>
            </div>
            {step.where.map(([key, value], c) => (
              <div key={c} class="funnel-where">
                <span aria-hidden="true">where</span>
                <label class="control">
                  <span class="control-label">Property</span>
                  <DraftInput name={`step-${i + 1}-key-${c + 1}`} value={key} maxLength={200} onCommit={(text) => setStep(i, { where: step.where.map((p, k) => (k === c ? [text, p[1]] : p)) })} />
                </label>
                <span aria-hidden="true">=</span>
                <label class="control">
                  <span class="control-label">Value</span>
                  <DraftInput name={`step-${i + 1}-value-${c + 1}`} value={value} maxLength={500} onCommit={(text) => setStep(i, { where: step.where.map((p, k) => (k === c ? [p[0], text] : p)) })} />
                </label>
                <button type="button" class="btn btn-small btn-ghost" aria-label={`Remove condition ${c + 1} of step ${i + 1}`} onClick={() => setStep(i, { where: step.where.filter((_, k) => k !== c) })}>
                  ✕
                </button>
              </div>
            ))}
          </li>
        ))}
      </ol>
      <div class="funnel-options">
        <button type="button" class="btn btn-small" disabled={state.steps.length >= MAX_STEPS} onClick={() => update({ ...state, steps: [...state.steps, { event: '', where: [] }] })}>
          Add a step
        </button>
        <label class="control">
          <span class="control-label">Order</span>
          <select name="order" value={state.order} onChange={(e) => update({ ...state, order: (e.currentTarget as HTMLSelectElement).value as Order })}>
            {ORDERS.map((o) => (
              <option key={o.id} value={o.id} title={o.help}>
                {o.label}
              </option>
            ))}
          </select>
        </label>
        <fieldset class="plain-fieldset funnel-window">
          <legend class="control-label">Conversion window</legend>
          <input
            type="number"
            name="window-amount"
            aria-label="Window length"
            min={1}
            value={w.amount}
            onChange={(e) => {
              const amount = Math.max(1, Math.floor(Number((e.currentTarget as HTMLInputElement).value) || 1));
              const seconds = WINDOW_UNITS.find((u) => u.id === w.unit)!.seconds;
              update({ ...state, windowSeconds: Math.min(90 * 86_400, amount * seconds) });
            }}
          />
          <select
            name="window-unit"
            aria-label="Window unit"
            value={w.unit}
            onChange={(e) => {
              const seconds = WINDOW_UNITS.find((u) => u.id === (e.currentTarget as HTMLSelectElement).value)!.seconds;
              update({ ...state, windowSeconds: Math.min(90 * 86_400, w.amount * seconds) });
            }}
          >
            {WINDOW_UNITS.map((u) => (
              <option key={u.id} value={u.id}>
                {u.id}s
              </option>
            ))}
          </select>
        </fieldset>
        <label class="control">
          <span class="control-label">Breakdown</span>
          <select
            name="breakdown-type"
            value={state.breakdown?.type ?? ''}
            onChange={(e) => {
              const type = (e.currentTarget as HTMLSelectElement).value as '' | 'trait' | 'property';
              update({ ...state, breakdown: type ? { type, key: state.breakdown?.key || (type === 'trait' ? 'plan' : 'path') } : null });
            }}
          >
            <option value="">None</option>
            <option value="trait">by trait</option>
            <option value="property">by property of step 1</option>
          </select>
        </label>
        {state.breakdown && (
          <label class="control">
            <span class="control-label">{state.breakdown.type === 'trait' ? 'Trait' : 'Property'} name</span>
            <DraftInput name="breakdown-key" value={state.breakdown.key} maxLength={200} required onCommit={(text) => update({ ...state, breakdown: { ...state.breakdown!, key: text.trim() || state.breakdown!.key } })} />
          </label>
        )}
      </div>
    </form>
  );
}

const windowLabel = (seconds: number) => {
  const w = windowParts(seconds);
  return `${w.amount} ${w.unit}${w.amount === 1 ? '' : 's'}`;
};
const timeText = (s: number | null) => (s === null ? '—' : formatDuration(s));

const STEP_COLUMNS = ['Visitors', 'From previous', 'Overall', 'Dropped', 'Median time', 'p90 time'];

function Bars({ steps, onList }: { steps: StepResult[]; onList: (step: number, kind: 'converted' | 'dropped') => void }) {
  const top = steps[0]?.count || 0;
  const [visitors, fromPrevious, overall, droppedLabel, median, p90] = STEP_COLUMNS;
  return (
    <StackTable class="funnel-table" data-funnel-result>
      <caption class="visually-hidden">Visitors at each step of the funnel</caption>
      <StackHead first="Step" nums={STEP_COLUMNS} />
      <tbody role="rowgroup">
        {steps.map((s, i) => {
          const dropped = i === 0 ? 0 : s.entered - s.count;
          return (
            <tr role="row" key={i} data-step={i + 1} data-count={s.count} data-dropped={dropped}>
              <th scope="row" role="rowheader" class="bar-cell funnel-bar-cell">
                <span class="bar" style={{ width: `${top ? (s.count / top) * 100 : 0}%` }} aria-hidden="true" />
                <span class="row-text">
                  {i + 1}. {s.event}
                </span>
              </th>
              <StackCell label={visitors}>
                <button type="button" class="link-button" aria-label={`List the ${formatInt(s.count)} visitors who reached step ${i + 1}`} onClick={() => onList(i + 1, 'converted')}>
                  {formatInt(s.count)}
                </button>
              </StackCell>
              <StackCell label={fromPrevious}>{i === 0 ? '—' : formatPercent(s.conversionRate)}</StackCell>
              <StackCell label={overall}>{formatPercent(s.overallConversionRate)}</StackCell>
              <StackCell label={droppedLabel}>
                {i === 0 ? (
                  '—'
                ) : (
                  <button type="button" class="link-button" aria-label={`List the ${formatInt(dropped)} visitors who dropped before step ${i + 1}`} onClick={() => onList(i + 1, 'dropped')}>
                    {formatInt(dropped)}
                  </button>
                )}
              </StackCell>
              <StackCell label={median}>{i === 0 ? '—' : timeText(s.medianSecondsToConvert)}</StackCell>
              <StackCell label={p90}>{i === 0 ? '—' : timeText(s.p90SecondsToConvert)}</StackCell>
            </tr>
          );
        })}
      </tbody>
    </StackTable>
  );
}

function BreakdownResult({ rows, label }: { rows: NonNullable<Result['breakdown']>; label: string }) {
  const n = rows[0]?.steps.length ?? 0;
  const columns = [...Array.from({ length: n }, (_, i) => `Step ${i + 1}`), 'Overall'];
  return (
    <StackTable data-funnel-breakdown>
      <caption class="visually-hidden">Visitors at each step by {label}</caption>
      <StackHead first={label} nums={columns} />
      <tbody role="rowgroup">
        {rows.map((r) => (
          <tr role="row" key={String(r.value)} data-value={r.value ?? ''}>
            <th scope="row" role="rowheader">
              {r.value ?? '(none)'}
            </th>
            {r.steps.map((s, i) => (
              <StackCell key={i} label={columns[i]}>
                {formatInt(s.count)}
              </StackCell>
            ))}
            <StackCell label="Overall">{formatPercent(r.steps[r.steps.length - 1]?.overallConversionRate ?? 0)}</StackCell>
          </tr>
        ))}
      </tbody>
    </StackTable>
  );
}

export function FunnelsView({ projectId }: { projectId: string }) {
  const params = location.value.params;
  const state = parseState(params);
  const r = range.value;
  const why = problem(state);
  const filter = apiFilter.value;
  const body: Body = { ...definition(state), from: r.from, to: r.to, ...(filter ? { filter: JSON.parse(filter) as Record<string, unknown> } : {}) };
  const request = { method: 'POST' as const, path: `/v1/projects/${projectId}/funnels/query`, body, query: { from: r.from, to: r.to } };
  // null while a "contains" filter is being expanded: no unfiltered answer in between.
  const result = useResource(why || filter === null ? null : JSON.stringify([projectId, body]), () => runQuery(projectId, body));
  const eventQuery = { from: r.from, to: r.to, by: 'event', limit: 200 };
  const events = useResource(JSON.stringify([projectId, eventQuery]), () => unwrap(api.GET('/v1/projects/{projectId}/breakdown', { params: { path: { projectId }, query: eventQuery } })));
  const vstep = Number(params.get('vstep')) || null;
  const vkind = params.get('vkind') === 'dropped' ? 'dropped' : 'converted';
  const byLabel = state.breakdown ? `${state.breakdown.type === 'trait' ? 'Trait' : 'Property'} ${state.breakdown.key}` : '';
  return (
    <div class="view funnels-view">
      <h1>Funnels</h1>
      <FiltersApplied who="only they are counted at any step (matching anywhere in the range)" />
      <div class="funnels-layout">
        <Panel id="funnel-builder" title="Steps">
          <Builder state={state} events={(events.data?.values ?? []).map((v) => v.value).filter((v) => v !== '(other)')} />
          <ListedValuesNote truncated={events.data?.truncated} what="events" canType />
          <SavedFunnels projectId={projectId} state={state} />
        </Panel>
        <Panel
          id="funnel-result"
          title="Conversion"
          state={why ? 'idle' : result.status}
          actions={
            result.data && (
              <ExportActions
                name="funnel"
                request={request}
                csv={() => ({
                  header: ['step', 'event', 'visitors', 'conversion_from_previous', 'overall_conversion', 'dropped', 'median_seconds', 'p90_seconds'],
                  rows: result.data!.steps.map((s, i) => [i + 1, s.event, s.count, s.conversionRate, s.overallConversionRate, i === 0 ? 0 : s.entered - s.count, s.medianSecondsToConvert, s.p90SecondsToConvert]),
                })}
              />
            )
          }
        >
          {why ? (
            <p class="empty">{why}</p>
          ) : (
            <Async part="The funnel" resource={result}>
              {(data) => (
                <>
                  <Bars
                    steps={data.steps}
                    onList={(step, kind) => {
                      setParams({ vstep: String(step), vkind: kind }, true);
                      requestAnimationFrame(() => document.getElementById('funnel-visitors-title')?.scrollIntoView({ block: 'start' }));
                    }}
                  />
                  <p class="note">
                    Step 1 happens in the selected range; each later step within {windowLabel(state.windowSeconds)} of it ({ORDERS.find((o) => o.id === state.order)!.help}). Click a number to list those visitors.
                  </p>
                  {data.dayRounded && <p class="note">A page, referrer, country or UTM filter was read over the range’s whole days.</p>}
                </>
              )}
            </Async>
          )}
        </Panel>
      </div>
      {!why && result.data?.breakdown && (
        <Panel
          id="funnel-breakdown"
          title={`By ${byLabel.toLowerCase()}`}
          actions={
            <ExportActions
              name="funnel-breakdown"
              request={request}
              csv={() => ({ header: [byLabel, ...result.data!.steps.map((_, i) => `step_${i + 1}`)], rows: result.data!.breakdown!.map((b) => [b.value ?? '', ...b.steps.map((s) => s.count)]) })}
            />
          }
        >
          <BreakdownResult rows={result.data.breakdown} label={byLabel} />
        </Panel>
      )}
      {!why && vstep && vstep <= state.steps.length && <FunnelVisitors projectId={projectId} body={body} step={vstep} kind={vkind} />}
    </div>
  );
}
