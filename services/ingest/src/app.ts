import express, { Router, type ErrorRequestHandler, type Express, type RequestHandler } from 'express';
import { errorHandler, healthRouter, HttpError, notFoundHandler, type ReadinessCheck } from '@sightline/http';
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
  /** Runs first on every request (the shutdown drain). */
  before?: RequestHandler;
  logger: Logger;
}

/** Body-reader refusals name the body as the field at fault, as every other 4xx here does. */
const namedBodyErrors: ErrorRequestHandler = (err, _req, _res, next) => {
  if (err?.type === 'entity.too.large') return next(new HttpError(413, 'payload_too_large', `request body exceeds ${err.limit} bytes`, [{ path: '(body)', reason: `larger than ${err.limit} bytes` }]));
  if (err?.type === 'encoding.unsupported' || err?.type === 'charset.unsupported') return next(new HttpError(415, 'unsupported_encoding', err.message, [{ path: '(body)', reason: err.message }]));
  if (typeof err?.status === 'number' && err.status >= 400 && err.status < 500 && !(err instanceof HttpError)) return next(HttpError.badRequest(err.message, [{ path: '(body)', reason: err.message }]));
  next(err);
};

/** The collector's express app; `main.ts` listens, tests can drive it directly. */
export function createApp(options: AppOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  // Collector answers are tiny and never cached; hashing each for an ETag is wasted CPU.
  app.set('etag', false);
  app.set('trust proxy', false);
  if (options.before) app.use(options.before);
  // One body reader for every content type: Segment sends application/json, sendBeacon
  // text/plain, HiiTrack forms; each route parses what it expects. gzip/deflate are inflated.
  app.use(express.text({ type: () => true, limit: options.maxBatchBytes, defaultCharset: 'utf-8' }));
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
  app.use(namedBodyErrors);
  app.use(errorHandler(options.logger));
  return app;
}
