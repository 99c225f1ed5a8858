import { Router } from 'express';
import { z } from 'zod';
import { validate } from '@sightline/http';
import type { VisitorStore } from '../stores/visitor.store';

export interface ViewsDeps {
  visitors: VisitorStore;
}

/** At most this many indexes per request: one page of a dashboard list. */
export const MAX_INDEXES = 1000;
const body = z.object({ indexes: z.array(z.number().int().min(0).max(2 ** 31 - 1)).min(1).max(MAX_INDEXES) });

/**
 * Visitor ids of aggregator visitor indexes (a compare part's page of people): each index with
 * the id of its current person (after merges), or null when the event store no longer knows it
 * (erased). Same order as asked.
 */
export function viewsRoutes(deps: ViewsDeps): Router {
  const router = Router();
  router.post('/internal/projects/:projectId/visitor-ids', async (req, res) => {
    const { indexes } = validate(body, req.body, 'body');
    const people = await deps.visitors.people(req.params.projectId, indexes);
    res.json({ visitors: indexes.map((i) => ({ visitorIndex: i, visitorId: people.get(i)?.visitorId ?? null })) });
  });
  return router;
}
