import { erasureIdSecret } from '@sightline/config';
import { topicNames } from '@sightline/contracts';
import type { Service } from '@sightline/http';
import { assignmentOf, createKafka, createLagMonitor, createProducer, ensureTopics, lagSettingsFromEnv, standardTopicSpecs, topicRetentionOf } from '@sightline/kafka';
import type { Logger } from '@sightline/telemetry';
import { createApp } from './app';
import type { AggregatorConfig } from './config';
import { createProjectionConsumer } from './consumers/enriched-events.consumer';
import { createProjectSettingsTable } from './projects/project-settings';
import { createBitmapReader, type BitmapReader } from './stores/bitmap-reader.store';
import { createBitmapWriter } from './stores/bitmap-writer.store';
import { bitmapScripts, createRedisClient } from './stores/redis-client.store';

export const serviceName = 'bitmap-aggregator';

/** `stop` ends consuming (the current batch finishes and commits), then closes Kafka and Redis. */
export interface Aggregator extends Service {
  reader: BitmapReader;
}

/** Wires the whole service; `main.ts` runs it, integration tests run it in-process. */
export function createBitmapAggregator(env: Readonly<AggregatorConfig>, logger: Logger): Aggregator {
  if (/[{}]/.test(env.REDIS_KEY_PREFIX)) throw new Error('REDIS_KEY_PREFIX must not contain { or } (it would break the per-project hash tag)');
  const topics = topicNames(env.TOPIC_NAMESPACE);
  const kafka = createKafka({ brokers: env.KAFKA_BROKERS, clientId: env.KAFKA_CLIENT_ID ?? serviceName, logger });
  const redis = createRedisClient(env);
  const scripts = bitmapScripts(redis);
  const writer = createBitmapWriter(redis, scripts, env.REDIS_KEY_PREFIX, { traitKeys: env.BITMAP_TRAIT_KEYS ? new Set(env.BITMAP_TRAIT_KEYS) : null, erasureIdSecret: erasureIdSecret(env), dedupeDays: env.TOTALS_DEDUPE_DAYS });
  const reader = createBitmapReader(redis, scripts, env.REDIS_KEY_PREFIX, Date.now, { maxCost: env.READ_MAX_COST, sliceCost: env.READ_SLICE_COST });
  const groupId = env.CONSUMER_GROUP_ID ?? `${env.TOPIC_NAMESPACE}${serviceName}`;
  const projects = createProjectSettingsTable(kafka, topics.projects, groupId, logger);
  const producer = createProducer(kafka);
  // `auto`: 4 partitions projected at once per process, shared among its consumer instances.
  const partitionsAtOnce = env.PARTITIONS_CONSUMED_CONCURRENTLY === 'auto' ? 4 : env.PARTITIONS_CONSUMED_CONCURRENTLY;
  const consumers = Array.from({ length: env.CONSUMER_INSTANCES }, () =>
    createProjectionConsumer({
      kafka,
      topics,
      groupId,
      producer,
      writer,
      projects,
      logger,
      projectsWrittenConcurrently: env.PROJECTS_WRITTEN_CONCURRENTLY,
      partitionsConsumedConcurrently: Math.ceil(partitionsAtOnce / env.CONSUMER_INSTANCES),
      maxBytesPerPartition: env.MAX_BYTES_PER_PARTITION,
      retry: { attempts: env.KAFKA_RETRY_ATTEMPTS, backoffMs: env.KAFKA_RETRY_BACKOFF_MS },
    }),
  );
  // Lag per partition in /metrics; /readyz says when this process's partitions are stuck.
  const lag = createLagMonitor({ kafka, groupId, topics: [topics.eventsEnriched, topics.erasures], settings: lagSettingsFromEnv(), logger, assignment: () => assignmentOf(consumers) });
  const health = {
    redis: async () => (await redis.ping()) === 'PONG',
    projects: () => projects.isLoaded(),
    consumer: () => consumers.every((c) => c.isHealthy()),
    lag: () => lag.readiness(),
  };
  const app = createApp({ reader, settingsOf: (projectId) => projects.get(projectId), logger, checks: health });

  return {
    app,
    health,
    reader,
    async start() {
      await ensureTopics(kafka, standardTopicSpecs(topics, topicRetentionOf(env)));
      await producer.start();
      await projects.start();
      await Promise.all(consumers.map((c) => c.start()));
      await lag.start();
      logger.info({ groupId, topics: [topics.eventsEnriched, topics.erasures], cluster: !!env.REDIS_CLUSTER_NODES?.length }, 'aggregator_started');
    },
    async stop() {
      await lag.stop();
      await Promise.all(consumers.map((c) => c.stop()));
      await projects.stop();
      await producer.stop();
      redis.disconnect();
    },
  };
}
