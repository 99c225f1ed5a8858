import { Kafka, logLevel, type KafkaMessage } from 'kafkajs';
import { fetchTopicOffsets, kafkaSaslFrom, readToEnd, toKafkajsSasl } from '@sightline/kafka';
import { testInfra, uniqueId } from './env';

export function testKafka(clientId = 'sightline-test'): Kafka {
  const sasl = kafkaSaslFrom(testInfra.kafkaSaslEnv);
  return new Kafka({ clientId, brokers: testInfra.kafkaBrokers, ...(sasl ? { sasl: toKafkajsSasl(sasl) } : {}), logLevel: logLevel.NOTHING, retry: { retries: 3 } });
}

/** A namespace of its own for one test, so topics never collide across tests or runs. */
export function testNamespace(prefix: string): string {
  return `${uniqueId(prefix)}.`;
}

export interface ReadOptions {
  /** Stop once this many messages were read. */
  count: number;
  timeoutMs?: number;
}

/** Reads a topic from the beginning with a throw-away group until `count` messages arrived. */
export async function readTopic(topic: string, options: ReadOptions): Promise<KafkaMessage[]> {
  const kafka = testKafka();
  const consumer = kafka.consumer({ groupId: uniqueId('reader'), maxWaitTimeInMs: 100 });
  const messages: KafkaMessage[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`read ${messages.length} of ${options.count} messages from ${topic}`)), options.timeoutMs ?? 30_000);
      void consumer.run({
        eachMessage: async ({ message }) => {
          messages.push(message);
          if (messages.length >= options.count) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
  return [...messages.values()];
}

/** Every message currently in the topic (up to the high watermark at call time). */
export async function readAll(topic: string, timeoutMs = 30_000): Promise<KafkaMessage[]> {
  const kafka = testKafka();
  const offsets = await fetchTopicOffsets(kafka, topic);
  const total = offsets.reduce((sum, o) => sum + Number(BigInt(o.high) - BigInt(o.low)), 0);
  if (total === 0) return [];
  return readTopic(topic, { count: total, timeoutMs });
}

export function json<T = unknown>(message: KafkaMessage): T {
  return JSON.parse(message.value!.toString('utf8')) as T;
}

/**
 * Every committed message up to the high watermark at call time, for topics written in Kafka
 * transactions too (their markers take offsets but are never delivered, so `readAll`'s count
 * would wait for messages that do not exist): `readToEnd` of @sightline/kafka.
 */
export async function readCommitted(topic: string, timeoutMs = 30_000): Promise<KafkaMessage[]> {
  return (await readToEnd(testKafka(), topic, { timeoutMs, groupId: uniqueId('reader') })).map((r) => r.message);
}

/** How many records of `topic` the group has committed, over all partitions (0 for a partition without a commit). */
export async function committedCount(groupId: string, topic: string): Promise<number> {
  const admin = testKafka().admin();
  await admin.connect();
  try {
    const [entry] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return entry!.partitions.reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
  } finally {
    await admin.disconnect();
  }
}
