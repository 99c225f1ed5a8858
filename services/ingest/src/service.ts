import cluster from 'node:cluster';
import { topicNames } from '@sightline/contracts';
import type { Service } from '@sightline/http';
import { createKafka, createProducer, ensureTopics, standardTopicSpecs, topicRetentionOf } from '@sightline/kafka';
import { createLeasedRateLimiter, createTokenBuckets } from '@sightline/rate-limit';
import type { Logger } from '@sightline/telemetry';
import { createApp } from './app';
import type { IngestConfig } from './config';
import { trustedProxyList } from './domain/request-facts.handler';
import { askPrimary } from './limits/worker-grants';
import { createProjectDirectory } from './projects/project-directory';
import { createRawEventPublisher } from './publisher/raw-event.publisher';
import { createDrain } from './routes/drain';
import { createTrackerSource, resolveTrackerPath } from './routes/tracker-source';

export const serviceName = 'ingest';

/**
 * Wires one HTTP process of the collector: the projects directory (from the `projects` topic),
 * the raw-event publisher and the rate limiter (leased from the primary's buckets when several
 * workers share the port). `beginDrain` ends keep-alive as shutdown begins; `stop` flushes the
 * publisher, then closes the directory.
 */
export function createIngest(config: Readonly<IngestConfig>, logger: Logger): Service {
  const topics = topicNames(config.TOPIC_NAMESPACE);
  const kafka = createKafka({ brokers: config.KAFKA_BROKERS, clientId: config.KAFKA_CLIENT_ID ?? serviceName, logger });
  const projects = createProjectDirectory({ kafka, topic: topics.projects, logger, groupPrefix: `${config.TOPIC_NAMESPACE}${serviceName}` });
  const publisher = createRawEventPublisher({
    createProducer: () => createProducer(kafka, { compression: config.PUBLISH_COMPRESSION === 'gzip' }),
    topic: topics.eventsRaw,
    logger,
    ackTimeoutMs: config.ACK_TIMEOUT_MS,
    maxDelayMs: config.PUBLISH_MAX_DELAY_MS,
    maxMessages: config.PUBLISH_MAX_MESSAGES,
    maxPending: config.PUBLISH_MAX_PENDING,
  });
  // Workers of one instance draw on one set of buckets in the primary.
  const limiter = cluster.isWorker ? createLeasedRateLimiter(askPrimary()) : createTokenBuckets();
  let sweeper: NodeJS.Timeout | undefined;
  const drain = createDrain();
  const health = {
    projects: () => projects.isReady(),
    kafka: () => publisher.isHealthy(),
  };
  const app = createApp({
    before: drain.middleware,
    projects,
    publisher,
    limiter,
    logger,
    tracker: createTrackerSource(resolveTrackerPath(config.TRACKER_JS_PATH, __dirname)),
    maxBatchBytes: config.MAX_BATCH_BYTES,
    settings: {
      defaultProjectId: config.DEFAULT_PROJECT_ID,
      maxEventBytes: config.MAX_EVENT_BYTES,
      futureLimitDays: config.FUTURE_LIMIT_DAYS,
      ackTimeoutMs: config.ACK_TIMEOUT_MS,
      trustedProxies: trustedProxyList(config.TRUSTED_PROXIES),
      rawKeySecret: config.RAW_KEY_SECRET,
    },
    checks: health,
  });
  return {
    app,
    health,
    async start() {
      await ensureTopics(kafka, standardTopicSpecs(topics, topicRetentionOf(config)));
      sweeper = setInterval(() => limiter.sweep(10 * 60_000), 60_000);
      sweeper.unref();
      await publisher.start();
      await projects.start();
      logger.info({ projects: projects.size(), topic: topics.eventsRaw }, 'ingest_started');
    },
    beginDrain: () => drain.begin(),
    async stop() {
      if (sweeper) clearInterval(sweeper);
      await publisher.stop();
      await projects.stop();
    },
  };
}
