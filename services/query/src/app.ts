import express, { type Express } from 'express';
import type { Pool } from 'pg';
import { errorHandler, healthRouter, notFoundHandler, type ReadinessCheck } from '@sightline/http';
import type { Logger } from '@sightline/telemetry';
import { eventsRoutes } from './routes/events.routes';
import { funnelsRoutes } from './routes/funnels.routes';
import { sessionMetricsRoutes } from './routes/session-metrics.routes';
import { viewsRoutes } from './routes/views.routes';
import { visitorsRoutes } from './routes/visitors.routes';
import { createEventLogStore } from './stores/event-log.store';
import { createSessionMetricsStore } from './stores/session-metrics.store';
import { createSessionStore } from './stores/session.store';
import { createVisitorStore } from './stores/visitor.store';

export interface AppDeps {
  pool: Pool;
  logger: Logger;
  timeZoneOf(projectId: string): string | undefined;
  /** Concurrent queries per funnel; default 2 (one per core of the reference machine). */
  funnelShards?: number;
  checks: Record<string, ReadinessCheck>;
}

/** The internal API (docs/query-api.md); no auth here, the gateway owns it. */
export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(healthRouter({ service: 'query', checks: deps.checks }));
  // Candidate sets from the aggregator can be large (up to millions of indexes).
  app.use(express.json({ limit: '64mb' }));
  const visitors = createVisitorStore(deps.pool);
  app.use(eventsRoutes({ eventLog: createEventLogStore(deps.pool), visitors, timeZoneOf: deps.timeZoneOf }));
  app.use(funnelsRoutes({ pool: deps.pool, visitors, shards: deps.funnelShards ?? 2 }));
  app.use(sessionMetricsRoutes({ metrics: createSessionMetricsStore(deps.pool), timeZoneOf: deps.timeZoneOf }));
  app.use(visitorsRoutes({ sessions: createSessionStore(deps.pool), visitors }));
  app.use(viewsRoutes({ visitors }));
  app.use(notFoundHandler);
  app.use(errorHandler(deps.logger));
  return app;
}
