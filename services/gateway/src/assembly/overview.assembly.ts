import type { AggregatorClient } from '../clients/aggregator.client';
import type { QueryClient, SessionMetrics } from '../clients/query.client';
import type { AggregatorExpr } from '../domain/filter-expression';
import { withCallerFields } from '../domain/read-cost';
import type { Interval } from '../domain/time-range';

export interface OverviewPoint {
  start: string;
  visitors: number;
  visits: number;
  pageviews: number;
}

export interface OverviewSummary {
  from: string;
  to: string;
  visitors: number;
  visits: number;
  pageviews: number;
  viewsPerVisit: number;
  bounceRate: number;
  visitDurationSeconds: number;
  series: OverviewPoint[];
  /** What a figure means under the filter, when it is not the obvious (see docs/api.md). */
  notes: string[];
}

export interface OverviewRange {
  from: string;
  to: string;
  interval: Interval;
  expr?: AggregatorExpr;
}

/**
 * The interval a chart of the range reads best in when the caller names none: hours for a
 * recent short range (hour buckets are kept `hourBucketDays`, 90 by default), days, months.
 */
export function defaultInterval(from: string, to: string, nowMs = Date.now()): Interval {
  const days = (Date.parse(to) - Date.parse(from)) / 86_400_000;
  if (days <= 2 && Date.parse(from) >= nowMs - 30 * 86_400_000) return 'hour';
  if (days <= 120) return 'day';
  return 'month';
}

export const SESSION_FILTER_NOTE =
  'visits, pageviews, bounce rate and visit duration are of the sessions started in the range by the visitors the filter selects over the whole range';
export const DAY_ROUNDED_NOTE =
  'page, entry/exit page, referrer, country and utm filters are evaluated over whole local days (among the visitors active in each range or interval)';

/**
 * One overview summary: visitors (total and per interval) from the aggregator's bitmaps, and the
 * session figures from the query service's sessions table — restricted, under a filter, to the
 * aggregator's exact set of matching visitors (sent as a bitmap, not a list).
 */
export async function overviewSummary(aggregator: AggregatorClient, query: QueryClient, projectId: string, r: OverviewRange): Promise<OverviewSummary> {
  // Two aggregator reads, each within READ_MAX_COST: a request's cost is at most twice that (four times with a comparison).
  const uniques = withCallerFields(aggregator.uniques(projectId, { from: r.from, to: r.to, interval: r.interval, expr: r.expr }), { expr: 'filter' });
  let segmentRounded = false;
  const sessions = r.expr
    ? withCallerFields(aggregator.segment(projectId, { from: r.from, to: r.to, expr: r.expr }), { expr: 'filter' }).then((s) => {
        segmentRounded = s.dayRounded === true;
        return query.sessionMetrics(projectId, { from: r.from, to: r.to, interval: r.interval, visitors: s.bitmap });
      })
    : query.sessionMetrics(projectId, { from: r.from, to: r.to, interval: r.interval });
  const [visitors, metrics] = await Promise.all([uniques, sessions]);
  const notes = r.expr ? [SESSION_FILTER_NOTE] : [];
  if (visitors.dayRounded || segmentRounded) notes.push(DAY_ROUNDED_NOTE);
  const series = mergeSeries(visitors.series ?? [], metrics.series);
  return {
    from: r.from,
    to: r.to,
    visitors: visitors.total,
    visits: metrics.visits,
    pageviews: metrics.pageviews,
    viewsPerVisit: metrics.visits ? metrics.pageviews / metrics.visits : 0,
    bounceRate: metrics.visits ? metrics.bounces / metrics.visits : 0,
    visitDurationSeconds: metrics.visits ? metrics.durationSeconds / metrics.visits : 0,
    series,
    notes,
  };
}

/**
 * The aggregator's points (one per interval, the first starting at the range start) carry the
 * session buckets (calendar starts in the project's zone): each bucket goes to the last point
 * that starts at or before it (a first bucket starting before the range goes to the first point).
 */
export function mergeSeries(points: Array<{ start: string; count: number }>, buckets: SessionMetrics['series']): OverviewPoint[] {
  const out = points.map((p) => ({ start: p.start, visitors: p.count, visits: 0, pageviews: 0 }));
  const starts = out.map((p) => Date.parse(p.start));
  for (const b of buckets) {
    const at = Date.parse(b.start);
    let i = 0;
    while (i + 1 < starts.length && starts[i + 1]! <= at) i++;
    const point = out[i];
    if (!point) continue;
    point.visits += b.visits;
    point.pageviews += b.pageviews;
  }
  return out;
}
