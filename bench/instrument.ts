// Imported first by the benchmarks that run a service in-process, as each service's main.ts
// imports its instrument.ts first: tracing registered before pg, ioredis and kafkajs load, so
// the benchmark pays for batch spans and the pg/ioredis instrumentation as the service does.
// BENCH_TELEMETRY=0 measures without them.
import { initTelemetry } from '@sightline/telemetry';

if (process.env.BENCH_TELEMETRY !== '0') initTelemetry({ serviceName: 'bench' });
