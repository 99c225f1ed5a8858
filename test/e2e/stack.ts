import { createTestDatabase, freePort, startService, testInfra, testNamespace, uniqueId, type ServiceProcess, type TestDatabase } from '@sightline/testing';

/** The five services as real processes on their own topics, databases and Redis prefix. */
export interface Stack {
  namespace: string;
  services: Record<ServiceName, ServiceProcess>;
  /** Each service's environment (databases, topics, Redis prefix), e.g. to run a service's CLI against this stack. */
  env: Record<ServiceName, Record<string, string>>;
  restart(name: ServiceName, how: 'SIGTERM' | 'SIGKILL'): Promise<void>;
  stop(): Promise<void>;
}

export type ServiceName = 'ingest' | 'session-fingerprint' | 'bitmap-aggregator' | 'query' | 'gateway';

/**
 * `overrides`: extra variables per service (a test's limits, say, or its own Kafka principal), on
 * top of the stack's own; `options.namespace`: topics a test prepared (ACLs given before the start).
 */
export async function startStack(prefix: string, overrides: Partial<Record<ServiceName, Record<string, string>>> = {}, options: { namespace?: string } = {}): Promise<Stack> {
  const namespace = options.namespace ?? testNamespace(prefix);
  const databases: TestDatabase[] = await Promise.all(['identity', 'events', 'gateway'].map((name) => createTestDatabase(`${prefix}_${name}`)));
  const [identity, events, gateway] = databases as [TestDatabase, TestDatabase, TestDatabase];
  const ports = { aggregator: await freePort(), query: await freePort() };
  // Warnings and errors only, unless a flake being chased wants more (SIGHTLINE_E2E_LOG_LEVEL=info): a
  // failed test's service logs are kept (test/setup/environment.js).
  const common = { TOPIC_NAMESPACE: namespace, KAFKA_BROKERS: testInfra.kafkaBrokers.join(','), LOG_LEVEL: process.env.SIGHTLINE_E2E_LOG_LEVEL ?? 'warn' };
  const env: Record<ServiceName, Record<string, string>> = {
    ingest: { ...common },
    'session-fingerprint': { ...common, DATABASE_URL: identity.url },
    'bitmap-aggregator': { ...common, PORT: String(ports.aggregator), REDIS_URL: testInfra.redisUrl, REDIS_KEY_PREFIX: `${uniqueId(prefix)}:` },
    query: { ...common, PORT: String(ports.query), DATABASE_URL: events.url },
    gateway: { ...common, DATABASE_URL: gateway.url, AGGREGATOR_URL: `http://127.0.0.1:${ports.aggregator}`, QUERY_URL: `http://127.0.0.1:${ports.query}` },
  };
  for (const [name, extra] of Object.entries(overrides) as Array<[ServiceName, Record<string, string>]>) Object.assign(env[name], extra);
  const services = {} as Record<ServiceName, ServiceProcess>;
  const order: ServiceName[] = ['session-fingerprint', 'bitmap-aggregator', 'query', 'ingest', 'gateway'];
  try {
    // Each is recorded as soon as it is up, so a sibling's failed start still stops it.
    await Promise.all(order.map(async (name) => (services[name] = await startService(name, env[name]))));
  } catch (err) {
    await Promise.all(Object.values(services).map((s) => s.kill9()));
    await Promise.all(databases.map((d) => d.drop()));
    throw err;
  }
  return {
    namespace,
    services,
    env,
    async restart(name, how) {
      const current = services[name];
      if (how === 'SIGKILL') await current.kill9();
      else await current.stop();
      services[name] = await startService(name, { ...env[name], PORT: String(current.port) });
    },
    async stop() {
      await Promise.all(Object.values(services).map((s) => s.stop()));
      await Promise.all(databases.map((d) => d.drop()));
    },
  };
}

export async function api<T = unknown>(method: string, url: string, options: { body?: unknown; auth?: string } = {}): Promise<{ status: number; body: T }> {
  const res = await fetch(url, {
    method,
    headers: { 'content-type': 'application/json', ...(options.auth ? { authorization: options.auth } : {}) },
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, body: body as T };
}

export const basic = (user: string, password = '') => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
export const bearer = (key: string) => `Bearer ${key}`;

export interface DemoProject {
  projectId: string;
  writeKey: string;
  readKey: string;
  /** The account owner's Basic credentials (admin of the project). */
  auth: string;
}

/** Signs up an account, creates a project and a read key through the public API. */
export async function createProject(gatewayUrl: string, name: string): Promise<DemoProject> {
  const email = `${uniqueId(name)}@example.test`;
  const password = 'correct horse battery staple';
  const account = await api<{ account: { id: string } }>('POST', `${gatewayUrl}/v1/accounts`, { body: { name, email, password } });
  if (account.status !== 201) throw new Error(`signup: ${account.status} ${JSON.stringify(account.body)}`);
  const auth = basic(email, password);
  const project = await api<{ project: { id: string; writeKey: string } }>('POST', `${gatewayUrl}/v1/accounts/${account.body.account.id}/projects`, { auth, body: { name } });
  if (project.status !== 201) throw new Error(`project: ${project.status} ${JSON.stringify(project.body)}`);
  const key = await api<{ key: { secret: string } }>('POST', `${gatewayUrl}/v1/projects/${project.body.project.id}/keys`, { auth, body: { name: 'e2e' } });
  if (key.status !== 201) throw new Error(`key: ${key.status} ${JSON.stringify(key.body)}`);
  return { projectId: project.body.project.id, writeKey: project.body.project.writeKey, readKey: key.body.key.secret, auth };
}
