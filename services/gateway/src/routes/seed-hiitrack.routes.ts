import { z } from 'zod';
import { isStorableText } from '@sightline/contracts';
import { HttpError } from '@sightline/http';
import type { MemberPrincipal } from '../auth/access-control';
import { runFunnel } from '../assembly/funnel.assembly';
import type { FunnelDefinition } from '../domain/funnel-request';
import type { Role } from '../stores/accounts.store';
import type { GatewayDeps } from './deps';
import { route } from './route';

/** Slugs, names and descriptions reach Postgres: a NUL or a lone surrogate is a 400, not a failed query. */
const storable = z.string().refine(isStorableText, 'must be text Postgres can store (no NUL, no unpaired surrogate)');
const segment = storable.pipe(z.string().min(1).max(200));
const pathParams = z.object({ account: segment, project: segment });
const named = pathParams.extend({ name: segment });
const unixSeconds = z.coerce.number().int().min(0).max(1e11);
/** HiiTrack took repeated `event_id` parameters; here they are event names (`event` works too). */
const eventList = z.union([segment.transform((e) => [e]), z.array(segment)]);
const funnelBody = z.object({ description: storable.pipe(z.string().max(1000)).default(''), event_id: eventList.optional(), event: eventList.optional() });
const WINDOW = 90 * 86400;

/** HiiTrack had no time range by default: "all time" here is the last 365 days. */
function allTime(start?: number, finish?: number, now = Date.now()) {
  const to = finish ? finish * 1000 : now + 60_000;
  const from = start ? start * 1000 : to - 365 * 86400_000;
  if (!(from < to)) throw HttpError.badRequest('finish must be after start', [{ path: 'finish', reason: 'must be after start' }]);
  return { from: new Date(from).toISOString(), to: new Date(to).toISOString() };
}

const stepsOf = (events: string[]): FunnelDefinition => ({ steps: events.map((event) => ({ event })), windowSeconds: WINDOW, order: 'sequential' });

export function seedHiiTrackRoutes(deps: GatewayDeps) {
  const { aggregator, funnels, projects, access } = deps;
  const assembly = { aggregator: deps.aggregator, query: deps.query, logger: deps.logger, maxSteps: deps.config.MAX_FUNNEL_STEPS, maxRangeDays: 400 };
  const member = { kind: 'member' } as const;

  /** `/:account/:project` are the account and project slugs; the member must belong to the account. */
  async function projectOf(ctx: { access: unknown; params: { account: string; project: string } }, role: Role) {
    const { principal } = ctx.access as { principal: MemberPrincipal };
    return (await access.projectAccess(principal, await projects.findBySlugs(ctx.params.account, ctx.params.project), role, false)).project;
  }
  async function funnelReply(projectId: string, name: string | null, description: string, events: string[]) {
    const range = allTime();
    const result = await runFunnel(assembly, projectId, { ...stepsOf(events), ...range });
    return { name, description, event_ids: events, unique_funnel: result.steps.map((s) => [s.event, s.count]), steps: result.steps, ...range };
  }

  return [
    route({
      method: 'get',
      operationId: 'hiitrackEventCount',
      path: '/{account}/{project}/event/{name}',
      summary: 'HiiTrack: an event’s total and unique visitors (all time, or [start, finish) in Unix seconds)',
      tags: ['seed compatibility'],
      access: member,
      params: named,
      query: z.object({ start: unixSeconds.optional(), finish: unixSeconds.optional() }),
      responses: { 200: { description: 'the event', schema: z.object({ name: z.string(), total: z.number().int(), unique_total: z.number().int(), from: z.string(), to: z.string() }) } },
      async handle(ctx) {
        const project = await projectOf(ctx, 'viewer');
        const range = allTime(ctx.query.start, ctx.query.finish);
        const dim = `event:${ctx.params.name}`;
        const [totals, uniques] = await Promise.all([aggregator.totals(project.id, { ...range, dim }), aggregator.uniques(project.id, { ...range, expr: { dim } })]);
        return { body: { name: ctx.params.name, total: totals.total, unique_total: uniques.total, ...range } };
      },
    }),
    route({
      method: 'get',
      operationId: 'hiitrackPropertyValues',
      path: '/{account}/{project}/property/{name}',
      summary: 'HiiTrack: a visitor property’s values, each with its number of visitors (last 365 days)',
      tags: ['seed compatibility'],
      access: member,
      params: named,
      responses: { 200: { description: 'the property', schema: z.object({ name: z.string(), values: z.array(z.object({ value: z.string(), total: z.number().int() })) }) } },
      async handle(ctx) {
        const project = await projectOf(ctx, 'viewer');
        const { values } = await aggregator.breakdown(project.id, { ...allTime(), prefix: `trait:${ctx.params.name}`, limit: 1000 });
        return { body: { name: ctx.params.name, values: values.map((v) => ({ value: v.value, total: v.uniques })) } };
      },
    }),
    ...(['post', 'put'] as const).map((method) =>
      route({
        method,
        operationId: method === 'post' ? 'hiitrackSaveFunnel' : 'hiitrackReplaceFunnel',
        path: '/{account}/{project}/funnel/{name}',
        summary: 'HiiTrack: save a funnel of at least two events (`event_id` repeated, or `event`) with a description',
        tags: ['seed compatibility'],
        access: member,
        params: named,
        body: funnelBody,
        // HiiTrack's clients post forms with Basic credentials; the Origin check still applies.
        forms: true,
        responses: { 201: { description: 'saved' } },
        async handle(ctx) {
          const project = await projectOf(ctx, 'analyst');
          const events = ctx.body.event_id ?? ctx.body.event ?? [];
          if (events.length < 2) throw HttpError.badRequest("parameter 'event_id' requires at least two values", [{ path: 'event_id', reason: 'at least two values' }]);
          await funnels.save(project.id, ctx.params.name, { ...stepsOf(events), description: ctx.body.description });
          return { status: 201, body: { name: ctx.params.name, description: ctx.body.description, event_ids: events } };
        },
      }),
    ),
    route({
      method: 'get',
      operationId: 'hiitrackGetFunnel',
      path: '/{account}/{project}/funnel/{name}',
      summary: 'HiiTrack: a saved funnel with its unique visitors per step (last 365 days)',
      tags: ['seed compatibility'],
      access: member,
      params: named,
      responses: { 200: { description: 'the funnel', schema: z.object({ description: z.string(), event_ids: z.array(z.string()), unique_funnel: z.array(z.tuple([z.string(), z.number().int()])) }).loose() } },
      async handle(ctx) {
        const project = await projectOf(ctx, 'viewer');
        const row = await funnels.get(project.id, ctx.params.name);
        if (!row) throw HttpError.notFound('no saved funnel with this name');
        const definition = row.definition as { steps: Array<{ event: string }>; description?: string };
        return { body: await funnelReply(project.id, row.name, definition.description ?? '', definition.steps.map((s) => s.event)) };
      },
    }),
    route({
      method: 'get',
      operationId: 'hiitrackListFunnels',
      path: '/{account}/{project}/funnel',
      summary: 'HiiTrack: an ad-hoc funnel of the `event_id` (or `event`) parameters, in order',
      tags: ['seed compatibility'],
      access: member,
      params: pathParams,
      query: z.object({ event_id: eventList.optional(), event: eventList.optional() }),
      responses: { 200: { description: 'the funnel', schema: z.object({ event_ids: z.array(z.string()), unique_funnel: z.array(z.tuple([z.string(), z.number().int()])) }).loose() } },
      async handle(ctx) {
        const project = await projectOf(ctx, 'viewer');
        const events = ctx.query.event_id ?? ctx.query.event ?? [];
        if (events.length < 2) throw HttpError.badRequest("parameter 'event_id' requires at least two values", [{ path: 'event_id', reason: 'at least two values' }]);
        return { body: await funnelReply(project.id, null, '', events) };
      },
    }),
    route({
      method: 'delete',
      operationId: 'hiitrackDeleteFunnel',
      path: '/{account}/{project}/funnel/{name}',
      summary: 'HiiTrack: delete a saved funnel',
      tags: ['seed compatibility'],
      access: member,
      params: named,
      responses: { 200: { description: 'deleted' } },
      async handle(ctx) {
        const project = await projectOf(ctx, 'analyst');
        if (!(await funnels.delete(project.id, ctx.params.name))) throw HttpError.notFound('no saved funnel with this name');
        return { status: 200, body: {} };
      },
    }),
  ];
}
