import { z } from 'zod';
import { createLogger } from '@sightline/telemetry';
import { committedCount, readAll, readCommitted, json, testInfra, testNamespace, uniqueId, waitFor } from '@sightline/testing';
import { createBatchConsumer, jsonDecoder, type BatchConsumer } from './batch-consumer';
import { createKafka, ensureTopics } from './client';
import { createProducer } from './producer';
import { dlq, ok } from './results';
import { createTopicTable } from './topic-table';

const logger = createLogger({ service: 'kafka-lib-test', level: 'silent' });
const kafka = createKafka({ brokers: testInfra.kafkaBrokers, clientId: 'kafka-lib-test', logger });
const schema = z.object({ n: z.number().int() });


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

  it('handles every message once, retries a transient failure, sends poison and rejected ones to the DLQ with the reason, and commits after the work', async () => {
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
          throw Object.assign(new Error('connection reset by the store'), { code: 'ECONNRESET' });
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

    await waitFor(async () => (await committedCount(groupId, topic)) === 202, { timeoutMs: 30_000, description: 'all offsets committed' });
    expect([...seen].sort((a, b) => a - b)).toEqual(valid.map((v) => v.value.n));
    expect(consumer.isHealthy()).toBe(true);
  });
});

describe('createBatchConsumer with transactionalOutput', () => {
  it('makes output, DLQ records and input offsets one transaction: a failed attempt leaves nothing visible', async () => {
    const ns = testNamespace('kafkatx');
    const [input, output, dlqTopic] = [`${ns}input`, `${ns}output`, `${ns}dlq`];
    await ensureTopics(kafka, [{ topic: input, numPartitions: 2 }, { topic: output, numPartitions: 2 }, { topic: dlqTopic, numPartitions: 1 }]);
    const producer = createProducer(kafka);
    await producer.start();
    await producer.send(input, [...Array.from({ length: 100 }, (_, n) => ({ key: `k${n % 7}`, value: { n } })), { key: 'odd', value: { n: -1 } }]);
    const groupId = uniqueId('txgroup');
    let failures = 2;
    const consumer = createBatchConsumer<z.infer<typeof schema>>({
      kafka,
      groupId,
      topics: [input],
      dlqTopic,
      producer,
      logger,
      retry: { attempts: 5, backoffMs: 10 },
      transactionalOutput: { transactionalId: uniqueId('tx') },
      decode: jsonDecoder(schema),
      async handleBatch(items, ctx) {
        await ctx.producer.send(output, items.filter((i) => i.value.n >= 0).map((i) => ({ key: i.key, value: { doubled: i.value.n * 2 } })));
        // The records above are in the log already; failing now must abort them.
        if (failures-- > 0) throw Object.assign(new Error('store timed out between produce and commit'), { code: 'ETIMEDOUT' });
        return items.map((i) => (i.value.n < 0 ? dlq('negative n') : ok()));
      },
    });
    void consumer.start();
    try {
      await waitFor(async () => (await committedCount(groupId, input)) === 101, { timeoutMs: 60_000, description: 'offsets committed in the transaction' });
      const visible = (await readCommitted(output)).map((m) => json<{ doubled: number }>(m).doubled);
      expect(visible.sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, n) => n * 2));
      // The aborted attempts did write: the log holds more than what a read-committed reader sees.
      const admin = kafka.admin();
      await admin.connect();
      const written = (await admin.fetchTopicOffsets(output)).reduce((sum, o) => sum + Number(o.high), 0);
      await admin.disconnect();
      expect(written).toBeGreaterThan(100);
      const dlqRecords = (await readCommitted(dlqTopic)).map((m) => json<{ error: string }>(m));
      expect(dlqRecords.map((d) => d.error)).toEqual(['negative n']);
      expect(consumer.isHealthy()).toBe(true);
    } finally {
      await consumer.stop();
      await producer.stop();
    }
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
