// Overview: visitors now, the six figures with their change, the chart with the comparison drawn
// over it, and the breakdown panels. One request for the figures and chart, one for "now", one per
// breakdown panel (its open tab); a click on a row filters every panel.
import { useEffect, useState } from 'preact/hooks';
import { api, unwrap } from '../../api/client';
import { breakdownCsv } from '../../components/breakdown-notes';
import { BreakdownTable, type BreakdownData } from '../../components/breakdown-table';
import { ExportActions } from '../../components/export-actions';
import { formatInt } from '../../components/format';
import { Panel } from '../../components/panel';
import { useResource } from '../../components/resource';
import { Async } from '../../components/states';
import { TimeChart } from '../../components/time-chart';
import { comparison } from '../../state/comparison';
import { addFilter, apiFilter } from '../../state/filters';
import { range, setChartInterval } from '../../state/range';
import { intervalsFor, type Interval } from '../../state/range-presets';
import { currentProject, timeZone } from '../../state/session';
import { location, setParams } from '../../state/url';
import { FirstEventGuide, useHasEvents } from '../settings/first-event';
import { Cards, type Metric } from './cards';
import { GROUPS, openTab, traitNote, type Group } from './panels';

const METRIC_LABEL: Record<Metric, string> = { visitors: 'Unique visitors', visits: 'Visits', pageviews: 'Pageviews' };

function Realtime({ projectId }: { projectId: string }) {
  const [tick, setTick] = useState(0);
  useEffect(() => {
    const t = setInterval(() => setTick((n) => n + 1), 30_000);
    return () => clearInterval(t);
  }, []);
  const now = useResource(`${projectId}:${tick}`, () => unwrap(api.GET('/v1/projects/{projectId}/realtime', { params: { path: { projectId }, query: { minutes: 5 } } })));
  return (
    <p class="realtime" data-panel="realtime" data-state={now.status} aria-live="polite">
      <span class="pulse" aria-hidden="true" />
      {now.data ? (
        <>
          <strong data-realtime>{formatInt(now.data.visitors)}</strong> {now.data.visitors === 1 ? 'visitor' : 'visitors'} in the last 5 minutes
        </>
      ) : now.status === 'error' ? (
        <>Visitors now: unavailable ({now.error?.message}), retrying</>
      ) : (
        <>Visitors now: loading…</>
      )}
    </p>
  );
}

function Summary({ projectId, filter, onEmpty }: { projectId: string; filter: string | undefined | null; onEmpty: (empty: boolean) => void }) {
  const r = range.value;
  const c = comparison.value;
  const [metric, setMetric] = useState<Metric>('visitors');
  const query = { from: r.from, to: r.to, interval: r.interval, filter: filter ?? undefined, compareFrom: c?.from, compareTo: c?.to };
  const request = { path: `/v1/projects/${projectId}/overview`, query };
  const overview = useResource(filter === null ? null : JSON.stringify(request), () => unwrap(api.GET('/v1/projects/{projectId}/overview', { params: { path: { projectId }, query } })));
  const days = (Date.parse(r.to) - Date.parse(r.from)) / 86_400_000;
  const intervals = intervalsFor(Math.round(days));
  const none = overview.data ? overview.data.current.visitors === 0 && !filter : false;
  useEffect(() => onEmpty(none), [none]);
  return (
    <Async part="The figures and the chart" resource={overview}>
      {(data) => {
        const cur = data.current;
        const cmp = data.comparison;
        const series = [{ label: METRIC_LABEL[metric], values: cur.series.map((p) => p[metric]) }];
        if (cmp) series.push({ label: `${METRIC_LABEL[metric]} (${c?.label ?? 'comparison'})`, values: cur.series.map((_, i) => cmp.series[i]?.[metric] ?? null) as number[], comparison: true } as (typeof series)[number]);
        return (
          <div data-panel="summary" data-state={overview.status}>
            <Cards current={cur} comparison={cmp} comparisonLabel={c?.label} metric={metric} onMetric={setMetric} />
            {cur.notes.length > 0 && (
              <ul class="notes">
                {cur.notes.map((n) => (
                  <li key={n} class="note">
                    {n}
                  </li>
                ))}
              </ul>
            )}
            <Panel
              id="chart"
              title={`${METRIC_LABEL[metric]} per ${r.interval}`}
              state={overview.status}
              actions={
                <div class="panel-tools">
                  <label class="control">
                    <span class="control-label">Interval</span>
                    <select value={r.interval} onChange={(e) => setChartInterval((e.currentTarget as HTMLSelectElement).value as Interval)}>
                      {intervals.map((i) => (
                        <option key={i} value={i}>
                          {i}
                        </option>
                      ))}
                    </select>
                  </label>
                  <ExportActions
                    name={`overview-${metric}`}
                    request={request}
                    csv={() => ({ header: ['start', ...series.map((s) => s.label)], rows: cur.series.map((p, i) => [p.start, ...series.map((s) => s.values[i])]) })}
                  />
                </div>
              }
            >
              <TimeChart id="overview-chart" title={METRIC_LABEL[metric]} starts={cur.series.map((p) => p.start)} series={series} interval={r.interval} timeZone={timeZone.value} />
              <p class="note">The chart's points add up to more than the total when a visitor came on several {r.interval}s: the card counts each visitor once.</p>
            </Panel>
          </div>
        );
      }}
    </Async>
  );
}

function BreakdownPanel({ projectId, group, filter }: { projectId: string; group: Group; filter: string | undefined | null }) {
  const params = location.value.params;
  const tab = openTab(group, params.get(`tab.${group.id}`));
  const [more, setMore] = useState(false);
  const r = range.value;
  const query = { from: r.from, to: r.to, by: tab.by, limit: more ? 100 : 10, filter: filter ?? undefined };
  const request = { path: `/v1/projects/${projectId}/breakdown`, query };
  const data = useResource(filter === null ? null : JSON.stringify(request), () => unwrap(api.GET('/v1/projects/{projectId}/breakdown', { params: { path: { projectId }, query } })));
  return (
    <Panel
      id={`panel-${group.id}`}
      title={group.title}
      state={data.status}
      actions={data.data ? <ExportActions name={tab.by} request={request} csv={() => breakdownCsv(tab.column, data.data!)} /> : undefined}
    >
      {group.tabs.length > 1 && (
        <div class="tabs" role="group" aria-label={`${group.title}: show`}>
          {group.tabs.map((t) => (
            <button key={t.by} type="button" class="tab" aria-pressed={t.by === tab.by} onClick={() => setParams({ [`tab.${group.id}`]: t.by === group.tabs[0].by ? null : t.by }, true)}>
              {t.label}
            </button>
          ))}
        </div>
      )}
      <Async part={group.title} resource={data}>
        {(d: BreakdownData) => (
          <>
            <BreakdownTable id={`bd-${group.id}`} label={tab.column} data={d} totalNote={capitalize(tab.note)} onSelect={(v) => addFilter(tab.by, v)} />
            {d.values.length >= 10 && !more && (
              <button type="button" class="btn btn-small btn-ghost" onClick={() => setMore(true)}>
                Show up to 100
              </button>
            )}
          </>
        )}
      </Async>
    </Panel>
  );
}

const capitalize = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

function TraitPanel({ projectId, filter }: { projectId: string; filter: string | undefined | null }) {
  const key = location.value.params.get('trait') ?? '';
  const [draft, setDraft] = useState(key);
  const r = range.value;
  const query = { from: r.from, to: r.to, by: `trait:${key}`, limit: 10, filter: filter ?? undefined };
  const request = { path: `/v1/projects/${projectId}/breakdown`, query };
  const data = useResource(filter === null || !key ? null : JSON.stringify(request), () => unwrap(api.GET('/v1/projects/{projectId}/breakdown', { params: { path: { projectId }, query } })));
  return (
    <Panel id="panel-traits" title="Traits" state={key ? data.status : 'ok'} actions={key && data.data ? <ExportActions name={`trait-${key}`} request={request} csv={() => breakdownCsv(key, data.data!)} /> : undefined}>
      <form
        class="inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          setParams({ trait: draft.trim() || null }, true);
        }}
      >
        <label class="control">
          <span class="control-label">Trait key</span>
          <input value={draft} size={10} placeholder="e.g. plan" onInput={(e) => setDraft((e.currentTarget as HTMLInputElement).value)} />
        </label>
        <button type="submit" class="btn btn-small">
          Show
        </button>
      </form>
      {key ? (
        <Async part="Traits" resource={data}>
          {(d: BreakdownData) => <BreakdownTable id="bd-traits" label={key} data={d} totalNote={capitalize(traitNote)} onSelect={(v) => addFilter(`trait:${key}`, v)} />}
        </Async>
      ) : (
        <p class="hint">Name a trait your product sends with identify (plan, role, company size …) to see its visitors per value.</p>
      )}
    </Panel>
  );
}

export function OverviewView({ projectId }: { projectId: string }) {
  const filter = apiFilter.value;
  const project = currentProject.value;
  // Only a range without visitors asks whether the project has any event at all (one more request).
  const [empty, setEmpty] = useState(false);
  const hasEvents = useHasEvents(projectId, !!project && empty);
  // Once the guide is shown it stays, and turns green when the first event arrives; the panels then read again.
  const [guided, setGuided] = useState(false);
  const [epoch, setEpoch] = useState(0);
  useEffect(() => {
    if (hasEvents === false) setGuided(true);
    else if (hasEvents && guided) setEpoch((n) => n + 1);
  }, [hasEvents]);
  useEffect(() => setGuided(false), [projectId]);
  const showGuide = (guided || (empty && hasEvents === false)) && project;
  return (
    <div class="overview">
      <h1 class="visually-hidden">Overview of {project?.name ?? projectId}</h1>
      <Realtime projectId={projectId} />
      {showGuide && <FirstEventGuide project={project} has={hasEvents} />}
      <Summary key={`summary-${epoch}`} projectId={projectId} filter={filter} onEmpty={setEmpty} />
      <div class="grid" key={`grid-${epoch}`}>
        {GROUPS.map((g) => (
          <BreakdownPanel key={g.id} projectId={projectId} group={g} filter={filter} />
        ))}
        <TraitPanel projectId={projectId} filter={filter} />
      </div>
    </div>
  );
}
