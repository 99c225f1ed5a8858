// Retention: cohorts of new visitors (by day, week or month of their first visit) and the share of
// each that came back in every later period, as a heat-map table with a weighted average row.
// Under the global filters a cohort is its new visitors who matched them in the cohort's own
// period (the API's `filter`, docs/api.md "Retention"); a return is still any event.
import { api, unwrap } from '../../api/client';
import { ExportActions } from '../../components/export-actions';
import { formatBucket, formatInt, formatPercent } from '../../components/format';
import { Panel } from '../../components/panel';
import { useResource } from '../../components/resource';
import { Async } from '../../components/states';
import { apiFilter } from '../../state/filters';
import { range } from '../../state/range';
import { timeZone } from '../../state/session';
import { location, setParams } from '../../state/url';
import { ScrollTable, TableHead } from '../events/table-head';
import { averageRow, heat, MAX_PERIODS, periodsIn, type CohortInterval } from './model';
import { FiltersApplied } from './filter-note';
import './retention.css';

const INTERVALS: CohortInterval[] = ['day', 'week', 'month'];
const periodLabel = (interval: CohortInterval, k: number) => (k === 0 ? `${interval[0].toUpperCase()}${interval.slice(1)} 0` : `${k}`);

export function RetentionView({ projectId }: { projectId: string }) {
  const params = location.value.params;
  const interval = (INTERVALS as string[]).includes(params.get('cohort') ?? '') ? (params.get('cohort') as CohortInterval) : 'week';
  const r = range.value;
  const fromRange = periodsIn(r.from, r.to, interval);
  const asked = Number(params.get('periods'));
  const periods = Number.isInteger(asked) && asked >= 1 && asked <= MAX_PERIODS[interval] ? asked : fromRange;
  const filter = apiFilter.value;
  const query = { from: r.from, cohortInterval: interval, periods, ...(filter ? { filter } : {}) };
  const request = { path: `/v1/projects/${projectId}/retention`, query };
  // null while a "contains" filter is being expanded: no unfiltered answer in between.
  const data = useResource(filter === null ? null : JSON.stringify(request), () => unwrap(api.GET('/v1/projects/{projectId}/retention', { params: { path: { projectId }, query } })));
  const tz = timeZone.value;
  return (
    <div class="view retention-view">
      <h1>Retention</h1>
      <FiltersApplied who={`each cohort is its new visitors who matched in their first ${interval}; a return is any later visit`} />
      <Panel
        id="retention"
        title={`Returning visitors by ${interval} of first visit`}
        state={data.status}
        actions={
          <div class="panel-tools">
            <label class="control">
              <span class="control-label">Cohorts by</span>
              <select name="cohort" value={interval} onChange={(e) => setParams({ cohort: (e.currentTarget as HTMLSelectElement).value, periods: null })}>
                {INTERVALS.map((i) => (
                  <option key={i} value={i}>
                    {i}
                  </option>
                ))}
              </select>
            </label>
            <label class="control">
              <span class="control-label">Periods</span>
              <input
                type="number"
                name="periods"
                min={1}
                max={MAX_PERIODS[interval]}
                value={periods}
                onChange={(e) => {
                  const n = Math.floor(Number((e.currentTarget as HTMLInputElement).value));
                  setParams({ periods: n >= 1 && n <= MAX_PERIODS[interval] && n !== fromRange ? String(n) : null });
                }}
              />
            </label>
            {data.data && (
              <ExportActions
                name={`retention-${interval}`}
                request={request}
                csv={() => ({ header: ['cohort_start', 'size', ...Array.from({ length: periods }, (_, k) => `period_${k}`)], rows: data.data!.cohorts.map((c) => [c.start, c.size, ...c.retained]) })}
              />
            )}
          </div>
        }
      >
        <Async part="The retention matrix" resource={data}>
          {({ cohorts }) => {
            if (cohorts.length === 0) return <p class="empty">No new visitors in this range.</p>;
            if (filter && cohorts.every((c) => c.size === 0)) return <p class="empty">No new visitor of this range matched the filters in their first {interval}.</p>;
            const avg = averageRow(cohorts);
            const n = avg.length;
            return (
              <>
                <ScrollTable label="Retention matrix" class="retention-scroll">
                  <table class="data-table retention-table" data-retention>
                    <caption class="visually-hidden">Share of each cohort active in each later {interval}; the first column is the cohort's size</caption>
                    <TableHead first="Cohort" nums={['Visitors', ...Array.from({ length: n }, (_, k) => periodLabel(interval, k))]} />
                    <tbody>
                      <tr class="retention-average" data-cohort="average">
                        <th scope="row">Average</th>
                        <td class="num">{formatInt(cohorts.reduce((s, c) => s + c.size, 0))}</td>
                        {avg.map((a, k) => (
                          <td key={k} class="num heat" style={a.share === null ? undefined : heat(a.share)} title={`${formatInt(a.retained)} of ${formatInt(a.size)}`}>
                            {a.share === null ? '' : formatPercent(a.share)}
                          </td>
                        ))}
                      </tr>
                      {cohorts.map((c) => (
                        <tr key={c.start} data-cohort={c.start}>
                          <th scope="row">{formatBucket(c.start, interval === 'week' ? 'day' : interval, tz)}</th>
                          <td class="num" data-size>
                            {formatInt(c.size)}
                          </td>
                          {Array.from({ length: n }, (_, k) => {
                            const v = c.retained[k];
                            if (v === undefined) return <td key={k} class="num heat-none" />;
                            if (c.size === 0) return <td key={k} class="num heat-none" data-period={k} data-retained={v} title="No new visitors in this cohort">—</td>;
                            const share = c.size ? v / c.size : 0;
                            return (
                              <td key={k} class="num heat" data-period={k} data-retained={v} style={heat(share)} title={`${formatInt(v)} of ${formatInt(c.size)} visitors`}>
                                {formatPercent(share, 0)}
                                <span class="heat-count">{formatInt(v)}</span>
                              </td>
                            );
                          })}
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </ScrollTable>
                <p class="note">
                  A cohort is the visitors first seen in that {interval} ({tz}){filter ? ' who matched the filters in it' : ''}; period k counts those of them active in the k-th {interval} after it. Counts are exact (bitmaps). Later cohorts have fewer periods so far.
                </p>
              </>
            );
          }}
        </Async>
      </Panel>
    </div>
  );
}
