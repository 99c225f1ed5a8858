import type { Express } from 'express';
import { createLogger, type Logger } from '@sightline/telemetry';
import type { ReadinessCheck } from './health';
import { handleShutdown } from './lifecycle';
import { listen, type RunningServer } from './server';
import { runWorkers, workerCount, type PrimaryHooks } from './workers';

/**
 * What every service's `service.ts` returns, so that each one is started, stopped and checked
 * the same way by its `main.ts` and by tests that run it in-process.
 */
export interface Service {
  /** The HTTP app (health, metrics and the service's API); it does not listen. */
  app: Express;
  /** The named readiness checks behind `/readyz` (dependencies, consume loops, lag). */
  health: Record<string, ReadinessCheck>;
  /** Migrates, creates topics, connects and starts consuming; resolves once the service can serve. */
  start(): Promise<void>;
  /** Drains in the style guide's order: stop consuming, flush the producer, close stores. */
  stop(): Promise<void>;
  /** Called as shutdown begins, before the HTTP server closes (ingest ends keep-alive there). */
  beginDrain?(): void;
}

/** The settings every service's config has (runtimePiece and httpPiece of @sightline/config). */
export interface ServiceMainConfig {
  NODE_ENV: string;
  LOG_LEVEL: string;
  PORT: number;
  HOST: string;
  SHUTDOWN_TIMEOUT_MS: number;
}

export interface ServiceMainOptions {
  /** The service's name: the logs' `service`, and `<name>_listening` once it listens. */
  name: string;
  config: Readonly<ServiceMainConfig>;
  telemetry: { shutdown(): Promise<unknown> };
  /** Builds one process's service (called once per worker). */
  create(logger: Logger): Service;
  /** Processes (node:cluster workers sharing the port); `auto` is one per core in production. Default 1. */
  workers?: number | 'auto';
  primary?: () => PrimaryHooks;
}

/**
 * The body of every `main.ts`: in each process, create the service, register the shutdown
 * steps (HTTP, then the service's own drain, then telemetry), start it, and only then listen,
 * so a start failure stops the process (and a cluster) before it takes requests.
 */
export function runService(options: ServiceMainOptions): void {
  const { config } = options;
  const logger = createLogger({ service: options.name, level: config.LOG_LEVEL, pretty: config.NODE_ENV === 'development' && process.stdout.isTTY });
  runWorkers(
    options.name,
    workerCount(options.workers ?? 1, config.NODE_ENV),
    logger,
    async () => {
      const service = options.create(logger);
      let server: RunningServer | undefined;
      handleShutdown(logger, config.SHUTDOWN_TIMEOUT_MS, [
        [
          'http',
          async () => {
            service.beginDrain?.();
            await server?.close();
          },
        ],
        ['service', () => service.stop()],
        ['telemetry', () => options.telemetry.shutdown()],
      ]);
      await service.start();
      server = await listen(service.app, config.PORT, config.HOST);
      logger.info({ port: server.port, pid: process.pid }, `${options.name.replace(/-/g, '_')}_listening`);
    },
    options.primary,
  );
}
