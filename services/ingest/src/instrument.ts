// Imported first by main.ts: ES imports run in order, so tracing is registered before express
// and kafkajs are loaded and the HTTP/express instrumentations can patch them.
import { loadConfig } from '@sightline/config';
import { initTelemetry } from '@sightline/telemetry';
import { config } from './config';

export const env = loadConfig(config.schema);
export const telemetry = initTelemetry({
  serviceName: env.OTEL_SERVICE_NAME ?? 'ingest',
  tracesExporter: env.OTEL_TRACES_EXPORTER,
  otlpEndpoint: env.OTEL_EXPORTER_OTLP_ENDPOINT,
  // Request spans are made by app.ts and passed explicitly to what each request publishes:
  // the automatic instrumentation's active context cost a third of the CPU per request.
  instrumentHttp: false,
});
