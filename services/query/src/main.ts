import { env, telemetry } from './instrument';
import { Pool } from 'pg';
import { erasureIdSecret as erasureIdSecretOf } from '@sightline/config';
import { projectConfigValue, topicNames, type ProjectConfig } from '@sightline/contracts';
import { handleShutdown, listen } from '@sightline/http';
import { assignmentOf, createKafka, createLagMonitor, createProducer, createTopicTable, ensureTopics, lagSettingsFromEnv, standardTopicSpecs, topicRetentionOf } from '@sightline/kafka';
import { ensureDatabase, migrate } from '@sightline/migrate';
import { createLogger } from '@sightline/telemetry';
import { createApp } from './app';
import { createEventsConsumer } from './consumers/events.consumer';
import { migrationsDir } from './migrations-dir';
import { createErasureStore } from './stores/erasure.store';
import { createEventStore } from './stores/event.store';
import { createPartitionStore } from './stores/partition.store';

async function main() {
  const logger = createLogger({ service: 'query', level: env.LOG_LEVEL, pretty: env.NODE_ENV === 'development' && process.stdout.isTTY });
  const erasureIdSecret = erasureIdSecretOf(env);
  await ensureDatabase(env.DATABASE_URL);
  const migrated = await migrate(env.DATABASE_URL, migrationsDir);
  logger.info({ applied: migrated.applied }, 'migrations_applied');
  const pool = new Pool({ connectionString: env.DATABASE_URL, max: env.DATABASE_POOL_SIZE });
  const partitions = createPartitionStore(pool);
  await partitions.ensureAhead(env.PARTITION_MONTHS_AHEAD);

  const topics = topicNames(env.TOPIC_NAMESPACE);
  const kafka = createKafka({ brokers: env.KAFKA_BROKERS, clientId: env.KAFKA_CLIENT_ID ?? 'query', logger });
  await ensureTopics(kafka, standardTopicSpecs(topics, topicRetentionOf(env)));
  const projects = createTopicTable<ProjectConfig>({
    kafka,
    topic: topics.projects,
    logger,
    groupPrefix: `${env.TOPIC_NAMESPACE}query`,
    parse: (value) => {
      const parsed = projectConfigValue.safeParse(value);
      return parsed.success ? parsed.data : null;
    },
  });
  await projects.start();
  const producer = createProducer(kafka);
  await producer.start();
  // Stay below the pool size so that API queries always find a connection.
  const storing = Math.max(1, Math.min(env.CONSUMER_CONCURRENCY, env.DATABASE_POOL_SIZE - 2));
  const groupId = env.CONSUMER_GROUP_ID ?? `${env.TOPIC_NAMESPACE}query`;
  const consumers = Array.from({ length: env.CONSUMER_INSTANCES }, () =>
    createEventsConsumer({
      kafka,
      topics,
      groupId,
      producer,
      logger,
      events: createEventStore(pool, partitions, { erasureIdSecret }),
      erasures: createErasureStore(pool, { erasureIdSecret }),
      retry: { attempts: env.KAFKA_RETRY_ATTEMPTS, backoffMs: env.KAFKA_RETRY_BACKOFF_MS },
      sessionTimeoutMs: env.KAFKA_SESSION_TIMEOUT_MS,
      partitionsConcurrently: Math.max(1, Math.floor(storing / env.CONSUMER_INSTANCES)),
    }),
  );
  await Promise.all(consumers.map((c) => c.start()));
  // Lag per partition in /metrics; /readyz says when this process's partitions are stuck.
  const lag = createLagMonitor({ kafka, groupId, topics: [topics.eventsEnriched, topics.erasures], settings: lagSettingsFromEnv(), logger, assignment: () => assignmentOf(consumers) });
  await lag.start();

  // Hourly: keep partitions ahead of the clock, and drop the ones past retention.
  const housekeeping = setInterval(() => {
    void (async () => {
      await partitions.ensureAhead(env.PARTITION_MONTHS_AHEAD);
      if (env.EVENT_RETENTION_MONTHS > 0) {
        const dropped = await partitions.dropOlderThan(env.EVENT_RETENTION_MONTHS);
        if (dropped.length) logger.info({ dropped }, 'partitions_dropped');
      }
    })().catch((err) => logger.error({ err }, 'housekeeping_failed'));
  }, 3_600_000);
  housekeeping.unref();

  const app = createApp({
    pool,
    logger,
    timeZoneOf: (projectId) => projects.get(projectId)?.timeZone,
    funnelShards: env.FUNNEL_SHARDS,
    checks: {
      postgres: async () => (await pool.query('SELECT 1')).rowCount === 1,
      consumer: () => consumers.every((c) => c.isHealthy()),
      lag: () => lag.readiness(),
    },
  });
  const server = await listen(app, env.PORT, env.HOST);
  logger.info({ port: server.port, topic: topics.eventsEnriched }, 'query_listening');

  handleShutdown(logger, env.SHUTDOWN_TIMEOUT_MS, [
    ['http', () => server.close()],
    ['lag', () => lag.stop()],
    ['consumer', () => Promise.all(consumers.map((c) => c.stop())).then(() => undefined)],
    ['producer', () => producer.stop()],
    ['projects', () => projects.stop()],
    ['postgres', () => pool.end()],
    ['telemetry', () => telemetry.shutdown()],
  ]);
}

main().catch((err) => {
  process.stderr.write(`query failed to start: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
