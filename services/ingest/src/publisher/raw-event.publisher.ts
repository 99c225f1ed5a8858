import type { DurableProducer, OutgoingMessage } from '@sightline/kafka';
import { counter, histogram, type Logger } from '@sightline/telemetry';

export class PublishUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PublishUnavailableError';
  }
}

export interface PublisherOptions {
  /** Made again after an error that leaves an idempotent producer unusable (fenced, unknown producer id). */
  createProducer(): DurableProducer;
  topic: string;
  logger: Logger;
  ackTimeoutMs: number;
  maxDelayMs: number;
  maxMessages: number;
  maxPending: number;
  maxInFlight?: number;
}

export interface RawEventPublisher {
  start(): Promise<void>;
  /** Sends what is queued, waits for what is in flight, then disconnects. */
  stop(): Promise<void>;
  /** Resolves when Kafka acknowledged every message (acks=-1); rejects with PublishUnavailableError past the deadline. */
  publish(messages: OutgoingMessage[]): Promise<void>;
  isHealthy(): boolean;
}

interface Entry {
  messages: OutgoingMessage[];
  resolve(): void;
  reject(err: Error): void;
  /** Set when the request gave up; a cancelled entry not yet sent is never sent. */
  settled: boolean;
}

const flushes = histogram<'result'>({
  name: 'sightline_ingest_flush_seconds',
  help: 'Time from a coalesced producer call to its acknowledgement.',
  labelNames: ['result'],
  buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
});
const published = counter<'result'>({
  name: 'sightline_ingest_events_published_total',
  help: 'Events handed to Kafka, by result (acked, failed, timeout, refused).',
  labelNames: ['result'],
});

/** How long a failed send keeps /readyz red when no later send succeeded. */
const FAILURE_MEMORY_MS = 10_000;

const producerFatal = /UNKNOWN_PRODUCER_ID|INVALID_PRODUCER_EPOCH|OUT_OF_ORDER_SEQUENCE|PRODUCER_FENCED|InvalidProducerEpoch|OutOfOrderSequence/i;

/**
 * Coalesces concurrent requests into one producer call per few milliseconds (or per
 * `maxMessages`), so that waiting for acks=-1 costs latency, not throughput. Every caller
 * gets its own deadline: Kafka slow or down means 503, never a silent 2xx.
 */
export function createRawEventPublisher(options: PublisherOptions): RawEventPublisher {
  const log = options.logger.child({ component: 'publisher' });
  // kafkajs serialises an idempotent producer's requests per broker (a mutex around the
  // sequence numbers), so more calls in flight only split batches; one in flight means
  // everything that arrives meanwhile goes out together in the next call (group commit).
  const maxInFlight = options.maxInFlight ?? 1;
  let producer = options.createProducer();
  let queue: Entry[] = [];
  let queuedMessages = 0;
  let inFlight = 0;
  let timer: NodeJS.Timeout | undefined;
  let lastSuccessAt = Date.now();
  let lastFailureAt = 0;
  const inFlightSince = new Map<number, number>();
  let sendSeq = 0;
  let replacing: Promise<void> | null = null;
  let idle: (() => void) | null = null;

  function schedule() {
    if (queuedMessages >= options.maxMessages) return flush();
    if (!timer) timer = setTimeout(flush, options.maxDelayMs);
  }

  function take(): Entry[] {
    const batch: Entry[] = [];
    let count = 0;
    while (queue.length && (count === 0 || count + queue[0]!.messages.length <= options.maxMessages)) {
      const entry = queue.shift()!;
      queuedMessages -= entry.messages.length;
      if (entry.settled) continue;
      batch.push(entry);
      count += entry.messages.length;
    }
    return batch;
  }

  function flush() {
    if (timer) clearTimeout(timer);
    timer = undefined;
    while (inFlight < maxInFlight && queue.length) {
      const batch = take();
      if (batch.length) void send(batch);
    }
    if (queue.length && !timer) timer = setTimeout(flush, options.maxDelayMs);
  }

  async function replaceProducer() {
    const old = producer;
    producer = options.createProducer();
    await old.stop().catch(() => undefined);
    await producer.start();
  }

  async function send(batch: Entry[]) {
    inFlight++;
    const started = Date.now();
    const seq = sendSeq++;
    inFlightSince.set(seq, started);
    const messages = batch.flatMap((e) => e.messages);
    try {
      if (replacing) await replacing;
      await producer.send(options.topic, messages);
      lastSuccessAt = Date.now();
      flushes.observe({ result: 'acked' }, (Date.now() - started) / 1000);
      for (const entry of batch) entry.resolve();
    } catch (err) {
      lastFailureAt = Date.now();
      flushes.observe({ result: 'failed' }, (Date.now() - started) / 1000);
      log.warn({ err, messages: messages.length }, 'publish_failed');
      if (producerFatal.test(String((err as Error)?.message) + String((err as { type?: string })?.type)) && !replacing) {
        replacing = replaceProducer().finally(() => (replacing = null));
      }
      for (const entry of batch) entry.reject(new PublishUnavailableError('Kafka did not acknowledge the events'));
    } finally {
      inFlight--;
      inFlightSince.delete(seq);
      if (queue.length) flush();
      else if (inFlight === 0 && idle) {
        idle();
        idle = null;
      }
    }
  }

  return {
    async start() {
      await producer.start();
    },
    async stop() {
      flush();
      if (inFlight > 0 || queue.length) {
        await new Promise<void>((resolve) => {
          idle = resolve;
        });
      }
      await producer.stop();
    },
    publish(messages) {
      if (messages.length === 0) return Promise.resolve();
      if (queuedMessages + messages.length > options.maxPending) {
        published.inc({ result: 'refused' }, messages.length);
        return Promise.reject(new PublishUnavailableError('too many events are waiting for Kafka'));
      }
      return new Promise<void>((resolve, reject) => {
        const deadline = setTimeout(() => {
          if (entry.settled) return;
          entry.settled = true;
          published.inc({ result: 'timeout' }, messages.length);
          reject(new PublishUnavailableError(`Kafka did not acknowledge within ${options.ackTimeoutMs} ms`));
        }, options.ackTimeoutMs);
        const entry: Entry = {
          messages,
          settled: false,
          resolve() {
            if (entry.settled) return;
            entry.settled = true;
            clearTimeout(deadline);
            published.inc({ result: 'acked' }, messages.length);
            resolve();
          },
          reject(err) {
            if (entry.settled) return;
            entry.settled = true;
            clearTimeout(deadline);
            published.inc({ result: 'failed' }, messages.length);
            reject(err);
          },
        };
        queue.push(entry);
        queuedMessages += messages.length;
        schedule();
      });
    },
    isHealthy() {
      const now = Date.now();
      for (const since of inFlightSince.values()) if (now - since > options.ackTimeoutMs) return false;
      // A failure counts until a later success, or for a while when no traffic comes to prove recovery.
      return lastSuccessAt >= lastFailureAt || now - lastFailureAt > FAILURE_MEMORY_MS;
    },
  };
}
