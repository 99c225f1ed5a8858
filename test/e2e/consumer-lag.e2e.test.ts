import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { topicNames } from '@sightline/contracts';
import { createKafka, createProducer, ensureTopics, standardTopicSpecs } from '@sightline/kafka';
import { createLogger } from '@sightline/telemetry';
import { committedCount, repoRoot, startService, testInfra, testNamespace, uniqueId, waitFor, type ServiceProcess } from '@sightline/testing';

const logger = createLogger({ service: 'consumer-lag-e2e', level: 'silent' });

/** The value of one Prometheus sample in a /metrics text, or undefined. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && Object.entries(labels).every(([k, v]) => l.includes(`${k}="${v}"`)));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : undefined;
}

describe('a consumer service wires lag, readiness and the DLQ error headers', () => {
  let service: ServiceProcess | undefined;
  afterAll(async () => {
    await service?.stop();
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
});
