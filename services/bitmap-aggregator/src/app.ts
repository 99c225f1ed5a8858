import express, { type Express } from 'express';
import { errorHandler, healthRouter, notFoundHandler, type ReadinessCheck } from '@sightline/http';
import type { Logger } from '@sightline/telemetry';
import type { ProjectSettings } from './domain/range.handler';
import { countsRouter } from './routes/counts.routes';
import type { BitmapReader } from './stores/bitmap-reader.store';

export interface AppDeps {
  reader: BitmapReader;
  settingsOf(projectId: string): ProjectSettings;
  checks: Record<string, ReadinessCheck>;
  logger: Logger;
}

/** The aggregator's HTTP app (does not listen, so tests can drive it). */
export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(express.json({ limit: '64kb' }));
  app.use(healthRouter({ service: 'bitmap-aggregator', checks: deps.checks }));
  app.use(countsRouter(deps.reader, deps.settingsOf));
  app.use(notFoundHandler);
  app.use(errorHandler(deps.logger));
  return app;
}
