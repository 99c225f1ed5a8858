import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { topicNames } from '@sightline/contracts';
import { allServiceAcls, applyAcls, deleteAcls, kafkaSaslFrom, readToEnd, toKafkajsSasl, type ServicePrincipal } from '@sightline/kafka';
import { kafkaCredentialsDir, kafkaCredentialsEnv, repoRoot, testInfra, testKafka, testNamespace, uniqueId, waitFor } from '@sightline/testing';
import { api, basic, bearer, createProject, startStack, type DemoProject, type Stack } from './stack';

// Issue #18 item 3 on the broker of infra/kafka/start (SASL/SCRAM, Kafka's ACL authorizer, no
// access without an ACL): the five services run with their own principals and only their ACLs,
// and events flow end to end, an erasure included; a few rights they must not have are refused;
// an internal consumer made with infra/kafka/principal reads the enriched and erasures topics and
// nothing else. The expected figures are what the test itself sent.
const SERVICES: ServicePrincipal[] = ['ingest', 'session-fingerprint', 'bitmap-aggregator', 'query', 'gateway'];

interface Client {
  kafka: Kafka;
  /** Error types the broker answered with, as kafkajs logged them (it replaces a refused FindCoordinator by its own "Failed to find group coordinator"). */
  answered: string[];
}

function clientAs(env: Record<string, string>, clientId: string): Client {
  const sasl = kafkaSaslFrom(env);
  const answered: string[] = [];
  const kafka = new Kafka({
    clientId,
    brokers: testInfra.kafkaBrokers,
    ...(sasl ? { sasl: toKafkajsSasl(sasl) } : {}),
    logLevel: logLevel.DEBUG,
    logCreator: () => (entry) => {
      const type = (entry.log as { error?: { type?: unknown } }).error?.type;
      if (typeof type === 'string') answered.push(type);
    },
    retry: { retries: 0 },
  });
  return { kafka, answered };
}

/** The broker's error type (TOPIC_AUTHORIZATION_FAILED …) of what kafkajs threw, through its wrappers, else of what it logged. */
function brokerError(client: Client, err: unknown): string {
  for (let e = err as { type?: string; cause?: unknown; originalError?: unknown; message?: string } | undefined; e; e = (e.cause ?? e.originalError) as typeof e) {
    if (typeof e.type === 'string' && e.type !== 'UNKNOWN') return e.type;
  }
  return client.answered.find((t) => t.endsWith('_AUTHORIZATION_FAILED')) ?? `no broker error type in: ${(err as Error)?.message}`;
}

async function refusal(client: Client, fn: () => Promise<unknown>): Promise<string> {
  try {
    await fn();
  } catch (err) {
    return brokerError(client, err);
  }
  return 'allowed';
}

/** Produce one record as the client: the broker's refusal type, or 'allowed'. */
async function tryWrite(client: Client, topic: string): Promise<string> {
  const { kafka } = client;
  const producer = kafka.producer({ allowAutoTopicCreation: false, retry: { retries: 0 } });
  await producer.connect();
  try {
    return await refusal(client, () => producer.send({ topic, messages: [{ key: 'acl-test', value: '{}' }] }));
  } finally {
    await producer.disconnect();
  }
}

/** Join a group and fetch from the topic as the client: the broker's refusal type (from the crash), or 'allowed' once a fetch answered. */
async function tryRead(client: Client, topic: string, groupId: string): Promise<string> {
  const { kafka } = client;
  const consumer = kafka.consumer({ groupId, allowAutoTopicCreation: false, retry: { retries: 0 }, maxWaitTimeInMs: 100 });
  await consumer.connect();
  try {
    const outcome = new Promise<string>((resolve) => {
      consumer.on(consumer.events.CRASH, (e) => resolve(brokerError(client, e.payload.error)));
      consumer.on(consumer.events.FETCH, () => resolve('allowed'));
    });
    const subscribed = await refusal(client, () => consumer.subscribe({ topic, fromBeginning: true }));
    if (subscribed !== 'allowed') return subscribed;
    await consumer.run({ eachMessage: async () => undefined });
    return await outcome;
  } finally {
    await consumer.disconnect();
  }
}

function principalScript(args: string[]): Promise<Record<string, string>> {
  return new Promise((resolve, reject) => {
    execFile(join(repoRoot, 'infra', 'kafka', 'principal'), args, { env: process.env, timeout: 180_000 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`infra/kafka/principal ${args.join(' ')}: ${err.message}\n${stderr}`));
      resolve(Object.fromEntries(stdout.split('\n').flatMap((l) => (/^[A-Z_]+=/.test(l) ? [l.split(/=(.*)/s, 2) as [string, string]] : []))));
    });
  });
}

describe('Kafka principals and ACLs (SASL/SCRAM broker)', () => {
  const namespace = testNamespace('acls');
  const topics = topicNames(namespace);
  const acl = allServiceAcls(namespace);
  const consumerName = uniqueId('internal').replace(/_/g, '-');
  let stack: Stack;
  let project: DemoProject;
  let internal: Record<string, string> = {};

  beforeAll(async () => {
    if (!Object.keys(kafkaCredentialsEnv('ingest')).length) throw new Error(`no Kafka credentials in ${kafkaCredentialsDir()}: this test needs the SASL broker of infra/kafka/start (make infra)`);
    await applyAcls(testKafka(), acl);
    const own = Object.fromEntries(SERVICES.map((s) => [s, kafkaCredentialsEnv(s)])) as Record<ServicePrincipal, Record<string, string>>;
    stack = await startStack('acls', own, { namespace });
    project = await createProject(stack.services.gateway.url, 'acls');
    internal = await principalScript(['create', consumerName, '--namespace', namespace]);
  });

  afterAll(async () => {
    await stack?.stop();
    if (internal.KAFKA_SASL_USERNAME) await principalScript(['delete', consumerName, '--namespace', namespace]).catch(() => undefined);
    await deleteAcls(testKafka(), acl);
  });

  it('services with their own principals: events flow end to end and an erasure reaches every store', async () => {
    const visitors = 7;
    const sent = 40;
    const batch = Array.from({ length: sent }, (_, i) => ({ type: 'track', event: 'acl_check', userId: `acl-user-${i % visitors}`, messageId: randomUUID(), timestamp: new Date().toISOString() }));
    expect((await api('POST', `${stack.services.ingest.url}/v1/batch`, { auth: basic(project.writeKey), body: { batch } })).status).toBe(200);

    const from = new Date(Date.now() - 86_400_000).toISOString();
    const to = new Date(Date.now() + 3_600_000).toISOString();
    const read = <T>(path: string) => api<T>('GET', `${stack.services.gateway.url}/v1/projects/${project.projectId}/${path}`, { auth: bearer(project.readKey) });
    // query (events) and bitmap-aggregator (uniques) each counted what was sent.
    await waitFor(async () => (await read<{ total: number }>(`events/counts?from=${from}&to=${to}`)).body.total === sent, { timeoutMs: 90_000, description: `query counts ${sent} events` });
    await waitFor(async () => (await read<{ total: number }>(`unique-visitors?from=${from}&to=${to}`)).body.total === visitors, { timeoutMs: 90_000, description: `aggregator counts ${visitors} visitors` });

    // The gateway (as itself) publishes an erasure; query and the aggregator (as themselves) apply it.
    const erased = await api<{ statusUrl: string }>('DELETE', `${stack.services.gateway.url}/v1/projects/${project.projectId}/visitors/acl-user-0`, { auth: project.auth });
    expect(erased.status).toBe(202);
    await waitFor(async () => (await api<{ status: string }>('GET', `${stack.services.gateway.url}${erased.body.statusUrl}`, { auth: project.auth })).body.status === 'erased', { timeoutMs: 90_000, description: 'query applied the erasure' });
    await waitFor(async () => (await read<{ total: number }>(`unique-visitors?from=${from}&to=${to}`)).body.total === visitors - 1, { timeoutMs: 90_000, description: 'the aggregator applied the erasure' });
    for (const s of SERVICES) expect(`${s}: ${stack.services[s].logs()}`).not.toMatch(/AUTHORIZATION_FAILED/);
  });

  it('each service principal is refused what it does not need', async () => {
    const as = (s: ServicePrincipal) => clientAs(kafkaCredentialsEnv(s), `acl-${s}`);
    // ingest writes events.raw and reads projects: it may not read the raw events back, nor write projects.
    expect(await tryRead(as('ingest'), topics.eventsRaw, `${namespace}ingest-probe`)).toBe('TOPIC_AUTHORIZATION_FAILED');
    expect(await tryWrite(as('ingest'), topics.projects)).toBe('TOPIC_AUTHORIZATION_FAILED');
    // the gateway writes projects and erasures: it has no consumer group at all, nor the right to read events.
    expect(await tryRead(as('gateway'), topics.eventsEnriched, `${namespace}gateway`)).toBe('GROUP_AUTHORIZATION_FAILED');
    expect(await tryRead(as('gateway'), topics.eventsEnriched, `${namespace}query`)).toBe('GROUP_AUTHORIZATION_FAILED');
    // query reads the enriched events: it may not write them, nor read the raw ones, nor use the aggregator's group.
    expect(await tryWrite(as('query'), topics.eventsEnriched)).toBe('TOPIC_AUTHORIZATION_FAILED');
    expect(await tryRead(as('query'), topics.eventsRaw, `${namespace}query-probe`)).toBe('TOPIC_AUTHORIZATION_FAILED');
    expect(await tryRead(as('query'), topics.eventsEnriched, `${namespace}bitmap-aggregator`)).toBe('GROUP_AUTHORIZATION_FAILED');
    // the aggregator may not write erasures (only the gateway does).
    expect(await tryWrite(as('bitmap-aggregator'), topics.erasures)).toBe('TOPIC_AUTHORIZATION_FAILED');
  });

  it('an internal consumer made with infra/kafka/principal reads events.enriched and erasures, and nothing else', async () => {
    expect(internal.KAFKA_SASL_USERNAME).toBe(consumerName);
    expect(internal.GROUP_PREFIX).toBe(`${namespace}consumer.${consumerName}`);
    const kafka = clientAs(internal, 'acl-internal');
    const group = `${internal.GROUP_PREFIX}.reader`;

    // What the fingerprint wrote (read by the admin) is exactly what the internal principal reads.
    const enriched = await readToEnd(testKafka(), topics.eventsEnriched, { groupId: uniqueId('acl-admin') });
    expect(enriched.length).toBeGreaterThan(0);
    const mine = await readToEnd(kafka.kafka, topics.eventsEnriched, { groupId: `${group}-1` });
    expect(mine.map((r) => r.message.value!.toString())).toEqual(expect.arrayContaining(enriched.map((r) => r.message.value!.toString())));
    expect(mine).toHaveLength(enriched.length);
    const erasures = await readToEnd(kafka.kafka, topics.erasures, { groupId: `${group}-2` });
    expect(erasures).toHaveLength(1); // the one the first test made

    // Not the raw events (IPs), not any write, not another service's group, not a group outside its prefix.
    expect(await tryRead(kafka, topics.eventsRaw, `${group}-3`)).toBe('TOPIC_AUTHORIZATION_FAILED');
    for (const topic of [topics.eventsEnriched, topics.erasures, topics.projects, topics.eventsRaw, topics.eventsDlq]) {
      expect(`${topic}: ${await tryWrite(kafka, topic)}`).toBe(`${topic}: TOPIC_AUTHORIZATION_FAILED`);
    }
    expect(await tryRead(kafka, topics.eventsEnriched, `${namespace}query`)).toBe('GROUP_AUTHORIZATION_FAILED');
    expect(await tryRead(kafka, topics.eventsEnriched, `${namespace}bitmap-aggregator`)).toBe('GROUP_AUTHORIZATION_FAILED');
    expect(await tryRead(kafka, topics.eventsEnriched, `someone-else.${consumerName}`)).toBe('GROUP_AUTHORIZATION_FAILED');
  });
});
