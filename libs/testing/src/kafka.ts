import { Kafka, logLevel, type KafkaMessage } from 'kafkajs';
import { testInfra, uniqueId } from './env';

export function testKafka(clientId = 'sightline-test'): Kafka {
  return new Kafka({ clientId, brokers: testInfra.kafkaBrokers, logLevel: logLevel.NOTHING, retry: { retries: 3 } });
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
  return messages;
}

/** Every message currently in the topic (up to the high watermark at call time). */
export async function readAll(topic: string, timeoutMs = 30_000): Promise<KafkaMessage[]> {
  const kafka = testKafka();
  const admin = kafka.admin();
  await admin.connect();
  const offsets = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  const total = offsets.reduce((sum, o) => sum + Number(BigInt(o.high) - BigInt(o.low)), 0);
  if (total === 0) return [];
  return readTopic(topic, { count: total, timeoutMs });
}

export function json<T = unknown>(message: KafkaMessage): T {
  return JSON.parse(message.value!.toString('utf8')) as T;
}
