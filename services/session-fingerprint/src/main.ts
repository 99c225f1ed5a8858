import { initTelemetry } from '@sightline/telemetry';
import { loadConfig } from '@sightline/config';
import { config as configDefinition } from './config';

// Telemetry first: express and pg are loaded only afterwards (dynamic import below), so that
// their instrumentations can patch them.
const config = loadConfig(configDefinition.schema);
const telemetry = initTelemetry({ serviceName: config.OTEL_SERVICE_NAME ?? 'session-fingerprint', tracesExporter: config.OTEL_TRACES_EXPORTER, otlpEndpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT });

async function main(): Promise<void> {
  const { createLogger } = await import('@sightline/telemetry');
  const { handleShutdown, listen } = await import('@sightline/http');
  const { createSessionFingerprint, serviceName } = await import('./service');
  const logger = createLogger({ service: serviceName, level: config.LOG_LEVEL, pretty: config.NODE_ENV === 'development' && process.stdout.isTTY });
  const service = createSessionFingerprint(config, logger);
  const server = await listen(service.app, config.PORT, config.HOST);
  handleShutdown(logger, config.SHUTDOWN_TIMEOUT_MS, [
    ['http', () => server.close()],
    ['service', () => service.stop()],
    ['telemetry', () => telemetry.shutdown()],
  ]);
  await service.start();
  logger.info({ port: server.port }, 'session_fingerprint_started');
}

main().catch((err) => {
  process.stderr.write(`session-fingerprint failed to start: ${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
