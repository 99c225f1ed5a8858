import cluster from 'node:cluster';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'pg';
import { projectConfigValue, topicNames, type ProjectConfig } from '@sightline/contracts';
import { createKafka, createLagMonitor, createProducer, createTopicTable, ensureTopics, lagSettingsFromEnv, standardTopicSpecs, topicRetentionOf } from '@sightline/kafka';
import { erasureIdSecret } from '@sightline/config';
import type { Service } from '@sightline/http';
import { ensureDatabase, migrate } from '@sightline/migrate';
import type { Logger } from '@sightline/telemetry';
import { createApp } from './app';
import type { SessionFingerprintConfig } from './config';
import { createIdentityConsumer } from './consumers/identity.consumer';
import { loadCountryDatabase } from './stores/country-database.store';
import { createJanitor } from './stores/janitor.store';
import { createSaltStore } from './stores/salt.store';

export const migrationsDir = join(__dirname, '..', 'prisma', 'migrations');
export const serviceName = 'session-fingerprint';

/**
 * Wires the service: identity database (migrated at start), projects table, producer, the
 * identity consumer and the janitor. `start` resolves once the consumer runs; `stop` drains
 * in the order the style guide asks (consumer, producer, tables, database).
 */
export function createSessionFingerprint(config: Readonly<SessionFingerprintConfig>, logger: Logger, options: { migrationsDir?: string } = {}): Service & { pool: Pool } {
  const topics = topicNames(config.TOPIC_NAMESPACE);
  const kafka = createKafka({ brokers: config.KAFKA_BROKERS, clientId: config.KAFKA_CLIENT_ID ?? serviceName, logger });
  const pool = new Pool({ connectionString: config.DATABASE_URL, max: config.DATABASE_POOL_SIZE });
  pool.on('error', (err) => logger.warn({ err }, 'postgres_idle_client_error'));
  const producer = createProducer(kafka);
  const salts = createSaltStore(pool);
  const projects = createTopicTable<ProjectConfig>({
    kafka,
    topic: topics.projects,
    parse: (value) => projectConfigValue.safeParse(value).data ?? null,
    logger,
    groupPrefix: `${config.TOPIC_NAMESPACE}${serviceName}`,
  });
  const countries = config.GEOIP_COUNTRY_DIR ? loadCountryDatabase(config.GEOIP_COUNTRY_DIR) : null;
  if (countries) logger.info({ networks: countries.size }, 'country_database_loaded');
  const groupId = config.CONSUMER_GROUP_ID ?? `${config.TOPIC_NAMESPACE}${serviceName}`;
  const consumer = createIdentityConsumer({
    kafka,
    producer,
    pool,
    salts,
    projects,
    topics,
    groupId,
    countryOf: countries?.countryOf,
    erasureIdSecret: erasureIdSecret(config),
    transactionalOutput: config.EXACTLY_ONCE_OUTPUT
      ? { transactionalId: config.TRANSACTIONAL_ID ?? `${groupId}-${hostname()}-${process.pid}`, transactionTimeoutMs: config.TRANSACTION_TIMEOUT_MS }
      : undefined,
    logger,
    retry: { attempts: config.KAFKA_RETRY_ATTEMPTS, backoffMs: config.KAFKA_RETRY_BACKOFF_MS },
    partitionsConsumedConcurrently: config.PARTITIONS_CONSUMED_CONCURRENTLY === 'auto' ? (cluster.isWorker ? 1 : 4) : config.PARTITIONS_CONSUMED_CONCURRENTLY,
    maxBytesPerPartition: config.MAX_BYTES_PER_PARTITION,
  });
  // Lag per partition in /metrics; /readyz says when this process's partitions are stuck.
  const lag = createLagMonitor({ kafka, groupId, topics: [topics.eventsRaw, topics.erasures], settings: lagSettingsFromEnv(), logger, assignment: () => consumer.assignment() });
  const janitor = createJanitor({ pool, salts, ledgerRetentionDays: config.LEDGER_RETENTION_DAYS, intervalMs: config.JANITOR_INTERVAL_MS, logger });
  const health = {
    postgres: async () => (await pool.query('SELECT 1')).rowCount === 1,
    consumer: () => consumer.isHealthy(),
    lag: () => lag.readiness(),
  };
  const app = createApp({ logger, checks: health });
  return {
    app,
    health,
    pool,
    async start() {
      await ensureDatabase(config.DATABASE_URL);
      const result = await migrate(config.DATABASE_URL, options.migrationsDir ?? migrationsDir);
      if (result.applied.length) logger.info({ applied: result.applied }, 'migrations_applied');
      await ensureTopics(kafka, standardTopicSpecs(topics, topicRetentionOf(config)));
      await projects.start();
      await producer.start();
      await janitor.start();
      await consumer.start();
      await lag.start();
    },
    async stop() {
      await lag.stop();
      await consumer.stop();
      await janitor.stop();
      await producer.stop();
      await projects.stop();
      await pool.end();
    },
  };
}
