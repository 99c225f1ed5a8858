import { z } from 'zod';
import { consumerPiece, defineConfig, httpPiece, kafkaPiece, postgresPiece, runtimePiece, telemetryPiece } from '@sightline/config';

export const config = defineConfig({
  ...runtimePiece,
  ...kafkaPiece,
  ...consumerPiece,
  ...postgresPiece,
  ...httpPiece(8084),
  ...telemetryPiece,
  DATABASE_URL: z.string().url().default('postgresql://sightline:sightline@127.0.0.1:5433/events'),
  /** How long the group waits for a silent member (a killed process) before its partitions move. */
  KAFKA_SESSION_TIMEOUT_MS: z.coerce.number().int().min(6000).max(300_000).default(30_000),
  /**
   * Kafka consumers of events.enriched in this process (one group). With one, kafkajs fetches
   * every partition's batch at once, Node decodes them all while Postgres idles, then Postgres
   * inserts them all while Node idles; two fetch and insert out of step, so the phases overlap
   * (1M-event backlog here: 17,920 → 26,448 events/s).
   */
  CONSUMER_INSTANCES: z.coerce.number().int().min(1).max(16).default(2),
  /** Concurrent Postgres queries per funnel (its time range cut in slices); about the database's cores. */
  FUNNEL_SHARDS: z.coerce.number().int().min(1).max(16).default(2),
  /** Monthly partitions created ahead of the current month. */
  PARTITION_MONTHS_AHEAD: z.coerce.number().int().min(1).max(24).default(2),
  /** Partitions whose whole month is older than this many months are detached and dropped; 0 keeps everything. */
  EVENT_RETENTION_MONTHS: z.coerce.number().int().min(0).default(0),
});

export type QueryConfig = ReturnType<typeof config.schema.parse>;
