import { initTelemetry, type Logger } from '@sightline/telemetry';
import { loadConfig } from '@sightline/config';
import { config as configDefinition } from './config';

// Telemetry first: express and pg are loaded only afterwards (dynamic import below), so that
// their instrumentations can patch them.
const config = loadConfig(configDefinition.schema);
const telemetry = initTelemetry({ serviceName: config.OTEL_SERVICE_NAME ?? 'session-fingerprint', tracesExporter: config.OTEL_TRACES_EXPORTER, otlpEndpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT });

/** One process's service: started before it listens, so a start failure stops a cluster too. */
async function main(logger: Logger): Promise<void> {
  const { handleShutdown, listen } = await import('@sightline/http');
  const { createSessionFingerprint } = await import('./service');
  const service = createSessionFingerprint(config, logger);
  let server: Awaited<ReturnType<typeof listen>> | undefined;
  handleShutdown(logger, config.SHUTDOWN_TIMEOUT_MS, [
    ['http', async () => server?.close()],
    ['service', () => service.stop()],
    ['telemetry', () => telemetry.shutdown()],
  ]);
  await service.start();
  server = await listen(service.app, config.PORT, config.HOST);
  logger.info({ port: server.port, pid: process.pid }, 'session_fingerprint_started');
}

async function boot(): Promise<void> {
  const { createLogger } = await import('@sightline/telemetry');
  const { runWorkers, workerCount } = await import('@sightline/http');
  const { serviceName } = await import('./service');
  const logger = createLogger({ service: serviceName, level: config.LOG_LEVEL, pretty: config.NODE_ENV === 'development' && process.stdout.isTTY });
  runWorkers(serviceName, workerCount(config.WORKERS, config.NODE_ENV), logger, () => main(logger));
}

boot().catch((err) => {
  process.stderr.write(`session-fingerprint failed to start: ${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
