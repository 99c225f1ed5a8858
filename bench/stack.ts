import { topicNames, type TopicNames } from '@sightline/contracts';
import { ensureTopics, standardTopicSpecs } from '@sightline/kafka';
import { createTestDatabase, startService, testInfra, testKafka, uniqueId, type ServiceProcess } from '@sightline/testing';

export interface BenchStack {
  aggregator: ServiceProcess;
  query: ServiceProcess;
  gateway: ServiceProcess;
  topics: TopicNames;
  /** The query service's database. */
  eventsDbUrl: string;
  /** The project created through the gateway, and a read key of it. */
  projectId: string;
  readKey: string;
  /** The account's admin, to sign in with. */
  admin: { email: string; password: string };
  /** Another gateway process on the same database and services, with some settings changed. */
  startGateway(env: Record<string, string>): Promise<ServiceProcess>;
  /** `POST` JSON, failing on any status but 2xx. */
  post<T>(url: string, body: unknown, headers?: Record<string, string>): Promise<T>;
  stop(): Promise<void>;
}

export async function json<T>(url: string, init: RequestInit = {}): Promise<T> {
  const res = await fetch(url, init);
  if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${url} → ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/**
 * The built bitmap-aggregator, query service and gateway as processes on a fresh topic
 * namespace and fresh databases (NODE_ENV=production), with an account, a project and a read key
 * made through the gateway's public API. `stop` ends the processes and drops the databases.
 */
export async function startStack(o: { name: string; namespace: string; redisUrl: string; redisPrefix: string; project?: Record<string, unknown> }): Promise<BenchStack> {
  const [gatewayDb, eventsDb] = await Promise.all([createTestDatabase(`${o.name}_gw`), createTestDatabase(`${o.name}_events`)]);
  const topics = topicNames(o.namespace);
  await ensureTopics(testKafka(o.name), standardTopicSpecs(topics));
  // Production mode wants the shared secret of erasure ids (any fixed value of 32+ characters for a bench).
  const common = { TOPIC_NAMESPACE: o.namespace, KAFKA_BROKERS: testInfra.kafkaBrokers.join(','), LOG_LEVEL: 'warn', NODE_ENV: 'production', ERASURE_ID_SECRET: 'bench-only erasure id secret, 32+ chars' };
  const services: ServiceProcess[] = [];
  const stop = async () => {
    await Promise.all(services.map((s) => s.stop()));
    await Promise.all([gatewayDb.drop(), eventsDb.drop()]).catch(() => undefined);
  };
  const post = <T>(url: string, body: unknown, headers: Record<string, string> = {}) =>
    json<T>(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  try {
    const aggregator = await startService('bitmap-aggregator', { ...common, REDIS_URL: o.redisUrl, REDIS_KEY_PREFIX: o.redisPrefix });
    services.push(aggregator);
    const query = await startService('query', { ...common, DATABASE_URL: eventsDb.url });
    services.push(query);
    const startGateway = async (env: Record<string, string> = {}) => {
      const gateway = await startService('gateway', { ...common, DATABASE_URL: gatewayDb.url, AGGREGATOR_URL: aggregator.url, QUERY_URL: query.url, RATE_LIMIT_PER_SECOND: '100000', RATE_LIMIT_BURST: '100000', ...env });
      services.push(gateway);
      return gateway;
    };
    const gateway = await startGateway();
    const admin = { email: `${uniqueId(o.name)}@example.com`, password: 'bench password 1' };
    const basic = { authorization: `Basic ${Buffer.from(`${admin.email}:${admin.password}`).toString('base64')}` };
    const account = await post<{ account: { id: string } }>(`${gateway.url}/v1/accounts`, { name: 'Bench', ...admin });
    const project = (await post<{ project: { id: string } }>(`${gateway.url}/v1/accounts/${account.account.id}/projects`, { name: 'Bench', ...o.project }, basic)).project;
    const readKey = (await post<{ key: { secret: string } }>(`${gateway.url}/v1/projects/${project.id}/keys`, { name: 'bench' }, basic)).key.secret;
    return { aggregator, query, gateway, topics, eventsDbUrl: eventsDb.url, projectId: project.id, readKey, admin, startGateway, post, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
