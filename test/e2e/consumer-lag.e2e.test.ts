import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { topicNames } from '@sightline/contracts';
import { createKafka, createProducer, ensureTopics, standardTopicSpecs } from '@sightline/kafka';
import { createLogger } from '@sightline/telemetry';
import { Client } from 'pg';
import { enrichedEventKeyOf } from '@sightline/contracts';
import { committedCount, createTestDatabase, repoRoot, startService, testInfra, testNamespace, uniqueId, waitFor, type ServiceProcess, type TestDatabase } from '@sightline/testing';
import { enrichedEvent } from '../../services/query/test/enriched-factory';

const logger = createLogger({ service: 'consumer-lag-e2e', level: 'silent' });

/** The value of one Prometheus sample in a /metrics text, or undefined. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && Object.entries(labels).every(([k, v]) => l.includes(`${k}="${v}"`)));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : undefined;
}

async function readiness(service: ServiceProcess): Promise<{ status: number; body: { checks: Record<string, boolean>; reasons?: Record<string, string> } }> {
  const res = await fetch(`${service.url}/readyz`);
  return { status: res.status, body: (await res.json()) as { checks: Record<string, boolean>; reasons?: Record<string, string> } };
}

describe('a consumer service wires lag, readiness and the DLQ error headers', () => {
  let service: ServiceProcess | undefined;
  let db: TestDatabase | undefined;
  let pg: Client | undefined;
  afterEach(async () => {
    await pg?.end().catch(() => undefined);
    await service?.stop();
    await db?.drop();
    pg = undefined;
    service = undefined;
    db = undefined;
  });

  it('bitmap-aggregator: lag per partition in /metrics, a lag check in /readyz, undecodable records in the DLQ as DecodeError', async () => {
    const ns = testNamespace('lagwire');
    const topics = topicNames(ns);
    const kafka = createKafka({ brokers: testInfra.kafkaBrokers, clientId: 'consumer-lag-e2e', logger });
    await ensureTopics(kafka, standardTopicSpecs(topics));
    service = await startService('bitmap-aggregator', {
      TOPIC_NAMESPACE: ns,
      KAFKA_BROKERS: testInfra.kafkaBrokers.join(','),
      REDIS_URL: testInfra.redisUrl,
      REDIS_KEY_PREFIX: `${uniqueId('lagwire')}:`,
      LOG_LEVEL: 'warn',
      CONSUMER_LAG_INTERVAL_MS: '300',
    });
    const producer = createProducer(kafka);
    await producer.start();
    // Not an enriched event: each fails to decode and goes to the DLQ; the offsets move on.
    await producer.send(topics.eventsEnriched, Array.from({ length: 6 }, (_, i) => ({ key: `k${i}`, value: { not: 'an event', i } })));
    await producer.stop();
    const group = `${ns}bitmap-aggregator`;
    await waitFor(async () => (await committedCount(group, topics.eventsEnriched)) === 6, { timeoutMs: 60_000, description: 'the aggregator committed the 6 records' });

    const metrics = await waitFor(async () => {
      const text = await (await fetch(`${service!.url}/metrics`)).text();
      const lags = [0, 1, 2, 3].map((partition) => sample(text, 'sightline_consumer_lag', { group, topic: topics.eventsEnriched, partition: String(partition) }));
      return lags.every((l) => l === 0) ? text : null;
    }, { timeoutMs: 30_000, description: 'lag 0 on every partition in /metrics' });
    expect(sample(metrics, 'sightline_consumer_stuck_partitions', { group })).toBe(0);
    expect(sample(metrics, 'sightline_consumer_messages_total', { group, topic: topics.eventsEnriched, result: 'dlq' })).toBe(6);

    const ready = await fetch(`${service.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(((await ready.json()) as { checks: Record<string, boolean> }).checks).toMatchObject({ consumer: true, lag: true });

    execFileSync(process.execPath, [join(repoRoot, 'libs', 'cli', 'build.mjs')]);
    const listed = JSON.parse(execFileSync(process.execPath, [join(repoRoot, 'libs', 'cli', 'dist', 'sightline.js'), 'dlq', 'list', '--json', '--namespace', ns], { env: { ...process.env, KAFKA_BROKERS: testInfra.kafkaBrokers.join(',') } }).toString()) as Array<{ errorName: string; consumerGroup: string; reason: string }>;
    expect(listed.map((e) => [e.errorName, e.consumerGroup])).toEqual(Array.from({ length: 6 }, () => ['DecodeError', group]));
    expect(listed.every((e) => e.reason.startsWith('schema:'))).toBe(true);
  });

  it('query: /readyz says stuck, naming the partition, while its database holds every insert, and ready again once it is released', async () => {
    const ns = testNamespace('stuckwire');
    const topics = topicNames(ns);
    const kafka = createKafka({ brokers: testInfra.kafkaBrokers, clientId: 'consumer-stuck-e2e', logger });
    await ensureTopics(kafka, standardTopicSpecs(topics));
    db = await createTestDatabase('stuckwire');
    service = await startService('query', { TOPIC_NAMESPACE: ns, KAFKA_BROKERS: testInfra.kafkaBrokers.join(','), DATABASE_URL: db.url, LOG_LEVEL: 'error', CONSUMER_LAG_INTERVAL_MS: '300', CONSUMER_STUCK_AFTER_MS: '2000' });

    // The "outage": a transaction holding the events table, so every insert of the consumer waits.
    pg = new Client({ connectionString: db.url });
    await pg.connect();
    await pg.query('BEGIN');
    await pg.query('LOCK TABLE events IN ACCESS EXCLUSIVE MODE');
    const events = Array.from({ length: 20 }, (_, i) => enrichedEvent({ projectId: 'proj_stuck', messageId: `m-${i}`, visitorIndex: i % 5, name: '$pageview', timestamp: new Date(Date.UTC(2026, 10, 20) + i * 1000).toISOString() }));
    const producer = createProducer(kafka);
    await producer.start();
    await producer.send(topics.eventsEnriched, events.map((e) => ({ key: enrichedEventKeyOf(e), value: e })));
    await producer.stop();

    const stuck = await waitFor(async () => {
      const r = await readiness(service!);
      return r.status === 503 && r.body.reasons?.lag ? r.body : null;
    }, { timeoutMs: 60_000, description: '/readyz 503 with a lag reason' });
    expect(stuck.checks.lag).toBe(false);
    expect(stuck.reasons!.lag).toMatch(new RegExp(`^consumer stuck: ${ns.replace(/\./g, '\\.')}events\\.enriched\\.v1\\[\\d\\] lag \\d+, no commit for \\d+ s`));
    // The gauge follows on the monitor's next poll (it is not read at the same instant as /readyz).
    const stuckPartitions = await waitFor(async () => {
      const value = sample(await (await fetch(`${service!.url}/metrics`)).text(), 'sightline_consumer_stuck_partitions', { group: `${ns}query` });
      return value !== undefined && value >= 1 ? value : null;
    }, { timeoutMs: 30_000, description: 'sightline_consumer_stuck_partitions ≥ 1 while the table is locked' });
    expect(stuckPartitions).toBeGreaterThanOrEqual(1);

    await pg.query('COMMIT');
    await waitFor(async () => (await readiness(service!)).status === 200, { timeoutMs: 60_000, description: 'ready again after the release' });
    await waitFor(async () => (await committedCount(`${ns}query`, topics.eventsEnriched)) === 20, { timeoutMs: 60_000, description: 'all 20 committed' });
    expect(Number((await pg.query('SELECT count(*) AS n FROM events')).rows[0].n)).toBe(20);
  });
});
