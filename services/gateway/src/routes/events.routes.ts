import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { HttpError } from '@sightline/http';
import type { ProjectAccess } from '../auth/access-control';
import { checkRange, instant } from '../domain/time-range';
import type { GatewayDeps } from './deps';
import { route } from './route';
import { projectParams } from './schemas';

const text = z.string().min(1).max(200);
const cursor = z.string().min(1).max(500);
const limit = z.coerce.number().int().min(1).max(1000);
const event = z.object({ messageId: z.string(), type: z.string(), name: z.string(), timestamp: z.string(), sessionId: z.string().nullable(), visitorId: z.string() }).loose();
const session = z.object({ sessionId: z.string(), visitorId: z.string(), startedAt: z.string(), endedAt: z.string() }).loose();
const visitorParams = projectParams.extend({ visitorId: z.string().min(1).max(256) });
const erasureView = z.object({ requestId: z.string(), projectId: z.string(), visitorId: z.string(), requestedAt: z.string(), status: z.enum(['pending', 'erased']), statusUrl: z.string() });

/** `prop.<key>=<value>` filters, passed on as they are (bounded in number and size). */
function propertyFilters(raw: Record<string, unknown>): Record<string, string> {
  const entries = Object.entries(raw).filter(([k]) => k.startsWith('prop.'));
  if (entries.length > 10) throw HttpError.badRequest('at most 10 property filters', [{ path: 'prop', reason: 'at most 10' }]);
  for (const [k, v] of entries) {
    if (typeof v !== 'string' || k.length > 210 || v.length > 500) throw HttpError.badRequest(`invalid property filter ${k.slice(0, 50)}`, [{ path: k.slice(0, 50), reason: 'one value of at most 500 characters' }]);
  }
  return Object.fromEntries(entries) as Record<string, string>;
}

export function eventRoutes(deps: GatewayDeps) {
  const { query, config, erasures, publisher } = deps;
  /** The visitor's profile, or null once the event store does not know them (never seen, or erased). */
  const profileOrNull = (projectId: string, visitorId: string) =>
    query.visitor(projectId, visitorId, { events: 0, sessions: 0 }).catch((err) => {
      if (err instanceof HttpError && err.status === 404) return null;
      throw err;
    });
  const read = { kind: 'project', role: 'viewer', keys: true } as const;
  const statusUrl = (projectId: string, id: string) => `/v1/projects/${encodeURIComponent(projectId)}/erasures/${id}`;
  return [
    route({
      method: 'get',
      operationId: 'listEvents',
      path: '/v1/projects/{projectId}/events',
      summary: 'The event log, newest first, filtered and cursor-paginated (also `prop.<key>=<value>`)',
      tags: ['events'],
      access: read,
      params: projectParams,
      query: z.object({ from: instant, to: instant, name: text.optional(), category: text.optional(), sessionId: text.optional(), visitorId: text.optional(), order: z.enum(['asc', 'desc']).optional(), cursor: cursor.optional(), limit: limit.optional(), withTotal: z.enum(['true', 'false']).optional() }),
      responses: { 200: { description: 'one page', schema: z.object({ events: z.array(event), nextCursor: z.string().nullable(), total: z.number().int().optional() }) } },
      async handle({ params, query: q, req }) {
        checkRange(q, Math.min(config.MAX_RANGE_DAYS, 400));
        return { body: await query.events(params.projectId, { ...q, ...propertyFilters(req.query as Record<string, unknown>) }) };
      },
    }),
    route({
      method: 'get',
      operationId: 'listSessions',
      path: '/v1/projects/{projectId}/sessions',
      summary: 'Sessions started in [from, to), newest first',
      tags: ['events'],
      access: read,
      params: projectParams,
      query: z.object({ from: instant, to: instant, visitorId: text.optional(), cursor: cursor.optional(), limit: limit.optional() }),
      responses: { 200: { description: 'one page', schema: z.object({ sessions: z.array(session), nextCursor: z.string().nullable() }) } },
      async handle({ params, query: q }) {
        checkRange(q, Math.min(config.MAX_RANGE_DAYS, 400));
        return { body: await query.sessions(params.projectId, q) };
      },
    }),
    route({
      method: 'get',
      operationId: 'getVisitor',
      path: '/v1/projects/{projectId}/visitors/{visitorId}',
      summary: 'A visitor’s profile: ids, traits, first/last seen, recent sessions and events',
      tags: ['visitors'],
      access: read,
      params: visitorParams,
      query: z.object({ events: z.coerce.number().int().min(0).max(100).optional(), sessions: z.coerce.number().int().min(0).max(100).optional() }),
      responses: { 200: { description: 'the profile', schema: z.object({ visitorId: z.string(), visitorIndex: z.number().int() }).loose() } },
      async handle({ params, query: q }) {
        return { body: await query.visitor(params.projectId, params.visitorId, q) };
      },
    }),
    route({
      method: 'delete',
      operationId: 'eraseVisitor',
      path: '/v1/projects/{projectId}/visitors/{visitorId}',
      summary: 'Right to erasure: published to erasures.v1 for every store; answers 202 with a status URL',
      tags: ['visitors'],
      access: { kind: 'project', role: 'admin', keys: false },
      params: visitorParams,
      responses: { 202: { description: 'accepted', schema: erasureView } },
      async handle({ params }) {
        // Every id the visitor is known by, so each store can find them whichever id it keys on.
        const profile = await profileOrNull(params.projectId, params.visitorId);
        // The record names them by keyed hash and the visitor by index, never in plain (issue #16 finding 7c).
        const ids = new Set<string>([params.visitorId]);
        const indexes = new Set<number>();
        for (const key of ['visitorId', 'userId', 'anonymousId']) if (typeof profile?.[key] === 'string') ids.add(profile[key] as string);
        if (typeof profile?.visitorIndex === 'number') indexes.add(profile.visitorIndex);
        for (const merged of (profile?.mergedVisitors as Array<{ visitorId?: string; visitorIndex?: number }> | undefined) ?? []) {
          if (merged.visitorId) ids.add(merged.visitorId);
          if (typeof merged.visitorIndex === 'number') indexes.add(merged.visitorIndex);
        }
        const requestedAt = new Date();
        const id = `era_${randomUUID()}`;
        await erasures.record({ id, projectId: params.projectId, visitorId: params.visitorId, requestedAt });
        await publisher.publishErasure({
          requestId: id,
          projectId: params.projectId,
          visitorIndexes: [...indexes].sort((a, b) => a - b),
          idHashes: [...ids].map((v) => erasures.idHash(params.projectId, v)),
          requestedAt: requestedAt.toISOString(),
        });
        const url = statusUrl(params.projectId, id);
        return { status: 202, headers: { Location: url }, body: { requestId: id, projectId: params.projectId, visitorId: params.visitorId, requestedAt: requestedAt.toISOString(), status: 'pending', statusUrl: url } };
      },
    }),
    route({
      method: 'get',
      operationId: 'getErasure',
      path: '/v1/projects/{projectId}/erasures/{requestId}',
      summary: 'Status of an erasure: `erased` once the event store no longer knows the visitor',
      tags: ['visitors'],
      access: { kind: 'project', role: 'admin', keys: false },
      params: projectParams.extend({ requestId: z.string().min(1).max(100) }),
      responses: { 200: { description: 'the status', schema: erasureView } },
      async handle({ params, access }) {
        let row = await erasures.find(params.projectId, params.requestId);
        if (!row) throw HttpError.notFound('no such erasure request');
        // Once the event store has forgotten the visitor, the gateway forgets the id too (only its hash stays).
        if (!row.erased && (await profileOrNull((access as ProjectAccess).project.id, row.visitorId!)) === null) row = await erasures.markErased(row);
        return { body: { requestId: row.id, projectId: row.projectId, visitorId: row.visitorId ?? row.visitorIdHash, requestedAt: row.requestedAt.toISOString(), status: row.erased ? 'erased' : 'pending', statusUrl: statusUrl(row.projectId, row.id) } };
      },
    }),
  ];
}
