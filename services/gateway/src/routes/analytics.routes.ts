import { z } from 'zod';
import { HttpError } from '@sightline/http';
import { checkFilter, combineFilters, filterExpression, VALUE_LEAVES } from '../domain/filter-expression';
import { defaultInterval, overviewSummary } from '../assembly/overview.assembly';
import { readCostReply, withCallerFields } from '../domain/read-cost';
import { checkRange, instant, interval, jsonParam } from '../domain/time-range';
import type { GatewayDeps } from './deps';
import { route } from './route';
import { projectParams } from './schemas';

const eventName = z.string().min(1).max(200);
const dayRounded = z.literal(true).optional().describe('present when a page, entry/exit page, referrer, country or utm leaf was evaluated over whole local days (the range does not start and end at local midnight)');
const seriesReply = z.object({ total: z.number().int(), series: z.array(z.object({ start: z.string(), count: z.number().int() })) });
const range = { from: instant, to: instant };
const filter = jsonParam(filterExpression).describe(
  'JSON filter: {"event"|"source"|"medium"|"campaign"|"browser"|"os"|"device"|"page"|"entryPage"|"exitPage"|"referrer"|"country"|"utmContent"|"utmTerm": v} | {"trait": {"key","value"}} | {"newVisitor": true} | {"and"|"or": [...]} | {"not": ...}',
);
const breakdownReply = z.object({
  values: z.array(z.object({ value: z.string(), uniques: z.number().int() })),
  total: z.number().int().describe('exact unique visitors of the whole range and filter: a visitor counts once, so this is not the sum of the rows'),
  capped: z
    .object({ limit: z.number().int(), days: z.number().int() })
    .optional()
    .describe('present when, on `days` local days of the range, this kind had more than `limit` distinct values: the rest are counted in the `(other)` row'),
  truncated: z
    .object({ valuesRead: z.number().int(), valuesInRange: z.number().int() })
    .optional()
    .describe('present when the read cost bound (READ_MAX_COST) left room for only the `valuesRead` values with the most events in the range, of `valuesInRange` (at most 2,000)'),
  dayRounded,
});

const overviewPoint = z.object({ start: z.string(), visitors: z.number().int(), visits: z.number().int(), pageviews: z.number().int() });
const summary = z.object({
  from: z.string(),
  to: z.string(),
  visitors: z.number().int().describe('exact unique visitors in the range (bitmaps)'),
  visits: z.number().int().describe('sessions started in the range'),
  pageviews: z.number().int().describe('pageviews of those sessions'),
  viewsPerVisit: z.number(),
  bounceRate: z.number().min(0).max(1).describe('share of the visits with exactly one event'),
  visitDurationSeconds: z.number().describe('mean of (last event − first event) over the visits'),
  series: z.array(overviewPoint),
  notes: z.array(z.string()).describe('what a figure means under the filter, when that is not the obvious'),
});
const MINUTE_MS = 60_000;

const countFilters = ['category', 'sessionId', 'visitorId', 'breakdown'] as const;

export function analyticsRoutes(deps: GatewayDeps) {
  const { aggregator, query, config } = deps;
  const read = { kind: 'project', role: 'viewer', keys: true } as const;
  return [
    route({
      method: 'get',
      operationId: 'getUniqueVisitors',
      path: '/v1/projects/{projectId}/unique-visitors',
      summary: 'Exact unique visitors in [from, to), optionally of an event or matching a filter, with a series per interval',
      tags: ['analytics'],
      access: read,
      params: projectParams,
      query: z.object({ ...range, event: eventName.optional(), interval: interval.optional(), filter: filter.optional() }),
      responses: { 200: { description: 'total over the range (not the sum of the series) and one point per interval', schema: seriesReply.extend({ dayRounded }) }, 400: readCostReply },
      async handle({ params, query: q }) {
        checkRange(q, config.MAX_RANGE_DAYS);
        checkFilter(q.filter);
        const expr = combineFilters(q.event, q.filter);
        const result = await withCallerFields(aggregator.uniques(params.projectId, { from: q.from, to: q.to, interval: q.interval, expr }), { expr: q.filter ? 'filter' : 'event' });
        return { body: { total: result.total, series: result.series ?? [], ...(result.dayRounded ? { dayRounded: true } : {}) } };
      },
    }),
    route({
      method: 'get',
      operationId: 'getOverview',
      path: '/v1/projects/{projectId}/overview',
      summary: 'Every overview card and the chart in one request: visitors, visits, pageviews, views per visit, bounce rate, visit duration, optionally against a comparison range',
      tags: ['analytics'],
      access: read,
      params: projectParams,
      query: z.object({ ...range, interval: interval.optional(), filter: filter.optional(), compareFrom: instant.optional(), compareTo: instant.optional() }),
      responses: { 200: { description: 'the current range and, when asked, the comparison range', schema: z.object({ current: summary, comparison: summary.optional() }) }, 400: readCostReply },
      async handle({ params, query: q }) {
        const iv = q.interval ?? defaultInterval(q.from, q.to);
        checkRange({ ...q, interval: iv }, config.MAX_RANGE_DAYS);
        checkFilter(q.filter);
        if ((q.compareFrom === undefined) !== (q.compareTo === undefined)) {
          const missing = q.compareFrom === undefined ? 'compareFrom' : 'compareTo';
          throw HttpError.badRequest('compareFrom and compareTo go together', [{ path: missing, reason: 'required with the other' }]);
        }
        const expr = combineFilters(undefined, q.filter);
        const current = overviewSummary(aggregator, query, params.projectId, { from: q.from, to: q.to, interval: iv, expr });
        let comparison: ReturnType<typeof overviewSummary> | undefined;
        if (q.compareFrom !== undefined && q.compareTo !== undefined) {
          checkRange({ from: q.compareFrom, to: q.compareTo, interval: iv }, config.MAX_RANGE_DAYS);
          comparison = overviewSummary(aggregator, query, params.projectId, { from: q.compareFrom, to: q.compareTo, interval: iv, expr });
        }
        const [cur, cmp] = await Promise.all([current, comparison]);
        return { body: cmp ? { current: cur, comparison: cmp } : { current: cur } };
      },
    }),
    route({
      method: 'get',
      operationId: 'getRealtime',
      path: '/v1/projects/{projectId}/realtime',
      summary: 'Exact unique visitors in the last N minutes (the current minute and the N − 1 before it, from minute buckets)',
      tags: ['analytics'],
      access: read,
      params: projectParams,
      query: z.object({ minutes: z.coerce.number().int().min(1).max(60).default(5) }),
      responses: { 200: { description: 'visitors active since `since`', schema: z.object({ minutes: z.number().int(), visitors: z.number().int(), since: z.string() }) } },
      async handle({ params, query: q }) {
        const minute = Math.floor(Date.now() / MINUTE_MS) * MINUTE_MS;
        const since = new Date(minute - (q.minutes - 1) * MINUTE_MS).toISOString();
        const result = await aggregator.uniques(params.projectId, { from: since, to: new Date(minute + MINUTE_MS).toISOString() });
        return { body: { minutes: q.minutes, visitors: result.total, since } };
      },
    }),
    route({
      method: 'get',
      operationId: 'getEventCounts',
      path: '/v1/projects/{projectId}/events/counts',
      summary: 'Exact event counts (of one event, or all), with a series and optional breakdown',
      tags: ['analytics'],
      access: read,
      params: projectParams,
      query: z.object({
        ...range,
        interval: interval.optional(),
        event: eventName.optional(),
        category: z.string().min(1).max(200).optional(),
        sessionId: z.string().min(1).max(200).optional(),
        visitorId: z.string().min(1).max(200).optional(),
        breakdown: z.string().min(1).max(200).optional().describe('properties.<key>, name, category, type, source, medium, campaign, referrerDomain, pagePath, country, browser, os, deviceType'),
        limit: z.coerce.number().int().min(1).max(100).optional(),
      }),
      responses: { 200: { description: 'counts', schema: seriesReply.extend({ breakdown: z.array(z.object({ value: z.string().nullable(), count: z.number().int() })).optional() }) } },
      async handle({ params, query: q }) {
        checkRange(q, config.MAX_RANGE_DAYS);
        // Plain counts come from the aggregator's counters; filters it does not index go to the event store.
        if (countFilters.every((f) => q[f] === undefined)) {
          const result = await aggregator.totals(params.projectId, { from: q.from, to: q.to, interval: q.interval, dim: q.event ? `event:${q.event}` : undefined });
          return { body: { total: result.total, series: result.series ?? [] } };
        }
        if (q.interval === 'year') throw HttpError.badRequest('year series are not available with these filters', [{ path: 'interval', reason: 'use month' }]);
        const result = await query.counts(params.projectId, { from: q.from, to: q.to, interval: q.interval, name: q.event, category: q.category, sessionId: q.sessionId, visitorId: q.visitorId, breakdown: q.breakdown, limit: q.limit });
        return { body: result };
      },
    }),
    route({
      method: 'get',
      operationId: 'getBreakdown',
      path: '/v1/projects/{projectId}/breakdown',
      summary: 'Unique visitors per value of a trait, event, source, medium, campaign, browser, os, device, page, entry page, exit page, referrer domain, country, utm_content or utm_term',
      tags: ['analytics'],
      access: read,
      params: projectParams,
      query: z.object({
        ...range,
        by: z.string().regex(new RegExp(`^(trait:[^=]{1,200}|${VALUE_LEAVES.join('|')})$`), `trait:<key> or one of ${VALUE_LEAVES.join(', ')}`),
        limit: z.coerce.number().int().min(1).max(1000).optional(),
        event: eventName.optional(),
        filter: filter.optional(),
      }),
      responses: { 200: { description: 'values by unique visitors, descending', schema: breakdownReply }, 400: readCostReply },
      async handle({ params, query: q }) {
        checkRange(q, config.MAX_RANGE_DAYS);
        checkFilter(q.filter);
        const read = aggregator.breakdown(params.projectId, { from: q.from, to: q.to, prefix: q.by, limit: q.limit, expr: combineFilters(q.event, q.filter) });
        return { body: await withCallerFields(read, { prefix: 'by', expr: q.filter ? 'filter' : 'event' }) };
      },
    }),
    route({
      method: 'get',
      operationId: 'getRetention',
      path: '/v1/projects/{projectId}/retention',
      summary:
        'Retention matrix: cohorts of new visitors and how many came back in each later interval. With `filter`, cohort i is the visitors new in interval i who match the filter over interval i itself; a return is any event in a later interval',
      tags: ['analytics'],
      access: read,
      params: projectParams,
      query: z.object({
        from: instant,
        cohortInterval: z.enum(['day', 'week', 'month']).default('week'),
        periods: z.coerce.number().int().min(1).max(400).default(8),
        filter: filter.optional(),
      }),
      responses: { 200: { description: 'cohorts', schema: z.object({ cohorts: z.array(z.object({ start: z.string(), size: z.number().int(), retained: z.array(z.number().int()) })) }) }, 400: readCostReply },
      async handle({ params, query: q }) {
        checkFilter(q.filter);
        const expr = combineFilters(undefined, q.filter);
        return { body: await aggregator.retention(params.projectId, { cohortInterval: q.cohortInterval, from: q.from, periods: q.periods, ...(expr ? { expr } : {}) }) };
      },
    }),
  ];
}
