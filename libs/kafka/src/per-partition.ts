import { Partitioners, type CompressionTypes, type Kafka, type Message, type Producer } from 'kafkajs';

/**
 * On a cluster of several brokers every produce request of libs/kafka goes to kafkajs one
 * topic-partition at a time (on a single broker it goes whole, see `singleBroker`).
 *
 * kafkajs 2.2.4 sends a request that spans several partition leaders as one produce per broker
 * and, on a retriable error of any of them, retries the request keeping the answers it already
 * got, per broker: after the metadata refresh that follows a lost broker, a partition whose new
 * leader is a broker that had already answered is not sent at all, and `send` resolves as if it
 * had been (tulios/kafkajs#1303, open); a partition that was written and now has a leader
 * without an answer is written again with a new sequence number, so the broker cannot see the
 * duplicate. In the cluster test that lost 3 of 940 acknowledged events from the fingerprint's
 * transactions (committed without them) and put 10-17 events of one transaction into
 * events.enriched twice, back to back. With one partition per request kafkajs's retry concerns
 * one broker at a time: nothing is skipped, and a retry reuses the sequence number, which the
 * broker recognises as a duplicate.
 */

export interface TopicMessages {
  topic: string;
  messages: Message[];
}

/**
 * The request as one request per topic-partition (first-seen order, message order kept inside
 * each), every message carrying its partition: the one kafkajs's default partitioner (murmur2 of
 * the key, Java-compatible) gives it for `partitionCount(topic)` partitions. Pure but for the
 * partitioner's spread of messages without a key.
 */
export function splitByPartition(request: TopicMessages[], partitionCount: (topic: string) => number, partitioner = Partitioners.DefaultPartitioner()): TopicMessages[] {
  const out = new Map<string, TopicMessages>();
  for (const { topic, messages } of request) {
    const count = partitionCount(topic);
    if (!Number.isInteger(count) || count < 1) throw new Error(`no partition count for topic ${topic}`);
    const partitionMetadata = Array.from({ length: count }, (_, partitionId) => ({ partitionId, leader: 0, replicas: [], isr: [], partitionErrorCode: 0 }));
    for (const message of messages) {
      const partition = partitioner({ topic, partitionMetadata, message });
      const key = `${topic}\u0000${partition}`;
      const group = out.get(key) ?? { topic, messages: [] };
      group.messages.push({ ...message, partition });
      out.set(key, group);
    }
  }
  return [...out.values()];
}

/** Partition counts of topics, read from the cluster and kept `ttlMs`; a failed refresh keeps the last count (counts only grow). */
export interface PartitionCounts {
  load(topics: string[]): Promise<void>;
  get(topic: string): number;
  /**
   * True when the cluster had one broker at the last refresh: kafkajs's retry then has one
   * broker to answer for, nothing to skip or repeat, and a request goes to it whole (one call per
   * partition cost 1.6-2x the time per send on the single broker).
   */
  singleBroker(): boolean;
}

export function createPartitionCounts(kafka: Kafka, ttlMs = 60_000): PartitionCounts {
  const known = new Map<string, { count: number; at: number }>();
  let brokers = 0;
  return {
    async load(topics) {
      const stale = [...new Set(topics)].filter((t) => (known.get(t)?.at ?? -Infinity) + ttlMs < Date.now());
      if (stale.length === 0) return;
      const admin = kafka.admin();
      try {
        await admin.connect();
        const { topics: meta } = await admin.fetchTopicMetadata({ topics: stale });
        brokers = (await admin.describeCluster()).brokers.length;
        for (const t of meta) if (t.partitions.length > 0) known.set(t.name, { count: t.partitions.length, at: Date.now() });
      } catch (err) {
        if (stale.some((t) => !known.has(t))) throw err;
      } finally {
        await admin.disconnect().catch(() => undefined);
      }
    },
    get(topic) {
      const found = known.get(topic);
      if (!found) throw new Error(`no partition count for topic ${topic}`);
      return found.count;
    },
    singleBroker: () => brokers === 1,
  };
}

/**
 * Sends the request through `producer` one topic-partition per kafkajs call, the partitions in
 * parallel; resolves when every one is acknowledged, and otherwise rejects with the first
 * failure once every call has ended (a transaction is never aborted under a send still running).
 */
export async function sendPerPartition(producer: Pick<Producer, 'send' | 'sendBatch'>, counts: PartitionCounts, request: TopicMessages[], options: { acks: number; compression: CompressionTypes }): Promise<void> {
  await counts.load(request.map((r) => r.topic));
  if (counts.singleBroker()) {
    await producer.sendBatch({ topicMessages: request, acks: options.acks, compression: options.compression });
    return;
  }
  const parts = splitByPartition(request, (topic) => counts.get(topic));
  const settled = await Promise.allSettled(parts.map((part) => producer.send({ topic: part.topic, messages: part.messages, acks: options.acks, compression: options.compression })));
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) throw failed.reason;
}
