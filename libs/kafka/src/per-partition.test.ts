import { Partitioners, type Message } from 'kafkajs';
import { splitByPartition } from './per-partition';

// kafkajs's own grouping of a request's messages by partition, as its send does it.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const groupMessagesPerPartition = require('kafkajs/src/producer/groupMessagesPerPartition') as (args: { topic: string; partitionMetadata: unknown[]; messages: Message[]; partitioner: unknown }) => Record<string, Message[]>;

const metadata = (n: number) => Array.from({ length: n }, (_, partitionId) => ({ partitionId, leader: partitionId % 3, replicas: [], isr: [], partitionErrorCode: 0 }));

describe('splitByPartition', () => {
  const messages = (topic: string, n: number): Message[] => Array.from({ length: n }, (_, i) => ({ key: `visitor-${i % 37}`, value: `${topic}-${i}` }));

  it('makes one request per topic-partition, each message on the partition kafkajs would pick, in order, none lost or repeated', () => {
    const raw = messages('raw', 200);
    const dlq = messages('dlq', 30);
    const parts = splitByPartition([{ topic: 'raw', messages: raw }, { topic: 'dlq', messages: dlq }], (t) => (t === 'raw' ? 4 : 1));
    // Each request one topic and one partition, stated on every message.
    for (const part of parts) expect(new Set(part.messages.map((m) => m.partition)).size).toBe(1);
    expect(parts.map((p) => `${p.topic}:${p.messages[0]!.partition}`).sort()).toEqual(['dlq:0', 'raw:0', 'raw:1', 'raw:2', 'raw:3']);
    // The same grouping as kafkajs's own for 4 partitions, order kept inside each partition.
    const kafkajs = groupMessagesPerPartition({ topic: 'raw', partitionMetadata: metadata(4), messages: raw, partitioner: Partitioners.DefaultPartitioner() });
    for (const [partition, expected] of Object.entries(kafkajs)) {
      const part = parts.find((p) => p.topic === 'raw' && p.messages[0]!.partition === Number(partition))!;
      expect(part.messages.map((m) => m.value)).toEqual(expected.map((m) => m.value));
    }
    // Every message exactly once.
    expect(parts.flatMap((p) => p.messages.map((m) => m.value)).sort()).toEqual([...raw, ...dlq].map((m) => m.value).sort());
  });

  it('keeps a key on one partition and spreads messages without a key over all of them', () => {
    const keyless = Array.from({ length: 40 }, (_, i) => ({ key: null, value: `v${i}` }));
    const parts = splitByPartition([{ topic: 't', messages: [...keyless, { key: 'a', value: 'a1' }, { key: 'a', value: 'a2' }] }], () => 4);
    expect(parts.filter((p) => p.messages.some((m) => m.key === 'a'))).toHaveLength(1);
    expect(parts.length).toBe(4);
  });

  it('refuses a topic without a partition count', () => {
    expect(() => splitByPartition([{ topic: 'unknown', messages: [{ key: 'k', value: 'v' }] }], () => 0)).toThrow('no partition count for topic unknown');
  });
});
