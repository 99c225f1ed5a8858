import { topicNames } from '@sightline/contracts';
import type { Service } from '@sightline/http';
import { createKafka, createProducer, ensureTopics, standardTopicSpecs, topicRetentionOf } from '@sightline/kafka';
import { ensureDatabase, migrate } from '@sightline/migrate';
import type { Logger } from '@sightline/telemetry';
import { createApp } from './app';
import type { GatewayConfig } from './config';
import { migrationsDir } from './migrations-dir';
import { createChangePublisher } from './publishers/change.publisher';
import { createPrisma } from './stores/prisma';
import { buildDeps } from './wiring';

export const serviceName = 'gateway';

/**
 * Wires the service: its database (migrated at start), the producer of `projects` and
 * `erasures`, the stores, clients and auth (`wiring.ts`), and the app. `start` republishes every
 * project so a new topic or namespace is complete; `stop` flushes the producer, then closes the
 * database.
 */
export function createGateway(config: Readonly<GatewayConfig>, logger: Logger): Service {
  const topics = topicNames(config.TOPIC_NAMESPACE);
  const kafka = createKafka({ brokers: config.KAFKA_BROKERS, clientId: config.KAFKA_CLIENT_ID ?? serviceName, logger });
  const producer = createProducer(kafka, { compression: false });
  let kafkaConnected = false;
  producer.onConnection((connected) => (kafkaConnected = connected));
  const db = createPrisma(config.DATABASE_URL, config.DATABASE_POOL_SIZE);
  const deps = buildDeps({ config, logger, db, publisher: createChangePublisher(producer, topics) });
  const health = {
    postgres: async () => (await db.$queryRaw<Array<{ ok: number }>>`SELECT 1 AS ok`).length === 1,
    kafka: () => kafkaConnected,
  };
  return {
    app: createApp(deps, health),
    health,
    async start() {
      await ensureDatabase(config.DATABASE_URL);
      const migrations = await migrate(config.DATABASE_URL, migrationsDir);
      logger.info({ applied: migrations.applied }, 'migrations_applied');
      await ensureTopics(kafka, standardTopicSpecs(topics, topicRetentionOf(config)));
      await producer.start();
      const republished = await deps.projects.republishAll();
      logger.info({ projects: republished, topic: topics.projects }, 'projects_republished');
    },
    async stop() {
      await producer.stop();
      await db.$disconnect();
    },
  };
}
