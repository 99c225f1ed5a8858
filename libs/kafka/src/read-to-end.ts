import { randomUUID } from 'node:crypto';
import type { Kafka, KafkaMessage } from 'kafkajs';
import { installAbortedRecordsFix } from './aborted-records';
import { fetchTopicOffsets } from './client';

/**
 * Every committed record of `topic` up to its high watermark at call time, read with a throw-away
 * group (deleted after), in no particular order across partitions. For topics written in Kafka
 * transactions too: their commit/abort markers take offsets but are never delivered, so this
 * reads (read-committed, kafkajs's default) until each partition's consumed position, markers
 * and aborted records included, reaches the watermark; it waits while an open transaction holds
 * a partition back. A record the reader gets twice (its group rebalancing right after it
 * started) is returned once. The DLQ commands of the CLI and the tests read topics this way.
 */
export async function readToEnd(kafka: Kafka, topic: string, options: { timeoutMs?: number; groupId?: string } = {}): Promise<Array<{ partition: number; message: KafkaMessage }>> {
  const offsets = await fetchTopicOffsets(kafka, topic);
  const pending = new Map(offsets.filter((o) => BigInt(o.high) > BigInt(o.low)).map((o) => [o.partition, BigInt(o.high) - 1n]));
  if (pending.size === 0) return [];
  const highs = new Map(offsets.map((o) => [o.partition, BigInt(o.high)]));
  const groupId = options.groupId ?? `read-to-end-${randomUUID()}`;
  installAbortedRecordsFix();
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100 });
  const records = new Map<string, { partition: number; message: KafkaMessage }>();
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`read ${records.size} committed records of ${topic}; partitions ${[...pending.keys()].join(',')} not at their high watermark`)), options.timeoutMs ?? 30_000);
      // Emitted for every fetched batch, also one holding only markers or aborted records.
      consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
        const last = pending.get(payload.partition);
        if (last !== undefined && BigInt(payload.lastOffset) >= last) pending.delete(payload.partition);
        if (pending.size === 0) {
          clearTimeout(timer);
          resolve();
        }
      });
      consumer
        .run({
          eachMessage: async ({ partition, message }) => {
            if (BigInt(message.offset) < (highs.get(partition) ?? 0n)) records.set(`${partition}:${message.offset}`, { partition, message });
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
    const admin = kafka.admin();
    await admin.connect().then(() => admin.deleteGroups([groupId])).catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
  }
  return [...records.values()];
}
