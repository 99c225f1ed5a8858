import { join } from 'node:path';
import { topicNames } from '@sightline/contracts';
import { createProducer, ensureTopics, standardTopicSpecs } from '@sightline/kafka';
import { deleteKeys, repoRoot, startService, testInfra, testKafka, testNamespace, testRedis, uniqueId, waitFor, type ServiceProcess } from '@sightline/testing';
import { caughtUp, peopleOf, sendEvents, workload } from '../test/harness';

/**
 * The built service as a real process, killed with SIGKILL while it projects a stream: after a
 * restart every total is exact (no double increments) and uniques are exact.
 */
const namespace = testNamespace('agge2e');
const topics = topicNames(namespace);
const prefix = `${uniqueId('agge2e')}:`;
const kafka = testKafka();
const producer = createProducer(kafka);
const env = {
  KAFKA_BROKERS: testInfra.kafkaBrokers.join(','),
  TOPIC_NAMESPACE: namespace,
  REDIS_URL: testInfra.redisUrl,
  REDIS_KEY_PREFIX: prefix,
  // Small fetches: many batches in flight, so the kill lands mid-stream.
  MAX_BYTES_PER_PARTITION: '65536',
  // npm currently installs the OpenTelemetry packages under libs/telemetry/node_modules (not
  // hoisted), where a bundle in services/*/dist cannot find them; harmless once they are hoisted.
  NODE_PATH: join(repoRoot, 'libs', 'telemetry', 'node_modules'),
};
let service: ServiceProcess | undefined;

beforeAll(async () => {
  await ensureTopics(kafka, standardTopicSpecs(topics));
  await producer.start();
});

afterAll(async () => {
  await service?.stop();
  await producer.stop();
  const redis = testRedis();
  await deleteKeys(redis, `${prefix}*`);
  redis.disconnect();
});

describe('bitmap-aggregator process', () => {
  it('kill -9 mid-stream, restart: totals and uniques exact', async () => {
    const projectId = 'crash';
    const end = Date.now();
    const ledger = workload(projectId, 6000, 10, end, 3);
    const from = encodeURIComponent(new Date(end - 11 * 86_400_000).toISOString());
    const to = encodeURIComponent(new Date(end).toISOString());
    const get = async (path: string) => (await (await fetch(`${service!.url}/internal/projects/${projectId}/${path}`)).json()) as { total: number };

    service = await startService('bitmap-aggregator', env);
    await sendEvents(producer, topics.eventsEnriched, ledger);
    await waitFor(async () => (await get(`totals?from=${from}&to=${to}`)).total > 0, { timeoutMs: 60_000, description: 'projection started' });
    await service.kill9();
    const partial = await (async () => {
      service = await startService('bitmap-aggregator', env);
      return (await get(`totals?from=${from}&to=${to}`)).total;
    })();
    expect(partial).toBeLessThanOrEqual(ledger.length);

    await waitFor(() => caughtUp(kafka, `${namespace}bitmap-aggregator`, topics.eventsEnriched), { timeoutMs: 120_000, description: 'caught up after restart' });
    expect((await get(`totals?from=${from}&to=${to}`)).total).toBe(ledger.length);
    expect((await get(`totals?from=${from}&to=${to}&dim=event:signup`)).total).toBe(ledger.filter((e) => e.name === 'signup').length);
    expect((await get(`uniques?from=${from}&to=${to}`)).total).toBe(peopleOf(ledger));
  });
});
