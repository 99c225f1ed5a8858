import express, { Router, type Express, type RequestHandler } from 'express';
import { errorHandler, healthRouter, notFoundHandler, requestSpans, type ReadinessCheck } from '@sightline/http';
import type { Logger } from '@sightline/telemetry';
import type { IntakeDeps } from './routes/intake';
import { bodyReader } from './routes/body-reader';
import { browserRoutes } from './routes/browser.routes';
import { seedRoutes } from './routes/seed.routes';
import { segmentRoutes } from './routes/segment.routes';
import type { TrackerSource } from './routes/tracker-source';

export interface AppOptions extends IntakeDeps {
  tracker: TrackerSource;
  maxBatchBytes: number;
  checks: Record<string, ReadinessCheck>;
  /** Runs first on every request (the shutdown drain). */
  before?: RequestHandler;
  logger: Logger;
}

/** The collector's express app; `main.ts` listens, tests can drive it directly. */
export function createApp(options: AppOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  // Collector answers are tiny and never cached; hashing each for an ETag is wasted CPU.
  app.set('etag', false);
  app.set('trust proxy', false);
  // One body reader for every content type: Segment sends application/json, sendBeacon
  // text/plain, HiiTrack forms; each route parses what it expects. The request's span (made
  // here, not by the automatic instrumentation: see instrument.ts) and the shutdown hook run
  // in the same layer.
  const reader = bodyReader(options.maxBatchBytes);
  const before = options.before;
  const spans = requestSpans();
  app.use((req, res, next) => spans(req, res, () => (before ? before(req, res, () => reader(req, res, next)) : reader(req, res, next))));
  // One router for all collector routes, ahead of health: every express layer a request
  // passes costs a tracing span, and the hot path should pass as few as possible.
  const intake = Router();
  segmentRoutes(options, intake);
  browserRoutes(options, options.tracker, intake);
  // Last: HiiTrack's `/:account/:project/...` paths would otherwise shadow fixed ones.
  seedRoutes(options, intake);
  app.use(intake);
  app.use(healthRouter({ service: 'ingest', checks: options.checks }));
  app.use(notFoundHandler);
  app.use(errorHandler(options.logger));
  return app;
}
