import { z } from 'zod';
import { createLogger } from '@sightline/telemetry';
import { readAll, json, testInfra, testNamespace, uniqueId, waitFor } from '@sightline/testing';
import { createBatchConsumer, jsonDecoder, type BatchConsumer } from './batch-consumer';
import { createKafka, ensureTopics } from './client';
import { createProducer } from './producer';
import { dlq, ok } from './results';
import { createTopicTable } from './topic-table';

const logger = createLogger({ service: 'kafka-lib-test', level: 'silent' });
const kafka = createKafka({ brokers: testInfra.kafkaBrokers, clientId: 'kafka-lib-test', logger });
const schema = z.object({ n: z.number().int() });

async function committedOffsets(groupId: string, topic: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [entry] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return entry!.partitions.reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
  } finally {
    await admin.disconnect();
  }
}

describe('createBatchConsumer against the real broker', () => {
  const ns = testNamespace('kafkalib');
  const topic = `${ns}input`;
  const dlqTopic = `${ns}dlq`;
  const producer = createProducer(kafka);
  let consumer: BatchConsumer | undefined;

  beforeAll(async () => {
    await ensureTopics(kafka, [{ topic, numPartitions: 3 }, { topic: dlqTopic, numPartitions: 1 }]);
    await producer.start();
  });
  afterAll(async () => {
    await consumer?.stop();
    await producer.stop();
  });

  it('handles every message once, sends poison and rejected ones to the DLQ with the reason, and commits after the work', async () => {
    const valid = Array.from({ length: 200 }, (_, n) => ({ key: `k${n % 17}`, value: { n } }));
    await producer.send(topic, valid);
    await producer.send(topic, [{ key: 'bad', value: { n: 'not a number' } }, { key: 'odd', value: { n: -1 } }]);

    const seen: number[] = [];
    let failOnce = true;
    const groupId = uniqueId('group');
    consumer = createBatchConsumer<z.infer<typeof schema>>({
      kafka,
      groupId,
      topics: [topic],
      dlqTopic,
      producer,
      logger,
      retry: { attempts: 3, backoffMs: 10 },
      decode: jsonDecoder(schema),
      async handleBatch(items) {
        if (failOnce) {
          failOnce = false;
          throw new Error('transient store failure');
        }
        // The side effect becomes visible before the offset is committed.
        for (const item of items) if (item.value.n >= 0) seen.push(item.value.n);
        return items.map((item) => (item.value.n < 0 ? dlq('negative n') : ok()));
      },
    });
    void consumer.start();

    await waitFor(() => seen.length >= 200, { timeoutMs: 60_000, description: '200 handled' });
    const dlqRecords = await waitFor(async () => {
      const records = await readAll(dlqTopic);
      return records.length >= 2 ? records : null;
    }, { timeoutMs: 30_000, description: 'two DLQ records' });
    const reasons = dlqRecords.map((m) => json<{ error: string; payloadBase64: string }>(m));
    expect(reasons.map((r) => r.error).sort()).toEqual([expect.stringContaining('negative n'), expect.stringContaining('schema')].sort());
    expect(JSON.parse(Buffer.from(reasons.find((r) => r.error.includes('schema'))!.payloadBase64, 'base64').toString())).toEqual({ n: 'not a number' });
    expect(dlqRecords.every((m) => m.headers?.['x-dlq-reason'])).toBe(true);

    await waitFor(async () => (await committedOffsets(groupId, topic)) === 202, { timeoutMs: 30_000, description: 'all offsets committed' });
    expect([...seen].sort((a, b) => a - b)).toEqual(valid.map((v) => v.value.n));
    expect(consumer.isHealthy()).toBe(true);
  });
});

describe('createTopicTable', () => {
  it('loads a compacted topic from offset 0, applies tombstones and follows live changes', async () => {
    const topic = `${testNamespace('table')}projects`;
    await ensureTopics(kafka, [{ topic, numPartitions: 1, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }]);
    const producer = createProducer(kafka);
    await producer.start();
    await producer.send(topic, [
      { key: 'a', value: { n: 1 } },
      { key: 'b', value: { n: 2 } },
      { key: 'a', value: { n: 3 } },
      { key: 'b', value: null },
      { key: 'c', value: { n: 'invalid' } },
    ]);
    const table = createTopicTable({ kafka, topic, logger, groupPrefix: 'test', parse: (v) => schema.safeParse(v).data ?? null });
    await table.start();
    try {
      expect(table.get('a')).toEqual({ n: 3 });
      expect(table.get('b')).toBeUndefined();
      expect(table.get('c')).toBeUndefined();
      const changes: string[] = [];
      table.onChange((key) => changes.push(key));
      await producer.send(topic, [{ key: 'd', value: { n: 4 } }]);
      await waitFor(() => table.get('d'), { description: 'live change' });
      expect(changes).toEqual(['d']);
    } finally {
      await table.stop();
      await producer.stop();
    }
  });
});
