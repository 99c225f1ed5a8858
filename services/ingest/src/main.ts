import { env, telemetry } from './instrument';
import cluster from 'node:cluster';
import { topicNames } from '@sightline/contracts';
import { handleShutdown, listen, runWorkers, workerCount } from '@sightline/http';
import { createKafka, createProducer, ensureTopics, standardTopicSpecs, topicRetentionOf } from '@sightline/kafka';
import { createLogger } from '@sightline/telemetry';
import { createApp } from './app';
import { createLeasedRateLimiter, createRateLimiter } from './handlers/rate-limit.handler';
import { trustedProxyList } from './handlers/request-facts.handler';
import { askPrimary, serveRateGrants } from './limits/worker-grants';
import { createProjectDirectory } from './projects/project-directory';
import { createRawEventPublisher } from './publisher/raw-event.publisher';
import { createDrain } from './routes/drain';
import { createTrackerSource, resolveTrackerPath } from './routes/tracker-source';

const logger = createLogger({ service: 'ingest', level: env.LOG_LEVEL, pretty: env.NODE_ENV === 'development' && process.stdout.isTTY });

async function main() {
  const topics = topicNames(env.TOPIC_NAMESPACE);
  const kafka = createKafka({ brokers: env.KAFKA_BROKERS, clientId: env.KAFKA_CLIENT_ID ?? 'ingest', logger });
  await ensureTopics(kafka, standardTopicSpecs(topics, topicRetentionOf(env)));

  const projects = createProjectDirectory({ kafka, topic: topics.projects, logger, groupPrefix: `${env.TOPIC_NAMESPACE}ingest` });
  const publisher = createRawEventPublisher({
    createProducer: () => createProducer(kafka, { compression: env.PUBLISH_COMPRESSION === 'gzip' }),
    topic: topics.eventsRaw,
    logger,
    ackTimeoutMs: env.ACK_TIMEOUT_MS,
    maxDelayMs: env.PUBLISH_MAX_DELAY_MS,
    maxMessages: env.PUBLISH_MAX_MESSAGES,
    maxPending: env.PUBLISH_MAX_PENDING,
  });
  // Workers of one instance draw on one set of buckets in the primary.
  const limiter = cluster.isWorker ? createLeasedRateLimiter(askPrimary()) : createRateLimiter();
  const sweeper = setInterval(() => limiter.sweep(10 * 60_000), 60_000);
  sweeper.unref();
  await publisher.start();
  await projects.start();

  const drain = createDrain();
  const app = createApp({
    before: drain.middleware,
    projects,
    publisher,
    limiter,
    logger,
    tracker: createTrackerSource(resolveTrackerPath(env.TRACKER_JS_PATH, __dirname)),
    maxBatchBytes: env.MAX_BATCH_BYTES,
    settings: {
      defaultProjectId: env.DEFAULT_PROJECT_ID,
      maxEventBytes: env.MAX_EVENT_BYTES,
      futureLimitDays: env.FUTURE_LIMIT_DAYS,
      ackTimeoutMs: env.ACK_TIMEOUT_MS,
      trustedProxies: trustedProxyList(env.TRUSTED_PROXIES),
      rawKeySecret: env.RAW_KEY_SECRET,
    },
    checks: {
      projects: () => projects.isReady(),
      kafka: () => publisher.isHealthy(),
    },
  });
  const server = await listen(app, env.PORT, env.HOST);
  logger.info({ port: server.port, pid: process.pid, projects: projects.size(), topic: topics.eventsRaw }, 'ingest_listening');

  handleShutdown(logger, env.SHUTDOWN_TIMEOUT_MS, [
    [
      'http',
      () => {
        drain.begin();
        return server.close();
      },
    ],
    ['publisher', () => publisher.stop()],
    ['projects', () => projects.stop()],
    ['telemetry', () => telemetry.shutdown()],
  ]);
}

runWorkers('ingest', workerCount(env.HTTP_WORKERS, env.NODE_ENV), logger, main, () => ({ onWorkerMessage: serveRateGrants() }));
