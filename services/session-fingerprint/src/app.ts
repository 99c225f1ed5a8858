import express, { type Express } from 'express';
import { errorHandler, healthRouter, notFoundHandler, type ReadinessCheck } from '@sightline/http';
import type { Logger } from '@sightline/telemetry';

/** Health, readiness (Postgres, Kafka producer, consume loop) and metrics; this service has no public API. */
export function createApp(options: { logger: Logger; checks: Record<string, ReadinessCheck> }): Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(healthRouter({ service: 'session-fingerprint', checks: options.checks }));
  app.use(notFoundHandler);
  app.use(errorHandler(options.logger));
  return app;
}
