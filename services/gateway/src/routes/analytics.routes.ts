import { z } from 'zod';
import { HttpError } from '@sightline/http';
import { combineFilters, filterExpression, MAX_DEPTH, MAX_LEAVES, measure, type FilterExpression } from '../handlers/filter-expression';
import { checkRange, instant, interval, jsonParam } from '../handlers/time-range';
import type { GatewayDeps } from './deps';
import { route } from './route';
import { projectParams } from './schemas';

const eventName = z.string().min(1).max(200);
const seriesReply = z.object({ total: z.number().int(), series: z.array(z.object({ start: z.string(), count: z.number().int() })) });
const range = { from: instant, to: instant };
const filter = jsonParam(filterExpression).describe('JSON filter: {"event"|"source"|"medium"|"campaign"|"browser"|"os"|"device": v} | {"trait": {"key","value"}} | {"newVisitor": true} | {"and"|"or": [...]} | {"not": ...}');

function checkFilter(expr: FilterExpression | undefined) {
  if (!expr) return;
  const { depth, leaves } = measure(expr);
  if (depth > MAX_DEPTH || leaves > MAX_LEAVES) throw HttpError.badRequest(`filter too complex (depth ≤ ${MAX_DEPTH}, ≤ ${MAX_LEAVES} leaves)`, [{ path: 'filter', reason: 'too complex' }]);
}

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
      responses: { 200: { description: 'total over the range (not the sum of the series) and one point per interval', schema: seriesReply } },
      async handle({ params, query: q }) {
        checkRange(q, config.MAX_RANGE_DAYS);
        checkFilter(q.filter);
        const result = await aggregator.uniques(params.projectId, { from: q.from, to: q.to, interval: q.interval, expr: combineFilters(q.event, q.filter) });
        return { body: { total: result.total, series: result.series ?? [] } };
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
      summary: 'Unique visitors per value of a trait, event, source, medium, campaign, browser, os or device',
      tags: ['analytics'],
      access: read,
      params: projectParams,
      query: z.object({
        ...range,
        by: z.string().regex(/^(trait:[^=]{1,200}|event|source|medium|campaign|browser|os|device)$/, 'trait:<key>, event, source, medium, campaign, browser, os or device'),
        limit: z.coerce.number().int().min(1).max(1000).optional(),
        event: eventName.optional(),
        filter: filter.optional(),
      }),
      responses: { 200: { description: 'values by unique visitors, descending', schema: z.object({ values: z.array(z.object({ value: z.string(), uniques: z.number().int() })) }) } },
      async handle({ params, query: q }) {
        checkRange(q, config.MAX_RANGE_DAYS);
        checkFilter(q.filter);
        return { body: await aggregator.breakdown(params.projectId, { from: q.from, to: q.to, prefix: q.by, limit: q.limit, expr: combineFilters(q.event, q.filter) }) };
      },
    }),
    route({
      method: 'get',
      operationId: 'getRetention',
      path: '/v1/projects/{projectId}/retention',
      summary: 'Retention matrix: cohorts of new visitors and how many came back in each later interval',
      tags: ['analytics'],
      access: read,
      params: projectParams,
      query: z.object({ from: instant, cohortInterval: z.enum(['day', 'week', 'month']).default('week'), periods: z.coerce.number().int().min(1).max(400).default(8) }),
      responses: { 200: { description: 'cohorts', schema: z.object({ cohorts: z.array(z.object({ start: z.string(), size: z.number().int(), retained: z.array(z.number().int()) })) }) } },
      async handle({ params, query: q }) {
        return { body: await aggregator.retention(params.projectId, { cohortInterval: q.cohortInterval, from: q.from, periods: q.periods }) };
      },
    }),
  ];
}
