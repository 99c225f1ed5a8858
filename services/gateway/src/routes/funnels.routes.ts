import { z } from 'zod';
import { HttpError } from '@sightline/http';
import { runFunnel } from '../assembly/funnel.assembly';
import { filterExpression } from '../domain/filter-expression';
import { funnelDefinition, funnelFilter, funnelQuery, includeVisitors } from '../domain/funnel-request';
import { instant, jsonParam } from '../domain/time-range';
import type { GatewayDeps } from './deps';
import { route } from './route';
import { projectParams } from './schemas';

const stepResult = z.object({
  event: z.string(),
  entered: z.number().int(),
  count: z.number().int(),
  conversionRate: z.number(),
  overallConversionRate: z.number(),
  medianSecondsToConvert: z.number().nullable(),
  p90SecondsToConvert: z.number().nullable(),
});
export const funnelResult = z.object({
  steps: z.array(stepResult),
  breakdown: z.array(z.object({ value: z.string().nullable(), steps: z.array(stepResult) })).optional(),
  visitors: z
    .object({ step: z.number().int(), kind: z.string(), visitors: z.array(z.object({ visitorId: z.string().nullable(), visitorIndex: z.number().int() })), nextCursor: z.string().nullable() })
    .optional(),
  dayRounded: z
    .literal(true)
    .optional()
    .describe('present when the filter has a page, entry/exit page, referrer, country or utm leaf and was evaluated over whole local days (the range does not start and end at local midnight)'),
});
const funnelName = z.string().min(1).max(100).regex(/^[A-Za-z0-9][A-Za-z0-9 _.-]*$/, 'letters, digits, space, _ . -').refine((n) => n !== 'query', '`query` is reserved');
const savedParams = projectParams.extend({ name: funnelName });
const savedView = z.object({ name: z.string(), definition: funnelDefinition, createdAt: z.string(), updatedAt: z.string() });

const savedJson = (row: { name: string; definition: unknown; createdAt: Date; updatedAt: Date }) => ({
  name: row.name,
  definition: funnelDefinition.parse(row.definition),
  createdAt: row.createdAt.toISOString(),
  updatedAt: row.updatedAt.toISOString(),
});

export function funnelRoutes(deps: GatewayDeps) {
  const { funnels, config } = deps;
  const assembly = { aggregator: deps.aggregator, query: deps.query, logger: deps.logger, maxSteps: config.MAX_FUNNEL_STEPS, maxRangeDays: Math.min(config.MAX_RANGE_DAYS, 400) };
  const read = { kind: 'project', role: 'viewer', keys: true } as const;
  return [
    route({
      method: 'post',
      operationId: 'queryFunnel',
      path: '/v1/projects/{projectId}/funnels/query',
      summary: 'Run an ad-hoc funnel: per-step counts, conversion, time to convert, breakdown and drop-off lists',
      tags: ['funnels'],
      access: read,
      params: projectParams,
      body: funnelQuery,
      responses: { 200: { description: 'the funnel', schema: funnelResult } },
      async handle({ params, body }) {
        return { body: await runFunnel(assembly, params.projectId, body) };
      },
    }),
    route({
      method: 'get',
      operationId: 'listFunnels',
      path: '/v1/projects/{projectId}/funnels',
      summary: 'Saved funnels',
      tags: ['funnels'],
      access: read,
      params: projectParams,
      responses: { 200: { description: 'saved funnels', schema: z.object({ funnels: z.array(savedView) }) } },
      async handle({ params }) {
        return { body: { funnels: (await funnels.list(params.projectId)).map(savedJson) } };
      },
    }),
    route({
      method: 'put',
      operationId: 'saveFunnel',
      path: '/v1/projects/{projectId}/funnels/{name}',
      summary: 'Save (create or replace) a funnel definition',
      tags: ['funnels'],
      access: { kind: 'project', role: 'analyst', keys: false },
      params: savedParams,
      body: funnelDefinition,
      responses: { 200: { description: 'saved', schema: z.object({ funnel: savedView }) } },
      async handle({ params, body }) {
        if (body.steps.length > config.MAX_FUNNEL_STEPS) throw HttpError.badRequest(`at most ${config.MAX_FUNNEL_STEPS} steps`, [{ path: 'steps', reason: 'too many' }]);
        return { body: { funnel: savedJson(await funnels.save(params.projectId, params.name, body)) } };
      },
    }),
    route({
      method: 'get',
      operationId: 'getFunnel',
      path: '/v1/projects/{projectId}/funnels/{name}',
      summary: 'A saved funnel; with from and to, also its result over that range',
      tags: ['funnels'],
      access: read,
      params: savedParams,
      query: z.object({ from: instant.optional(), to: instant.optional(), filter: jsonParam(filterExpression).optional().describe('JSON filter, as in queryFunnel') }),
      responses: { 200: { description: 'the funnel (and its result)', schema: z.object({ funnel: savedView, result: funnelResult.optional() }) } },
      async handle({ params, query }) {
        const row = await funnels.get(params.projectId, params.name);
        if (!row) throw HttpError.notFound('no saved funnel with this name');
        const funnel = savedJson(row);
        if (!query.from || !query.to) return { body: { funnel } };
        return { body: { funnel, result: await runFunnel(assembly, params.projectId, { ...funnel.definition, from: query.from, to: query.to, filter: query.filter }) } };
      },
    }),
    route({
      method: 'post',
      operationId: 'querySavedFunnel',
      path: '/v1/projects/{projectId}/funnels/{name}/query',
      summary: 'Run a saved funnel over a range, optionally listing converted or dropped visitors at a step',
      tags: ['funnels'],
      access: read,
      params: savedParams,
      body: z.object({ from: instant, to: instant, includeVisitors: includeVisitors.optional(), filter: funnelFilter.optional() }),
      responses: { 200: { description: 'the funnel', schema: funnelResult } },
      async handle({ params, body }) {
        const row = await funnels.get(params.projectId, params.name);
        if (!row) throw HttpError.notFound('no saved funnel with this name');
        return { body: await runFunnel(assembly, params.projectId, { ...funnelDefinition.parse(row.definition), ...body }) };
      },
    }),
    route({
      method: 'delete',
      operationId: 'deleteFunnel',
      path: '/v1/projects/{projectId}/funnels/{name}',
      summary: 'Delete a saved funnel',
      tags: ['funnels'],
      access: { kind: 'project', role: 'analyst', keys: false },
      params: savedParams,
      responses: { 204: { description: 'deleted' } },
      async handle({ params }) {
        if (!(await funnels.delete(params.projectId, params.name))) throw HttpError.notFound('no saved funnel with this name');
        return { status: 204 };
      },
    }),
  ];
}
