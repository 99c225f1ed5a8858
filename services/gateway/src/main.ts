import { env, telemetry } from './instrument';
import { topicNames } from '@sightline/contracts';
import { handleShutdown, listen } from '@sightline/http';
import { createKafka, createProducer, ensureTopics, standardTopicSpecs, topicRetentionOf } from '@sightline/kafka';
import { ensureDatabase, migrate } from '@sightline/migrate';
import { createLogger } from '@sightline/telemetry';
import { createApp } from './app';
import { migrationsDir } from './migrations-dir';
import { createChangePublisher } from './publishers/change.publisher';
import { createPrisma } from './stores/prisma';
import { buildDeps } from './wiring';

async function main() {
  const logger = createLogger({ service: 'gateway', level: env.LOG_LEVEL, pretty: env.NODE_ENV === 'development' && process.stdout.isTTY });
  await ensureDatabase(env.DATABASE_URL);
  const migrations = await migrate(env.DATABASE_URL, migrationsDir);
  logger.info({ applied: migrations.applied }, 'migrations_applied');

  const topics = topicNames(env.TOPIC_NAMESPACE);
  const kafka = createKafka({ brokers: env.KAFKA_BROKERS, clientId: env.KAFKA_CLIENT_ID ?? 'gateway', logger });
  await ensureTopics(kafka, standardTopicSpecs(topics, topicRetentionOf(env)));
  const producer = createProducer(kafka, { compression: false });
  let kafkaConnected = false;
  producer.onConnection((connected) => (kafkaConnected = connected));
  await producer.start();

  const db = createPrisma(env.DATABASE_URL, env.DATABASE_POOL_SIZE);
  const deps = buildDeps({ config: env, logger, db, publisher: createChangePublisher(producer, topics) });
  const republished = await deps.projects.republishAll();
  logger.info({ projects: republished, topic: topics.projects }, 'projects_republished');

  const app = createApp(deps, {
    postgres: async () => (await db.$queryRaw<Array<{ ok: number }>>`SELECT 1 AS ok`).length === 1,
    kafka: () => kafkaConnected,
  });
  const server = await listen(app, env.PORT, env.HOST);
  logger.info({ port: server.port }, 'gateway_listening');

  handleShutdown(logger, env.SHUTDOWN_TIMEOUT_MS, [
    ['http', () => server.close()],
    ['producer', () => producer.stop()],
    ['postgres', () => db.$disconnect()],
    ['telemetry', () => telemetry.shutdown()],
  ]);
}

main().catch((err) => {
  process.stderr.write(`gateway failed to start: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
