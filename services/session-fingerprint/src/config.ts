import { z } from 'zod';
import { consumerPiece, defineConfig, env, httpPiece, kafkaPiece, postgresPiece, runtimePiece, telemetryPiece } from '@sightline/config';

export const config = defineConfig({
  ...runtimePiece,
  ...kafkaPiece,
  ...consumerPiece,
  ...postgresPiece,
  ...telemetryPiece,
  ...httpPiece(8082),
  DATABASE_URL: z.string().url().default('postgresql://sightline:sightline@127.0.0.1:5433/identity'),
  /**
   * Processes (node:cluster workers), each with its own consumer of the group. Decoding,
   * enrichment and producing run outside the project lock, so a second process overlaps them
   * with the first one's identity transaction. `auto` is one per core in production, 1 in tests
   * and development.
   */
  WORKERS: env.autoCount.default('auto'),
  /**
   * Partitions of events.raw handled at once by one process. Batches of one project take turns
   * on its lock, so more partitions in flight mostly overlap one batch's produce with the next
   * one's transaction. `auto`: 4 in a single process; 1 per cluster worker, where the other
   * workers provide the overlap and a second batch in the same event loop only delays the
   * callbacks of the one holding the lock (bench/fingerprint, 2 workers, 500k events: 14,639
   * events/s with 4, 19,360 with 1).
   */
  PARTITIONS_CONSUMED_CONCURRENTLY: env.autoCount.default('auto'),
  /** Fetch size per partition: bounds the batch (one transaction, one produce run) to a few thousand events. */
  MAX_BYTES_PER_PARTITION: z.coerce.number().int().min(16_384).default(1_048_576),
  /**
   * A directory with a GeoLite2-style Country database in CSV format (`*-Country-Locations-en.csv`,
   * `*-Country-Blocks-IPv4.csv`, `*-Country-Blocks-IPv6.csv`): enriched events then carry the
   * IP's country. Off when unset; the IP itself is never stored either way.
   */
  GEOIP_COUNTRY_DIR: z.string().min(1).optional(),
  /** Ledger rows (message → ids) are kept this long; longer than the raw topic's 7 days so any replay of it is exact. */
  LEDGER_RETENTION_DAYS: z.coerce.number().int().min(1).default(8),
  /** How often expired salts and old ledger rows are deleted. */
  JANITOR_INTERVAL_MS: z.coerce.number().int().min(1000).default(15 * 60_000),
  /**
   * Produce the enriched records and commit the raw offsets in one Kafka transaction, so a
   * crash between the two cannot leave a second copy of a batch in events.enriched (read-
   * committed consumers only see committed batches). Off by default: readers that count
   * records by high watermark (control markers take offsets) must be transaction-aware first.
   */
  EXACTLY_ONCE_OUTPUT: z.enum(['true', 'false']).default('false').transform((v) => v === 'true'),
  /**
   * Stable per instance, unique across instances (a restart with the same id fences the crashed
   * incarnation and aborts its open transaction at once). Default: `<group>-<hostname>-<pid>`,
   * stable in a container (pid 1), unique for several processes on one host.
   */
  TRANSACTIONAL_ID: z.string().min(1).optional(),
  /** Broker-side limit of one batch's transaction; an instance that dies mid-batch blocks read-committed readers of its output partitions this long, unless restarted with the same TRANSACTIONAL_ID. */
  TRANSACTION_TIMEOUT_MS: z.coerce.number().int().min(1000).default(30_000),
});

export type SessionFingerprintConfig = z.infer<typeof config.schema>;
