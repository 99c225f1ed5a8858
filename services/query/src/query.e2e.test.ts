import type { Admin } from 'kafkajs';
import { Client } from 'pg';
import { enrichedEventKeyOf, topicNames } from '@sightline/contracts';
import { createProducer, ensureTopics, standardTopicSpecs, type DurableProducer } from '@sightline/kafka';
import { createTestDatabase, startService, testInfra, testKafka, testNamespace, waitFor, type ServiceProcess, type TestDatabase } from '@sightline/testing';
import { enrichedEvent } from '../test/enriched-factory';

const P = 'proj_e2e';
const T0 = Date.UTC(2026, 10, 20);
const VISITORS = 400;
const PER_VISITOR = 50;
const TOTAL = VISITORS * PER_VISITOR;

/** A deterministic stream: each visitor views, sometimes signs up, sometimes buys. */
function eventsOf(v: number) {
  return Array.from({ length: PER_VISITOR }, (_, i) => {
    const name = i % 10 === 0 ? 'Signed Up' : i % 25 === 24 && v % 3 === 0 ? 'Purchased' : '$pageview';
    return enrichedEvent({ projectId: P, messageId: `m-${v}-${i}`, visitorIndex: v, name, timestamp: new Date(T0 + v * 1000 + i * 60_000).toISOString(), sessionId: `s-${v}-${Math.floor(i / 20)}`, path: `/p${i % 7}` });
  });
}

const funnel = {
  from: new Date(T0).toISOString(),
  to: new Date(T0 + 7 * 86_400_000).toISOString(),
  steps: [{ event: '$pageview' }, { event: 'Signed Up' }, { event: 'Purchased' }],
  windowSeconds: 86_400,
  order: 'sequential',
};

describe('query service process', () => {
  const namespace = testNamespace('query_e2e');
  const topics = topicNames(namespace);
  const kafka = testKafka();
  let db: TestDatabase;
  let producer: DurableProducer;
  let admin: Admin;
  let service: ServiceProcess | undefined;
  let pg: Client;
  const env = () => ({ TOPIC_NAMESPACE: namespace, KAFKA_BROKERS: testInfra.kafkaBrokers.join(','), DATABASE_URL: db.url, LOG_LEVEL: 'warn', KAFKA_SESSION_TIMEOUT_MS: '8000' });

  beforeAll(async () => {
    db = await createTestDatabase('query_e2e');
    await ensureTopics(kafka, standardTopicSpecs(topics));
    producer = createProducer(kafka, { compression: false });
    await producer.start();
    admin = kafka.admin();
    await admin.connect();
  }, 60_000);
  afterAll(async () => {
    await service?.stop();
    await pg?.end();
    await producer.stop();
    await admin.disconnect();
    await db.drop();
  }, 60_000);

  const count = async (table: string) => Number((await pg.query(`SELECT count(*) AS n FROM ${table}`)).rows[0].n);
  const sum = async (sql: string) => Number((await pg.query(sql)).rows[0].n);
  const groupDone = async (groupId: string) => {
    const high = await admin.fetchTopicOffsets(topics.eventsEnriched);
    const [committed] = await admin.fetchOffsets({ groupId, topics: [topics.eventsEnriched] });
    return high.every((h) => committed!.partitions.find((p) => p.partition === h.partition)?.offset === h.high);
  };
  const runFunnel = async () => {
    const res = await fetch(`${service!.url}/internal/projects/${P}/funnels`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(funnel) });
    expect(res.status).toBe(200);
    return res.json();
  };

  it('loses and duplicates nothing across kill -9, and a replay from offset 0 changes nothing', async () => {
    service = await startService('query', env());
    pg = new Client({ connectionString: db.url });
    await pg.connect();
    // Send every event, plus a second delivery of a fifth of them (producer retries upstream).
    for (let v = 0; v < VISITORS; v += 50) {
      const batch = Array.from({ length: 50 }, (_, k) => eventsOf(v + k)).flat();
      const again = batch.filter((_, i) => i % 5 === 0);
      await producer.send(topics.eventsEnriched, [...batch, ...again].map((e) => ({ key: enrichedEventKeyOf(e), value: e })));
    }
    await waitFor(async () => (await count('events')) > 0, { description: 'first rows', timeoutMs: 60_000, intervalMs: 20 });
    await service.kill9();
    const atCrash = await count('events');
    service = await startService('query', env());
    await waitFor(async () => (await count('events')) === TOTAL && (await groupDone(`${namespace}query`)), { description: 'all events stored', timeoutMs: 120_000, intervalMs: 200 });
    expect(await sum('SELECT sum(event_count) AS n FROM visitors')).toBe(TOTAL);
    expect(await sum('SELECT sum(event_count) AS n FROM sessions')).toBe(TOTAL);
    expect(await count('sessions')).toBe(VISITORS * 3);
    const before = await runFunnel();
    expect(before.steps.map((s: { count: number }) => s.count)).toEqual([VISITORS, VISITORS, Math.ceil(VISITORS / 3)]);
    expect(atCrash).toBeLessThanOrEqual(TOTAL);

    // Replay the whole topic with a fresh consumer group into the same store.
    await service.stop();
    service = await startService('query', { ...env(), CONSUMER_GROUP_ID: `${namespace}query-replay` });
    await waitFor(() => groupDone(`${namespace}query-replay`), { description: 'replay done', timeoutMs: 120_000, intervalMs: 200 });
    expect(await count('events')).toBe(TOTAL);
    expect(await sum('SELECT sum(event_count) AS n FROM visitors')).toBe(TOTAL);
    expect(await sum('SELECT sum(page_count) AS n FROM sessions')).toBe(Number((await pg.query("SELECT count(*) AS n FROM events WHERE name = '$pageview'")).rows[0].n));
    expect(await runFunnel()).toEqual(before);
  }, 300_000);

  it('applies an erasure from the erasures topic', async () => {
    await producer.send(topics.erasures, [{ key: P, value: { requestId: 'r-1', projectId: P, visitorIds: ['v-3'], requestedAt: new Date().toISOString() } }]);
    await waitFor(async () => (await fetch(`${service!.url}/internal/projects/${P}/visitors/v-3`)).status === 404, { description: 'visitor erased', timeoutMs: 60_000 });
    expect(await count('events')).toBe(TOTAL - PER_VISITOR);
    const after = await runFunnel();
    expect(after.steps.map((s: { count: number }) => s.count)).toEqual([VISITORS - 1, VISITORS - 1, Math.ceil(VISITORS / 3) - 1]);
  }, 120_000);
});
