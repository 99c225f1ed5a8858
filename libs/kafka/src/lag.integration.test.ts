import { z } from 'zod';
import { createLogger, metricsRegistry } from '@sightline/telemetry';
import { committedCount, testInfra, testKafka, testNamespace, uniqueId, waitFor } from '@sightline/testing';
import { createBatchConsumer, jsonDecoder, type BatchConsumer } from './batch-consumer';
import { createKafka, ensureTopics } from './client';
import { createLagMonitor, type LagMonitor } from './lag';
import { createProducer } from './producer';

const logger = createLogger({ service: 'kafka-lag-test', level: 'silent' });
const kafka = createKafka({ brokers: testInfra.kafkaBrokers, clientId: 'kafka-lag-test', logger });
const schema = z.object({ n: z.number().int() });

/** Sends `count` records to one partition, chosen explicitly so the test knows each partition's figure. */
async function produceTo(topic: string, partition: number, count: number): Promise<void> {
  const producer = testKafka().producer();
  await producer.connect();
  await producer.send({ topic, messages: Array.from({ length: count }, (_, n) => ({ partition, key: `k${n}`, value: JSON.stringify({ n }) })) });
  await producer.disconnect();
}

async function gaugeValues(name: string, groupId: string): Promise<Record<string, number>> {
  const metric = (await metricsRegistry.getMetricsAsJSON()).find((m) => m.name === name);
  return Object.fromEntries((metric?.values ?? []).filter((v) => v.labels.group === groupId).map((v) => [`${v.labels.topic}[${v.labels.partition}]`, v.value]));
}


describe('consumer lag against the real broker', () => {
  const dlqProducer = createProducer(kafka);
  let consumer: BatchConsumer | undefined;
  let monitor: LagMonitor | undefined;
  let release: () => void = () => undefined;
  beforeAll(() => dlqProducer.start());
  afterEach(async () => {
    release();
    await monitor?.stop();
    await consumer?.stop();
    monitor = undefined;
    consumer = undefined;
  });
  afterAll(() => dlqProducer.stop());

  it('reports per partition what was produced and not yet consumed', async () => {
    const ns = testNamespace('lag');
    const [topic, dlqTopic] = [`${ns}input`, `${ns}dlq`];
    await ensureTopics(kafka, [{ topic, numPartitions: 2 }, { topic: dlqTopic, numPartitions: 1 }]);
    const groupId = uniqueId('lag');
    await produceTo(topic, 0, 30);
    await produceTo(topic, 1, 20);
    // Consume the first 50, then stop: the group has committed them.
    consumer = createBatchConsumer({ kafka, groupId, topics: [topic], dlqTopic, producer: dlqProducer, logger, decode: jsonDecoder(schema), handleBatch: async () => undefined });
    void consumer.start();
    await waitFor(async () => (await committedCount(groupId, topic)) === 50, { timeoutMs: 60_000, description: '50 committed' });
    await consumer.stop();
    consumer = undefined;
    await produceTo(topic, 0, 7);
    await produceTo(topic, 1, 12);

    monitor = createLagMonitor({ kafka, groupId, topics: [topic], settings: { intervalMs: 60_000, stuckAfterMs: 0 }, logger });
    await monitor.start();
    expect(await gaugeValues('sightline_consumer_lag', groupId)).toEqual({ [`${topic}[0]`]: 7, [`${topic}[1]`]: 12 });
    expect(monitor.current().map((p) => [p.partition, p.committed, p.high])).toEqual([
      [0, '30', '37'],
      [1, '20', '32'],
    ]);
    expect(monitor.readiness()).toEqual({ ready: true });
  });

  it('says the consumer is stuck while records wait and nothing is committed, and ready again once it commits', async () => {
    const ns = testNamespace('stuck');
    const [topic, dlqTopic] = [`${ns}input`, `${ns}dlq`];
    await ensureTopics(kafka, [{ topic, numPartitions: 1 }, { topic: dlqTopic, numPartitions: 1 }]);
    const groupId = uniqueId('stuck');
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let handled = 0;
    consumer = createBatchConsumer({
      kafka,
      groupId,
      topics: [topic],
      dlqTopic,
      producer: dlqProducer,
      logger,
      decode: jsonDecoder(schema),
      async handleBatch(items) {
        await gate; // a dependency that hangs
        handled += items.length;
      },
    });
    void consumer.start();
    const owned = consumer;
    monitor = createLagMonitor({ kafka, groupId, topics: [topic], settings: { intervalMs: 200, stuckAfterMs: 1500 }, logger, assignment: () => owned.assignment() });
    await monitor.start();
    await produceTo(topic, 0, 5);

    const reason = await waitFor(() => monitor!.readiness().reason, { timeoutMs: 30_000, description: 'stuck reported' });
    expect(reason).toMatch(new RegExp(`^consumer stuck: ${topic.replace(/\./g, '\\.')}\\[0\\] lag 5, no commit for \\d+ s$`));
    await monitor.poll();
    const stuck = (await metricsRegistry.getMetricsAsJSON()).find((m) => m.name === 'sightline_consumer_stuck_partitions');
    expect(stuck?.values.find((v) => v.labels.group === groupId)?.value).toBe(1);
    expect((await gaugeValues('sightline_consumer_seconds_since_commit', groupId))[`${topic}[0]`]).toBeGreaterThanOrEqual(1);

    release();
    await waitFor(() => monitor!.readiness().ready, { timeoutMs: 30_000, description: 'ready after the commit' });
    expect(handled).toBe(5);
    await waitFor(async () => (await gaugeValues('sightline_consumer_lag', groupId))[`${topic}[0]`] === 0, { timeoutMs: 10_000, description: 'lag back to 0' });
  });
});
