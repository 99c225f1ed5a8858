import { Pool } from 'pg';
import { erasureIdSecret as erasureIdSecretOf } from '@sightline/config';
import { projectConfigValue, topicNames, type ProjectConfig } from '@sightline/contracts';
import type { Service } from '@sightline/http';
import { assignmentOf, createKafka, createLagMonitor, createProducer, createTopicTable, ensureTopics, lagSettingsFromEnv, standardTopicSpecs, topicRetentionOf } from '@sightline/kafka';
import { ensureDatabase, migrate } from '@sightline/migrate';
import type { Logger } from '@sightline/telemetry';
import { createApp } from './app';
import type { QueryConfig } from './config';
import { createEventsConsumer } from './consumers/events.consumer';
import { migrationsDir } from './migrations-dir';
import { createErasureStore } from './stores/erasure.store';
import { createEventStore } from './stores/event.store';
import { createPartitionHousekeeping } from './stores/partition-housekeeping.store';
import { createPartitionStore } from './stores/partition.store';

export const serviceName = 'query';

/**
 * Wires the service: the event store (migrated at start) and its partition housekeeping, the
 * projects table, the events consumers and their lag monitor. `stop` drains in the style
 * guide's order (consumers, producer, tables, database).
 */
export function createQueryService(config: Readonly<QueryConfig>, logger: Logger): Service {
  const erasureIdSecret = erasureIdSecretOf(config);
  const pool = new Pool({ connectionString: config.DATABASE_URL, max: config.DATABASE_POOL_SIZE });
  pool.on('error', (err) => logger.warn({ err }, 'postgres_idle_client_error'));
  const partitions = createPartitionStore(pool);
  const housekeeping = createPartitionHousekeeping({ partitions, monthsAhead: config.PARTITION_MONTHS_AHEAD, retentionMonths: config.EVENT_RETENTION_MONTHS, intervalMs: 3_600_000, logger });
  const topics = topicNames(config.TOPIC_NAMESPACE);
  const kafka = createKafka({ brokers: config.KAFKA_BROKERS, clientId: config.KAFKA_CLIENT_ID ?? serviceName, logger });
  const projects = createTopicTable<ProjectConfig>({
    kafka,
    topic: topics.projects,
    logger,
    groupPrefix: `${config.TOPIC_NAMESPACE}${serviceName}`,
    parse: (value) => projectConfigValue.safeParse(value).data ?? null,
  });
  const producer = createProducer(kafka);
  // Each partition in flight holds a connection: stay below the pool size so that API queries
  // always find one (`auto`: as many as that leaves, 8 with the default pool).
  const connectionsLeft = Math.max(1, config.DATABASE_POOL_SIZE - 2);
  const storing = Math.min(connectionsLeft, config.PARTITIONS_CONSUMED_CONCURRENTLY === 'auto' ? connectionsLeft : config.PARTITIONS_CONSUMED_CONCURRENTLY);
  const groupId = config.CONSUMER_GROUP_ID ?? `${config.TOPIC_NAMESPACE}${serviceName}`;
  const consumers = Array.from({ length: config.CONSUMER_INSTANCES }, () =>
    createEventsConsumer({
      kafka,
      topics,
      groupId,
      producer,
      logger,
      events: createEventStore(pool, partitions, { erasureIdSecret }),
      erasures: createErasureStore(pool, { erasureIdSecret }),
      retry: { attempts: config.KAFKA_RETRY_ATTEMPTS, backoffMs: config.KAFKA_RETRY_BACKOFF_MS },
      sessionTimeoutMs: config.KAFKA_SESSION_TIMEOUT_MS,
      partitionsConsumedConcurrently: Math.max(1, Math.floor(storing / config.CONSUMER_INSTANCES)),
    }),
  );
  // Lag per partition in /metrics; /readyz says when this process's partitions are stuck.
  const lag = createLagMonitor({ kafka, groupId, topics: [topics.eventsEnriched, topics.erasures], settings: lagSettingsFromEnv(), logger, assignment: () => assignmentOf(consumers) });
  const health = {
    postgres: async () => (await pool.query('SELECT 1')).rowCount === 1,
    consumer: () => consumers.every((c) => c.isHealthy()),
    lag: () => lag.readiness(),
  };
  const app = createApp({ pool, logger, timeZoneOf: (projectId) => projects.get(projectId)?.timeZone, funnelShards: config.FUNNEL_SHARDS, checks: health });
  return {
    app,
    health,
    async start() {
      await ensureDatabase(config.DATABASE_URL);
      const migrated = await migrate(config.DATABASE_URL, migrationsDir);
      logger.info({ applied: migrated.applied }, 'migrations_applied');
      await housekeeping.start();
      await ensureTopics(kafka, standardTopicSpecs(topics, topicRetentionOf(config)));
      await projects.start();
      await producer.start();
      await Promise.all(consumers.map((c) => c.start()));
      await lag.start();
      logger.info({ groupId, topic: topics.eventsEnriched }, 'query_started');
    },
    async stop() {
      await lag.stop();
      await Promise.all(consumers.map((c) => c.stop()));
      await housekeeping.stop();
      await producer.stop();
      await projects.stop();
      await pool.end();
    },
  };
}
