import express, { type Express } from 'express';
import { errorHandler, healthRouter, notFoundHandler, type ReadinessCheck } from '@sightline/http';
import type { Logger } from '@sightline/telemetry';
import type { IntakeDeps } from './routes/intake';
import { browserRoutes } from './routes/browser.routes';
import { seedRoutes } from './routes/seed.routes';
import { segmentRoutes } from './routes/segment.routes';
import type { TrackerSource } from './routes/tracker-source';

export interface AppOptions extends IntakeDeps {
  tracker: TrackerSource;
  maxBatchBytes: number;
  checks: Record<string, ReadinessCheck>;
  logger: Logger;
}

/** The collector's express app; `main.ts` listens, tests can drive it directly. */
export function createApp(options: AppOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  app.use(healthRouter({ service: 'ingest', checks: options.checks }));
  // One body reader for every content type: Segment sends application/json, sendBeacon
  // text/plain, HiiTrack forms; each route parses what it expects. gzip/deflate are inflated.
  app.use(express.text({ type: () => true, limit: options.maxBatchBytes, defaultCharset: 'utf-8' }));
  app.use(segmentRoutes(options));
  app.use(browserRoutes(options, options.tracker));
  // Last: HiiTrack's `/:account/:project/...` paths would otherwise shadow fixed ones.
  app.use(seedRoutes(options));
  app.use(notFoundHandler);
  app.use(errorHandler(options.logger));
  return app;
}
