import { CompressionTypes, Partitioners, type Kafka, type Message, type Producer } from 'kafkajs';
import { injectTraceHeaders } from '@sightline/telemetry';
import { createPartitionCounts, sendPerPartition } from './per-partition';

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
  /** The kafkajs producer now in use (a new one after a lost sequence, see `createProducer`). */
  readonly raw: Producer;
  /** Called with true on every connect and false on every disconnect, of whichever producer is in use. */
  onConnection(listener: (connected: boolean) => void): void;
}

/**
 * A send that did not reach Kafka: the records were fine, the cluster was not (a leader moving,
 * a broker gone; kafkajs even throws a TypeError from its partitioner while a topic's metadata is
 * being replaced). `retriable` makes every consumer retry the batch instead of sending its records
 * to the DLQ (libs/kafka/src/errors.ts), which would lose them from every projection.
 */
export class DeliveryFailedError extends Error {
  readonly retriable = true;
  /** The broker's error code, when it answered with one (kafkajs's `type`). */
  readonly type: string | undefined;
  constructor(cause: unknown) {
    super(`could not produce to Kafka: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'DeliveryFailedError';
    const type = (cause as { type?: unknown } | null)?.type;
    this.type = typeof type === 'string' ? type : undefined;
  }
}

/** Broker answers about the record itself (the same on every attempt): left as they are. */
const RECORD_REFUSALS = new Set(['MESSAGE_TOO_LARGE', 'RECORD_LIST_TOO_LARGE', 'INVALID_RECORD', 'CORRUPT_MESSAGE', 'INVALID_TIMESTAMP']);

export function asDeliveryFailure(err: unknown): unknown {
  const type = (err as { type?: unknown } | null)?.type;
  return typeof type === 'string' && RECORD_REFUSALS.has(type) ? err : new DeliveryFailedError(err);
}

/**
 * The broker refused a batch of an idempotent producer as out of sequence. kafkajs cannot
 * recover that producer (its sequence numbers stay ahead of the broker's, so every later send
 * fails the same way: seen when a partition leader was killed under load, tulios/kafkajs#598);
 * only a new producer id starts a fresh sequence.
 */
export function isLostSequence(err: unknown): boolean {
  for (let e = err as { type?: string; cause?: unknown; originalError?: unknown } | undefined, depth = 0; e && depth < 5; depth++) {
    if (e.type === 'OUT_OF_ORDER_SEQUENCE_NUMBER' || e.type === 'INVALID_PRODUCER_EPOCH' || e.type === 'UNKNOWN_PRODUCER_ID') return true;
    e = (e.cause ?? e.originalError) as typeof e;
  }
  return false;
}

/**
 * Messages as kafkajs takes them: JSON values (null stays a tombstone) and the active trace
 * context in the headers. One call has one active context, so it is injected once and the
 * carrier shared by every message without headers of its own (per-message injection was a
 * measurable share of produce CPU at tens of thousands of records per second).
 */
export function toKafkaMessages(messages: OutgoingMessage[]): Message[] {
  const trace = injectTraceHeaders({});
  const tracing = Object.keys(trace).length > 0;
  return messages.map((message) => ({
    key: message.key,
    // A string, not a Buffer: kafkajs writes strings straight into its request buffer, and one
    // small Buffer per record was ~9 % of the collector's CPU (allocation, copy, GC).
    value: message.value === null ? null : JSON.stringify(message.value),
    // A message's own trace headers (a request's context passed explicitly) win over the active one.
    headers: message.headers ? (tracing ? { ...trace, ...message.headers } : message.headers) : trace,
  }));
}

/**
 * Uncompressed bytes per produce request. The broker refuses a partition's record batch over
 * `max.message.bytes` (1 MB by default) measured after compression, and events near the 32 KB
 * limit with little redundancy hardly compress: a call is sent as consecutive requests below
 * this size, in order, so one large call can never be refused as a whole, forever.
 */
export const MAX_REQUEST_BYTES = 768 * 1024;

/**
 * Messages of one or several topics as consecutive requests of at most `maxBytes` each, in
 * order; a message larger than that goes alone.
 */
export function splitBatchesBySize(batches: Array<{ topic: string; messages: OutgoingMessage[] }>, maxBytes = MAX_REQUEST_BYTES): Array<Array<{ topic: string; messages: Message[] }>> {
  const requests: Array<Array<{ topic: string; messages: Message[] }>> = [];
  let request: Array<{ topic: string; messages: Message[] }> = [];
  let size = 0;
  for (const batch of batches) {
    for (const message of toKafkaMessages(batch.messages)) {
      const bytes = recordBytes(message);
      if (size > 0 && size + bytes > maxBytes) {
        requests.push(request);
        request = [];
        size = 0;
      }
      const last = request[request.length - 1];
      if (last?.topic === batch.topic) last.messages.push(message);
      else request.push({ topic: batch.topic, messages: [message] });
      size += bytes;
    }
  }
  if (size > 0) requests.push(request);
  return requests;
}

function recordBytes(message: Message): number {
  let bytes = 32 + (message.value ? Buffer.byteLength(message.value as string) : 0) + (message.key ? Buffer.byteLength(message.key as string) : 0);
  for (const [name, value] of Object.entries(message.headers ?? {})) bytes += name.length + String(value).length + 4;
  return bytes;
}

/**
 * Idempotent producer with acks from all in-sync replicas: a resolved `send` is the promise
 * behind every 2xx and every committed offset.
 */
export function createProducer(kafka: Kafka, options: { transactionalId?: string; compression?: boolean } = {}): DurableProducer {
  // The default (murmur2, Java-compatible) partitioner keeps a key on the partition any Kafka
  // client would choose; naming it silences kafkajs's v2 migration warning.
  const listeners: Array<(connected: boolean) => void> = [];
  const make = () => {
    const made = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 5,
      allowAutoTopicCreation: true,
      transactionalId: options.transactionalId,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    made.on(made.events.CONNECT, () => listeners.forEach((l) => l(true)));
    made.on(made.events.DISCONNECT, () => listeners.forEach((l) => l(false)));
    return made;
  };
  let producer = make();
  // One partition per kafkajs call (per-partition.ts): kafkajs's retry of a request spanning several leaders can skip or repeat partitions.
  const partitionCounts = createPartitionCounts(kafka);
  const compression = options.compression === false ? CompressionTypes.None : CompressionTypes.GZIP;
  let started = false;
  /** The connect of a replacement producer: every send waits for it, and a failed one is tried again by the next send. */
  let connecting: Promise<void> | null = null;
  async function connected(): Promise<Producer> {
    while (connecting) {
      const pending = connecting;
      try {
        await pending;
        if (connecting === pending) connecting = null;
      } catch (err) {
        if (connecting === pending) connecting = null;
        if (started) {
          connecting = producer.connect();
          connecting.catch(() => undefined);
        }
        throw err;
      }
    }
    return producer;
  }
  /**
   * Runs a send; when the broker says the producer lost its sequence, replaces the producer
   * (new producer id, sequences from 0) and rethrows, so the caller's retry — a 503 to the
   * client, a redelivered batch — goes out on a producer that can succeed. The replacement
   * connects in the background: sends wait for it, and a connect that failed (the cluster still
   * electing) is tried again by the next send instead of leaving an unconnected producer in use.
   */
  async function guarded(work: (p: Producer) => Promise<unknown>) {
    let current: Producer | undefined;
    try {
      current = await connected();
      await work(current);
    } catch (caught) {
      const err = asDeliveryFailure(caught);
      // A transactional producer is not replaced: its epoch errors mean another instance fenced it.
      // A TypeError from inside kafkajs (its partitioner reading metadata that a leader change
      // replaced) is its state gone wrong, not the record's: a new producer starts clean too.
      const broken = isLostSequence(err) || caught instanceof TypeError;
      if (current && started && !options.transactionalId && broken && producer === current) {
        producer = make();
        connecting = current
          .disconnect()
          .catch(() => undefined)
          .then(() => producer.connect());
        connecting.catch(() => undefined);
      }
      throw err;
    }
  }
  return {
    get raw() {
      return producer;
    },
    onConnection(listener) {
      listeners.push(listener);
    },
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
      for (const request of splitBatchesBySize([{ topic, messages }])) await guarded((p) => sendPerPartition(p, partitionCounts, request, { acks: -1, compression }));
    },
    async sendBatch(batches) {
      for (const request of splitBatchesBySize(batches)) await guarded((p) => sendPerPartition(p, partitionCounts, request, { acks: -1, compression }));
    },
  };
}
