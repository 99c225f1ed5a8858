import { parseConfig } from '@sightline/config';
import { topicNames, type TopicNames } from '@sightline/contracts';
import { listen } from '@sightline/http';
import { createProducer, ensureTopics, standardTopicSpecs } from '@sightline/kafka';
import { createLogger } from '@sightline/telemetry';
import { createTestDatabase, testKafka, testNamespace, type TestDatabase } from '@sightline/testing';
import { createApp } from '../app';
import { config } from '../config';
import { migrationsDir } from '../migrations-dir';
import { createChangePublisher } from '../publishers/change.publisher';
import type { GatewayDeps } from '../routes/deps';
import { createPrisma } from '../stores/prisma';
import { buildDeps } from '../wiring';

export interface TestGateway {
  url: string;
  deps: GatewayDeps;
  topics: TopicNames;
  namespace: string;
  database: TestDatabase;
  stop(): Promise<void>;
}

/** The gateway app in-process on a free port, with its own database and topic namespace (real Postgres and Kafka). */
export async function startTestGateway(env: Record<string, string> = {}): Promise<TestGateway> {
  const database = await createTestDatabase('gateway', migrationsDir);
  const namespace = env.TOPIC_NAMESPACE ?? testNamespace('gw');
  const topics = topicNames(namespace);
  const kafka = testKafka('gateway-test');
  await ensureTopics(kafka, standardTopicSpecs(topics));
  const producer = createProducer(kafka, { compression: false });
  await producer.start();
  const settings = parseConfig(config.schema, { DATABASE_URL: database.url, TOPIC_NAMESPACE: namespace, SCRYPT_COST: '1024', LOG_LEVEL: 'silent', ...env });
  const db = createPrisma(database.url, 4);
  const deps = buildDeps({ config: settings, logger: createLogger({ service: 'gateway-test', level: 'silent' }), db, publisher: createChangePublisher(producer, topics) });
  const server = await listen(createApp(deps, {}), 0);
  return {
    url: `http://127.0.0.1:${server.port}`,
    deps,
    topics,
    namespace,
    database,
    async stop() {
      await server.close(1000);
      await producer.stop();
      await db.$disconnect();
      await database.drop();
    },
  };
}

export interface Credentials {
  basic?: { email: string; password: string };
  bearer?: string;
  cookie?: string;
}

export interface ApiReply<T = any> { // eslint-disable-line @typescript-eslint/no-explicit-any
  status: number;
  body: T;
  headers: Headers;
}

/** A small HTTP client for tests: JSON in, JSON (or text) out. */
export function apiClient(baseUrl: string) {
  return async function api<T = any>(method: string, path: string, options: Credentials & { body?: unknown } = {}): Promise<ApiReply<T>> { // eslint-disable-line @typescript-eslint/no-explicit-any
    const headers: Record<string, string> = {};
    if (options.basic) headers.authorization = `Basic ${Buffer.from(`${options.basic.email}:${options.basic.password}`).toString('base64')}`;
    if (options.bearer) headers.authorization = `Bearer ${options.bearer}`;
    if (options.cookie) headers.cookie = options.cookie;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${baseUrl}${path}`, { method, headers, body: options.body === undefined ? undefined : JSON.stringify(options.body) });
    const text = await res.text();
    let body: unknown = text;
    if ((res.headers.get('content-type') ?? '').includes('json')) body = JSON.parse(text);
    return { status: res.status, body: body as T, headers: res.headers };
  };
}
