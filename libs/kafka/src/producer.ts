import { CompressionTypes, Partitioners, type Kafka, type Message, type Producer } from 'kafkajs';
import { injectTraceHeaders } from '@sightline/telemetry';

export interface OutgoingMessage {
  key: string | null;
  value: unknown;
  headers?: Record<string, string>;
}

export interface DurableProducer {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Resolves once every in-sync replica has the records (acks=-1); JSON-encodes values, null stays a tombstone. */
  send(topic: string, messages: OutgoingMessage[]): Promise<void>;
  /** Several topics in one request. */
  sendBatch(batches: Array<{ topic: string; messages: OutgoingMessage[] }>): Promise<void>;
  raw: Producer;
}

export function toKafkaMessage(message: OutgoingMessage): Message {
  return {
    key: message.key,
    value: message.value === null ? null : Buffer.from(JSON.stringify(message.value)),
    headers: injectTraceHeaders({ ...(message.headers ?? {}) }),
  };
}

/**
 * Idempotent producer with acks from all in-sync replicas: a resolved `send` is the promise
 * behind every 2xx and every committed offset.
 */
export function createProducer(kafka: Kafka, options: { transactionalId?: string; compression?: boolean } = {}): DurableProducer {
  // The default (murmur2, Java-compatible) partitioner keeps a key on the partition any Kafka
  // client would choose; naming it silences kafkajs's v2 migration warning.
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 5,
    allowAutoTopicCreation: true,
    transactionalId: options.transactionalId,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  const compression = options.compression === false ? CompressionTypes.None : CompressionTypes.GZIP;
  let started = false;
  return {
    raw: producer,
    async start() {
      if (started) return;
      await producer.connect();
      started = true;
    },
    async stop() {
      if (!started) return;
      started = false;
      await producer.disconnect();
    },
    async send(topic, messages) {
      if (messages.length === 0) return;
      await producer.send({ topic, acks: -1, compression, messages: messages.map(toKafkaMessage) });
    },
    async sendBatch(batches) {
      const topicMessages = batches.filter((b) => b.messages.length > 0).map((b) => ({ topic: b.topic, messages: b.messages.map(toKafkaMessage) }));
      if (topicMessages.length === 0) return;
      await producer.sendBatch({ acks: -1, compression, topicMessages });
    },
  };
}
