// Imported first by main.ts: ES imports run in order, so tracing is registered before express,
// pg and kafkajs are loaded and their instrumentations can patch them.
import { loadConfig } from '@sightline/config';
import { initTelemetry } from '@sightline/telemetry';
import { config } from './config';

export const env = loadConfig(config.schema);
export const telemetry = initTelemetry({
  serviceName: env.OTEL_SERVICE_NAME ?? 'session-fingerprint',
  tracesExporter: env.OTEL_TRACES_EXPORTER,
  otlpEndpoint: env.OTEL_EXPORTER_OTLP_ENDPOINT,
});
