import { z } from 'zod';
import { HttpError } from '@sightline/http';
import type { ProjectAccess } from '../auth/access-control';
import { instant } from '../domain/time-range';
import { createCursorBook, eyeResult, hourContaining, parseUnixTime } from '../domain/seed-compat';
import type { GatewayDeps } from './deps';
import { route } from './route';

const seedRead = { kind: 'project', role: 'viewer', keys: true, queryKey: true } as const;
const text = z.string().min(1).max(200);

const eyeQuery = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  offset: z.coerce
    .number()
    .int()
    .min(0)
    .max(10_000_000)
    .default(0)
    .describe('events to skip; without `cursor`, at most EYE_MAX_OFFSET_WALK (10,000) unless this gateway served that offset already'),
  cursor: z.string().min(1).max(500).optional().describe("set by the reply's own `next` (and, when known, `previous`) links: the page starts there and nothing is skipped"),
  session_id: text.optional(),
  category: text.optional(),
  name: text.optional(),
  from: instant.optional(),
  to: instant.optional(),
  timestamp_after: instant.optional(),
  timestamp_before: instant.optional(),
  timestamp_start: instant.optional(),
  timestamp_end: instant.optional(),
  project: z.string().max(64).optional(),
  key: z.string().max(200).optional(),
});
type EyeQuery = z.infer<typeof eyeQuery>;

/** The Eye's range: from/to, or its own timestamp_after/before (start/end); by default the last 399 days. */
function eyeRange(q: EyeQuery, now = Date.now()) {
  const to = q.to ?? q.timestamp_before ?? q.timestamp_end ?? new Date(now + 60_000).toISOString();
  const from = q.from ?? q.timestamp_after ?? q.timestamp_start ?? new Date(Date.parse(to) - 399 * 86400_000).toISOString();
  if (!(Date.parse(from) < Date.parse(to))) throw HttpError.badRequest('`to` must be after `from`', [{ path: 'to', reason: 'must be after from' }]);
  return { from, to };
}

export function seedAnalyticsRoutes(deps: GatewayDeps) {
  const { aggregator, query, config } = deps;
  const cursors = createCursorBook(10_000, config.EYE_MAX_OFFSET_WALK);
  return [
    route({
      method: 'get',
      operationId: 'userAnalyticsCounts',
      path: '/analytics',
      summary: 'user_analytics: unique users, clicks and impressions in the hour containing `timestamp` (text/plain)',
      tags: ['seed compatibility'],
      access: seedRead,
      query: z.object({
        timestamp: z.string().regex(/^\d{1,16}$/, 'a Unix time in milliseconds (values below 10^11 are read as seconds)'),
        project: z.string().max(64).optional(),
        key: z.string().max(200).optional(),
      }),
      responses: { 200: { description: '`unique_users,N\\nclicks,N\\nimpressions,N`', schema: z.string(), text: true } },
      async handle({ query: q, access }) {
        const projectId = (access as ProjectAccess).project.id;
        const hour = hourContaining(parseUnixTime(q.timestamp));
        const [users, clicks, impressions] = await Promise.all([
          aggregator.uniques(projectId, { ...hour, expr: { or: [{ dim: 'event:click' }, { dim: 'event:impression' }] } }),
          aggregator.totals(projectId, { ...hour, dim: 'event:click' }),
          aggregator.totals(projectId, { ...hour, dim: 'event:impression' }),
        ]);
        return { text: `unique_users,${users.total}\nclicks,${clicks.total}\nimpressions,${impressions.total}\n` };
      },
    }),
    ...['/api/event/', '/api/event'].map((path) =>
      route({
        method: 'get',
        operationId: 'eyeListEvents',
        // One document entry: the slash-less alias is the same operation.
        inDocument: path === '/api/event/',
        path,
        summary: 'The Eye: the event log as `{count, next, previous, results}`, newest first',
        tags: ['seed compatibility'],
        access: seedRead,
        query: eyeQuery,
        responses: {
          200: {
            description: 'one page',
            schema: z.object({
              count: z.number().int(),
              next: z.string().nullable(),
              previous: z.string().nullable(),
              results: z.array(z.object({ session_id: z.string().nullable(), timestamp: z.string(), category: z.string().nullable(), name: z.string(), data: z.record(z.string(), z.unknown()) })),
            }),
          },
          400: { description: 'invalid input, or an `offset` that would skip more than EYE_MAX_OFFSET_WALK events (the message names the limit; follow `next` links instead)' },
        },
        async handle({ query: q, access, req }) {
          const projectId = (access as ProjectAccess).project.id;
          // The Eye's session_id is the visitor's anonymousId at ingest, so it filters by visitor.
          const filters = { ...eyeRange(q), visitorId: q.session_id, category: q.category, name: q.name };
          const book = JSON.stringify([projectId, filters, q.limit]);
          const served = await cursors.pageAt(book, { offset: q.offset, cursor: q.cursor }, q.limit, (cursor, limit, withTotal) =>
            query.events(projectId, { ...filters, cursor, limit, withTotal: withTotal ? 'true' : undefined }),
          );
          const base = config.PUBLIC_URL ? `${config.PUBLIC_URL.replace(/\/$/, '')}${req.path}` : `${req.protocol}://${req.get('host')}${req.path}`;
          return { body: eyeResult(served, q.offset, q.limit, base, new URLSearchParams(req.url.split('?')[1] ?? '')) };
        },
      }),
    ),
  ];
}
