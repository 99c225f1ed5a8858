import { z } from 'zod';
import { consumerPiece, defineConfig, httpPiece, kafkaPiece, postgresPiece, runtimePiece, telemetryPiece } from '@sightline/config';

export const config = defineConfig({
  ...runtimePiece,
  ...kafkaPiece,
  ...consumerPiece,
  ...postgresPiece,
  ...telemetryPiece,
  ...httpPiece(8082),
  DATABASE_URL: z.string().url().default('postgresql://sightline:sightline@127.0.0.1:5433/identity'),
  /**
   * Partitions of events.raw handled at once by one instance. Batches of one project take turns
   * on its lock, so more partitions in flight mostly overlap one batch's produce with the next
   * one's transaction.
   */
  PARTITIONS_CONSUMED_CONCURRENTLY: z.coerce.number().int().min(1).max(64).default(4),
  /** Fetch size per partition: bounds the batch (one transaction, one produce run) to a few thousand events. */
  MAX_BYTES_PER_PARTITION: z.coerce.number().int().min(16_384).default(1_048_576),
  /** Ledger rows (message → ids) are kept this long; longer than the raw topic's 7 days so any replay of it is exact. */
  LEDGER_RETENTION_DAYS: z.coerce.number().int().min(1).default(8),
  /** How often expired salts and old ledger rows are deleted. */
  JANITOR_INTERVAL_MS: z.coerce.number().int().min(1000).default(15 * 60_000),
});

export type SessionFingerprintConfig = z.infer<typeof config.schema>;
