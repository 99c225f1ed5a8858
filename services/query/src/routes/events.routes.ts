import { Router, type Request } from 'express';
import { HttpError, validate } from '@sightline/http';
import { decodeEventCursor } from '../domain/cursor.handler';
import { paginate, presentEvent } from '../domain/present.handler';
import { countsQuery, eventLogQuery, propertyFilters } from '../domain/request.schemas';
import type { EventFilter } from '../stores/event-filter';
import type { EventLogStore } from '../stores/event-log.store';
import type { VisitorStore } from '../stores/visitor.store';

export interface EventsRoutesDeps {
  eventLog: EventLogStore;
  visitors: VisitorStore;
  /** The project's IANA time zone (projects topic), or undefined when unknown. */
  timeZoneOf(projectId: string): string | undefined;
}

const BUCKET_MS = { minute: 60_000, hour: 3_600_000, day: 86_400_000, week: 7 * 86_400_000, month: 28 * 86_400_000 };
const MAX_BUCKETS = 5000;

/** Common filter; null when the visitor filter names nobody (the answer is empty). */
async function filterOf(req: Request, q: { from: string; to: string; name?: string; category?: string; sessionId?: string; visitorId?: string }, visitors: VisitorStore): Promise<EventFilter | null> {
  const projectId = req.params.projectId as string;
  const filter: EventFilter = { projectId, from: q.from, to: q.to, name: q.name, category: q.category, sessionId: q.sessionId, properties: propertyFilters(req.query) };
  if (q.visitorId !== undefined) {
    const group = await visitors.resolveGroup(projectId, q.visitorId);
    if (!group) return null;
    filter.visitorIndexes = group.indexes;
  }
  return filter;
}

export function eventsRoutes(deps: EventsRoutesDeps): Router {
  const router = Router();

  router.get('/internal/projects/:projectId/events', async (req, res) => {
    const q = validate(eventLogQuery, req.query, 'query');
    const after = q.cursor ? decodeEventCursor(q.cursor) : null;
    const filter = await filterOf(req, q, deps.visitors);
    if (!filter) {
      res.json({ events: [], nextCursor: null, ...(q.withTotal === 'true' ? { total: 0 } : {}) });
      return;
    }
    const [rows, total] = await Promise.all([
      deps.eventLog.page(filter, q.order, q.limit, after),
      q.withTotal === 'true' ? deps.eventLog.count(filter) : Promise.resolve(undefined),
    ]);
    const { page, nextCursor } = paginate(rows, q.limit, (r) => ({ us: r.ts_us, id: r.message_id }));
    const people = await deps.visitors.people(filter.projectId, page.map((r) => r.visitor_index));
    res.json({ events: page.map((r) => presentEvent(r, people)), nextCursor, ...(total !== undefined ? { total } : {}) });
  });

  router.get('/internal/projects/:projectId/counts', async (req, res) => {
    const q = validate(countsQuery, req.query, 'query');
    if (q.interval && (Date.parse(q.to) - Date.parse(q.from)) / BUCKET_MS[q.interval] > MAX_BUCKETS) {
      throw HttpError.badRequest(`more than ${MAX_BUCKETS} ${q.interval} buckets`, [{ path: 'interval', reason: `more than ${MAX_BUCKETS} buckets in the range` }]);
    }
    const filter = await filterOf(req, q, deps.visitors);
    const timeZone = q.timeZone ?? deps.timeZoneOf(req.params.projectId as string) ?? 'UTC';
    const counts = { filter: filter ?? { projectId: req.params.projectId as string, from: q.from, to: q.to, properties: [], visitorIndexes: [] }, interval: q.interval, timeZone, breakdown: q.breakdown, limit: q.limit };
    const [total, series] = await Promise.all([deps.eventLog.count(counts.filter), deps.eventLog.series(counts)]);
    const breakdown = q.breakdown ? await deps.eventLog.breakdown(counts, total) : undefined;
    res.json({ total, series, ...(breakdown ? { breakdown } : {}) });
  });

  return router;
}
