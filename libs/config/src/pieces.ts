import { z } from 'zod';
import { ConfigError } from './load-config';

/** Reusable config pieces. Each service composes its schema from these (see `defineConfig`). */
const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');
const port = z.coerce.number().int().min(0).max(65535);
const csv = z.string().transform((v) =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
);

/** `auto` or a count from 1 to 64: how many of something (processes, partitions in flight); the service resolves `auto`. */
const autoCount = z.union([z.literal('auto'), z.coerce.number().int().min(1).max(64)]);

export const env = { bool, port, csv, autoCount };

export const runtimePiece = {
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().positive().default(15000),
};

export const kafkaPiece = {
  KAFKA_BROKERS: csv.default(['127.0.0.1:9092']),
  KAFKA_CLIENT_ID: z.string().min(1).optional(),
  /**
   * The service's own Kafka principal (docs/security.md "Kafka credentials and ACLs"): SASL
   * mechanism, user and password. Unset: no SASL (a PLAINTEXT broker). createKafka of
   * @sightline/kafka reads them and refuses a user without a password or the reverse.
   */
  KAFKA_SASL_MECHANISM: z.string().regex(/^(scram-sha-512|scram-sha-256|plain)$/i, 'SCRAM-SHA-512, SCRAM-SHA-256 or PLAIN').optional(),
  KAFKA_SASL_USERNAME: z.string().min(1).optional(),
  KAFKA_SASL_PASSWORD: z.string().min(1).optional(),
  /** TLS to the brokers (production: SASL_SSL). */
  KAFKA_SSL: bool.default(false),
  TOPIC_NAMESPACE: z.string().regex(/^[A-Za-z0-9._-]*$/).default('sightline.'),
  /** How often a failing batch is retried before the process gives up and lets the group rebalance. */
  KAFKA_RETRY_ATTEMPTS: z.coerce.number().int().min(0).default(5),
  KAFKA_RETRY_BACKOFF_MS: z.coerce.number().int().min(1).default(200),
  /**
   * Retention of the topics that hold personal data (docs/identity.md, "What is kept where").
   * Every service applies them to the topics at start, so give all services the same values.
   * events.raw must stay below the fingerprint's LEDGER_RETENTION_DAYS (8) for exact replays;
   * erasures are kept one day longer than events.enriched, so a replay still applies them.
   */
  RAW_RETENTION_DAYS: z.coerce.number().int().min(1).max(7).default(7),
  ENRICHED_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
  DLQ_RETENTION_DAYS: z.coerce.number().int().min(1).max(90).default(7),
  /**
   * Partitions of events.raw and events.enriched when a service creates them (an existing topic
   * is left as it is: adding partitions moves keys, see docs/operations.md). Replication is the
   * broker's own default.replication.factor: 1 on the single broker, 3 on the cluster.
   */
  TOPIC_PARTITIONS: z.coerce.number().int().min(1).max(1024).default(4),
  /**
   * Key of the erased-id hashes in `erasures.v1` and in every store that remembers an erased id
   * (HMAC-SHA-256, `erasureIdHash` in @sightline/contracts). The same value in the gateway and
   * every erasure consumer; required in production (see `erasureIdSecret`).
   */
  ERASURE_ID_SECRET: z.string().min(32, 'at least 32 characters (`openssl rand -hex 32`)').optional(),
};

/** Used only outside production when ERASURE_ID_SECRET is unset, so tests and `npm run dev` share one key. */
export const DEVELOPMENT_ERASURE_ID_SECRET = 'sightline-development-only-erasure-id-secret-not-for-production';

/**
 * The erased-id key of a service that publishes or applies erasures. Production refuses to
 * start without one: a per-process default would make every service hash ids differently, and a
 * known default lets anyone reverse the hashes with a dictionary of ids.
 */
export function erasureIdSecret(config: { NODE_ENV: string; ERASURE_ID_SECRET?: string | undefined }): string {
  if (config.ERASURE_ID_SECRET) return config.ERASURE_ID_SECRET;
  if (config.NODE_ENV === 'production') throw new ConfigError([{ variable: 'ERASURE_ID_SECRET', reason: 'required in production: the same random value (at least 32 characters) for the gateway, session-fingerprint, bitmap-aggregator and query' }]);
  return DEVELOPMENT_ERASURE_ID_SECRET;
}

/** A variable that no longer exists: still set, it fails start-up with `message` (what replaced it). */
const removed = (message: string) => z.undefined({ error: message }).optional();

export const consumerPiece = {
  CONSUMER_GROUP_ID: z.string().min(1).optional(),
  /**
   * Partitions one process handles at once (kafkajs's partitionsConsumedConcurrently, shared
   * among the process's CONSUMER_INSTANCES). `auto`: each service's own choice (docs/operations.md).
   */
  PARTITIONS_CONSUMED_CONCURRENTLY: autoCount.default('auto'),
  // Old spellings: CONSUMER_CONCURRENCY meant partitions at once in the query service and
  // projects of one batch at once in the aggregator; PARTITIONS_CONCURRENTLY was the aggregator's.
  CONSUMER_CONCURRENCY: removed('renamed: PARTITIONS_CONSUMED_CONCURRENTLY (partitions handled at once; was its meaning in query) or PROJECTS_WRITTEN_CONCURRENTLY (projects of one batch written at once; its meaning in bitmap-aggregator)'),
  PARTITIONS_CONCURRENTLY: removed('renamed: PARTITIONS_CONSUMED_CONCURRENTLY'),
};

export const redisPiece = {
  REDIS_URL: z.string().url().default('redis://127.0.0.1:6380'),
  /** When set, the service talks to a Redis Cluster through these seed nodes instead of REDIS_URL. */
  REDIS_CLUSTER_NODES: csv.optional(),
  REDIS_KEY_PREFIX: z.string().default(''),
};

export const postgresPiece = {
  DATABASE_URL: z.string().url(),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(100).default(10),
};

export const httpPiece = (defaultPort: number) => ({
  PORT: port.default(defaultPort),
  HOST: z.string().default('127.0.0.1'),
});

export const telemetryPiece = {
  OTEL_SERVICE_NAME: z.string().optional(),
  OTEL_TRACES_EXPORTER: z.string().optional(),
  OTEL_EXPORTER_OTLP_ENDPOINT: z.string().url().optional(),
};
