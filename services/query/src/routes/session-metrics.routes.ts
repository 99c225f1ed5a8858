import { Router } from 'express';
import { validate } from '@sightline/http';
import { sessionMetricsBody } from '../domain/request.schemas';
import type { SessionMetricsStore } from '../stores/session-metrics.store';

export interface SessionMetricsDeps {
  metrics: SessionMetricsStore;
  timeZoneOf(projectId: string): string | undefined;
}

/** Visits, pageviews, bounces and duration of the sessions started in a range (docs/query-api.md). */
export function sessionMetricsRoutes(deps: SessionMetricsDeps): Router {
  const router = Router();
  router.post('/internal/projects/:projectId/session-metrics', async (req, res) => {
    const body = validate(sessionMetricsBody, req.body, 'body');
    const projectId = req.params.projectId;
    const timeZone = body.timeZone ?? deps.timeZoneOf(projectId) ?? 'UTC';
    const buckets = await deps.metrics.buckets({
      projectId,
      from: body.from,
      to: body.to,
      interval: body.interval,
      timeZone,
      visitors: body.visitors === undefined ? undefined : Buffer.from(body.visitors, 'base64'),
    });
    const sum = (f: 'visits' | 'pageviews' | 'bounces' | 'durationSeconds') => buckets.reduce((s, b) => s + b[f], 0);
    res.json({
      visits: sum('visits'),
      pageviews: sum('pageviews'),
      bounces: sum('bounces'),
      durationSeconds: sum('durationSeconds'),
      series: body.interval ? buckets.map((b) => ({ start: b.start, visits: b.visits, pageviews: b.pageviews, bounces: b.bounces, durationSeconds: b.durationSeconds })) : [],
    });
  });
  return router;
}
