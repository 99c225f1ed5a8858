import { z } from 'zod';
import { createLogger, metricsRegistry } from '@sightline/telemetry';
import { committedCount, json, readAll, readCommitted, testInfra, testNamespace, uniqueId, waitFor } from '@sightline/testing';
import { createBatchConsumer, jsonDecoder, type BatchConsumer, type BatchConsumerOptions, type ConsumedItem } from './batch-consumer';
import { createKafka, ensureTopics } from './client';
import { DLQ_HEADER } from './dlq';
import { createProducer, type DurableProducer } from './producer';

const logger = createLogger({ service: 'kafka-poison-test', level: 'silent' });
const kafka = createKafka({ brokers: testInfra.kafkaBrokers, clientId: 'kafka-poison-test', logger });
const schema = z.object({ n: z.number().int() });
type Item = ConsumedItem<z.infer<typeof schema>>;

const POISON = new Set([13, 33, 53]);
/** A handler with a bug that only some records reach: it throws for the whole batch they are in. */
function failOnPoison(items: Item[]): void {
  const bad = items.find((i) => POISON.has(i.value.n));
  if (bad) throw new TypeError(`cannot handle n=${bad.value.n}`);
}


/** A consumer of `topic` whose in-place retries would show: 5 attempts, 1 s apart at least. */
function poisonConsumer(where: { groupId: string; topic: string; dlqTopic: string; producer: DurableProducer }, rest: Pick<BatchConsumerOptions<z.infer<typeof schema>>, 'handleBatch' | 'transactionalOutput'>): BatchConsumer {
  return createBatchConsumer<z.infer<typeof schema>>({ kafka, groupId: where.groupId, topics: [where.topic], dlqTopic: where.dlqTopic, producer: where.producer, logger, retry: { attempts: 5, backoffMs: 1000 }, decode: jsonDecoder(schema), ...rest });
}

async function retriesOf(groupId: string): Promise<number> {
  const metric = (await metricsRegistry.getMetricsAsJSON()).find((m) => m.name === 'sightline_consumer_batch_retries_total');
  return (metric?.values ?? []).filter((v) => v.labels.group === groupId).reduce((sum, v) => sum + v.value, 0);
}

const values = Array.from({ length: 60 }, (_, n) => ({ key: `k${n % 11}`, value: { n } }));
const healthy = values.map((v) => v.value.n).filter((n) => !POISON.has(n));

describe('a record that fails for good goes to the DLQ at once, with its error, and the partition moves on', () => {
  let consumer: BatchConsumer | undefined;
  afterEach(async () => {
    await consumer?.stop();
    consumer = undefined;
  });

  it('without transactions: the batch is handled again record by record, with no in-place retries', async () => {
    const ns = testNamespace('poison');
    const [topic, dlqTopic] = [`${ns}input`, `${ns}dlq`];
    await ensureTopics(kafka, [{ topic, numPartitions: 3 }, { topic: dlqTopic, numPartitions: 1 }]);
    const producer = createProducer(kafka);
    await producer.start();
    await producer.send(topic, values);
    const seen: number[] = [];
    const groupId = uniqueId('poison');
    consumer = poisonConsumer({ groupId, topic, dlqTopic, producer }, {
      async handleBatch(items) {
        failOnPoison(items);
        for (const item of items) seen.push(item.value.n);
      },
    });
    void consumer.start();
    try {
      await waitFor(async () => (await committedCount(groupId, topic)) === values.length, { timeoutMs: 60_000, description: 'every offset committed' });
      expect([...seen].sort((a, b) => a - b)).toEqual(healthy);
      const dlq = await readAll(dlqTopic);
      expect(dlq.map((m) => json<{ payloadBase64: string }>(m)).map((d) => JSON.parse(Buffer.from(d.payloadBase64, 'base64').toString()).n).sort((a, b) => a - b)).toEqual([...POISON]);
      for (const m of dlq) {
        expect(m.headers?.[DLQ_HEADER.errorName]?.toString()).toBe('TypeError');
        expect(m.headers?.[DLQ_HEADER.reason]?.toString()).toMatch(/^TypeError: cannot handle n=\d+$/);
        expect(m.headers?.[DLQ_HEADER.group]?.toString()).toBe(groupId);
      }
      expect(await retriesOf(groupId)).toBe(0);
    } finally {
      await producer.stop();
    }
  });

  it('with transactional output: each record of the failed batch in its own transaction, output exactly once', async () => {
    const ns = testNamespace('poisontx');
    const [topic, output, dlqTopic] = [`${ns}input`, `${ns}output`, `${ns}dlq`];
    await ensureTopics(kafka, [{ topic, numPartitions: 2 }, { topic: output, numPartitions: 2 }, { topic: dlqTopic, numPartitions: 1 }]);
    const producer = createProducer(kafka);
    await producer.start();
    await producer.send(topic, values);
    const groupId = uniqueId('poisontx');
    consumer = poisonConsumer({ groupId, topic, dlqTopic, producer }, {
      transactionalOutput: { transactionalId: uniqueId('tx') },
      async handleBatch(items, ctx) {
        // Output first, then the failure: the aborted transaction must hide it.
        await ctx.producer.send(output, items.map((i) => ({ key: i.key, value: { n: i.value.n } })));
        failOnPoison(items);
      },
    });
    void consumer.start();
    try {
      await waitFor(async () => (await committedCount(groupId, topic)) === values.length, { timeoutMs: 60_000, description: 'every offset committed' });
      const visible = (await readCommitted(output)).map((m) => json<{ n: number }>(m).n);
      expect(visible.sort((a, b) => a - b)).toEqual(healthy);
      const dlq = await readCommitted(dlqTopic);
      expect(dlq.map((m) => m.headers?.[DLQ_HEADER.sourceOffset]?.toString()).length).toBe(POISON.size);
      expect(dlq.every((m) => m.headers?.[DLQ_HEADER.errorName]?.toString() === 'TypeError')).toBe(true);
      expect(await retriesOf(groupId)).toBe(0);
    } finally {
      await producer.stop();
    }
  });
});
