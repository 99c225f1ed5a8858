import { Router } from 'express';
import { HttpError, validate } from '@sightline/http';
import { decodeSessionCursor } from '../domain/cursor.handler';
import { paginate, presentEvent, presentSession } from '../domain/present.handler';
import { profileQuery, sessionsQuery } from '../domain/request.schemas';
import type { SessionStore } from '../stores/session.store';
import type { VisitorStore } from '../stores/visitor.store';

export interface VisitorsDeps {
  sessions: SessionStore;
  visitors: VisitorStore;
}

export function visitorsRoutes(deps: VisitorsDeps): Router {
  const router = Router();

  router.get('/internal/projects/:projectId/sessions', async (req, res) => {
    const q = validate(sessionsQuery, req.query, 'query');
    const projectId = req.params.projectId;
    const after = q.cursor ? decodeSessionCursor(q.cursor) : null;
    let indexes: number[] | undefined;
    if (q.visitorId) {
      const group = await deps.visitors.resolveGroup(projectId, q.visitorId);
      if (!group) {
        res.json({ sessions: [], nextCursor: null });
        return;
      }
      indexes = group.indexes;
    }
    const rows = await deps.sessions.page(projectId, q.from, q.to, indexes, q.limit, after);
    const { page, nextCursor } = paginate(rows, q.limit, (r) => ({ us: r.start_us, id: r.session_id }));
    const people = await deps.visitors.people(projectId, page.map((r) => r.visitor_index));
    res.json({ sessions: page.map((r) => presentSession(r, people)), nextCursor });
  });

  router.get('/internal/projects/:projectId/visitors/:visitorId', async (req, res) => {
    const q = validate(profileQuery, req.query, 'query');
    const { projectId, visitorId } = req.params;
    const group = await deps.visitors.resolveGroup(projectId, visitorId);
    if (!group) throw HttpError.notFound(`no visitor ${visitorId} in project ${projectId}`);
    const [rows, sessions, events, people] = await Promise.all([
      deps.sessions.visitorRows(projectId, group.indexes),
      deps.sessions.lastSessions(projectId, group.indexes, q.sessions),
      deps.sessions.lastEvents(projectId, group.indexes, q.events),
      deps.visitors.people(projectId, group.indexes),
    ]);
    if (rows.length === 0) throw HttpError.notFound(`no visitor ${visitorId} in project ${projectId}`);
    const root = rows.find((r) => r.visitor_index === group.root) ?? rows[0]!;
    const latest = rows.reduce((a, b) => (b.traits_at > a.traits_at ? b : a));
    res.json({
      visitorId: root.visitor_id,
      visitorIndex: group.root,
      mergedVisitors: rows.filter((r) => r.visitor_index !== group.root).map((r) => ({ visitorId: r.visitor_id, visitorIndex: r.visitor_index })),
      userId: latest.user_id ?? rows.find((r) => r.user_id)?.user_id ?? null,
      traits: latest.traits,
      firstSeen: new Date(Math.min(...rows.map((r) => r.first_seen.getTime()))).toISOString(),
      lastSeen: new Date(Math.max(...rows.map((r) => r.last_seen.getTime()))).toISOString(),
      eventCount: rows.reduce((s, r) => s + r.event_count, 0),
      sessionCount: sessions.total,
      sessions: sessions.rows.map((r) => presentSession(r, people)),
      lastEvents: events.map((r) => presentEvent(r, people)),
    });
  });

  return router;
}
