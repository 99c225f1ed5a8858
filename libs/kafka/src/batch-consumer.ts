import type { z } from 'zod';
import type { Consumer, EachBatchPayload, IHeaders, Kafka, KafkaMessage } from 'kafkajs';
import { createTransactionalSenders, type BatchSender } from './transactional';
import { counter, extractTraceContext, withSpan, type Context, type Logger } from '@sightline/telemetry';
import type { DurableProducer } from './producer';
import { isRetriable, type HandlerResult } from './results';
import { scrubDlqKey, scrubDlqPayload } from './dlq-scrub';

export interface ConsumedItem<T> {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: T;
  headers: IHeaders;
  timestamp: string;
}

export type DecodeResult<T> = { ok: true; value: T } | { ok: false; reason: string };

export interface BatchContext {
  heartbeat(): Promise<void>;
  logger: Logger;
  /**
   * Where the batch's output goes: with `transactionalOutput`, into the batch's transaction
   * (visible to read-committed consumers only together with the committed input offsets);
   * otherwise the options' producer.
   */
  producer: BatchSender;
}

export interface BatchConsumerOptions<T> {
  kafka: Kafka;
  groupId: string;
  topics: string[];
  fromBeginning?: boolean;
  /** Where poison messages go, with their original bytes (request facts scrubbed, see dlq-scrub) and the reason. */
  dlqTopic: string;
  producer: DurableProducer;
  logger: Logger;
  decode(message: KafkaMessage, topic: string): DecodeResult<T>;
  /**
   * Does the batch's side effects and resolves when they are durable. Returns one result per
   * item (same order), or nothing when all are ok. Throwing means "retry the whole batch".
   */
  handleBatch(items: ConsumedItem<T>[], ctx: BatchContext): Promise<HandlerResult[] | void>;
  retry?: { attempts: number; backoffMs: number };
  partitionsConsumedConcurrently?: number;
  maxBytesPerPartition?: number;
  sessionTimeoutMs?: number;
  /**
   * Exactly-once output: each batch's produced records, its DLQ records and its input offsets
   * are one Kafka transaction, so a crash between produce and commit leaves nothing visible to
   * read-committed consumers (kafkajs's default) and the redelivered batch is the only copy.
   * `transactionalId` must be stable per instance and unique across instances; one producer
   * per concurrent partition is created as `<transactionalId>-<slot>`. Off by default.
   */
  transactionalOutput?: { transactionalId: string; transactionTimeoutMs?: number };
}

type Reject = { message: KafkaMessage; partition: number; topic: string; reason: string };

export interface BatchConsumer {
  start(): Promise<void>;
  /** Stops fetching, lets the current batch finish and commit, then leaves the group. */
  stop(): Promise<void>;
  /** True when the consume loop ran within `withinMs` (health means the loop is alive, not the socket). */
  isHealthy(withinMs?: number): boolean;
  consumer: Consumer;
}

const processed = counter<'group' | 'topic' | 'result'>({
  name: 'sightline_consumer_messages_total',
  help: 'Messages handled by a consumer, by result (ok, dlq, drop).',
  labelNames: ['group', 'topic', 'result'],
});
const batchRetries = counter<'group' | 'topic'>({
  name: 'sightline_consumer_batch_retries_total',
  help: 'Batches retried after a retriable failure.',
  labelNames: ['group', 'topic'],
});

/**
 * The batch's span continues the trace of its first message (a span has one parent; records a
 * handler makes from later messages carry those messages' own headers, see traceHeadersOf).
 * Read once per batch, not per message.
 */
function batchParent(items: ConsumedItem<unknown>[]): Context | undefined {
  return items.length ? extractTraceContext(items[0]!.headers as Record<string, Buffer | string | undefined>) : undefined;
}

/**
 * JSON decode + zod parse, the usual `decode` for a topic contract. `isPlain`, when given, is a
 * cheaper check that accepts only values the schema would return unchanged; those skip zod.
 */
export function jsonDecoder<S extends z.ZodType>(schema: S, isPlain?: (value: unknown) => value is z.infer<S>) {
  return (message: KafkaMessage): DecodeResult<z.infer<S>> => {
    if (!message.value) return { ok: false, reason: 'empty value' };
    let data: unknown;
    try {
      data = JSON.parse(message.value.toString('utf8'));
    } catch (err) {
      return { ok: false, reason: `invalid JSON: ${(err as Error).message}` };
    }
    if (isPlain?.(data)) return { ok: true, value: data };
    const parsed = schema.safeParse(data);
    return parsed.success ? { ok: true, value: parsed.data } : { ok: false, reason: `schema: ${parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}` };
  };
}

/**
 * The one consume loop of every service: eachBatch with auto-commit off; decode, hand the
 * batch to the service, send rejects to the DLQ, and only then commit the batch's offset.
 */
export function createBatchConsumer<T>(options: BatchConsumerOptions<T>): BatchConsumer {
  const consumer = options.kafka.consumer({
    groupId: options.groupId,
    sessionTimeout: options.sessionTimeoutMs ?? 30000,
    heartbeatInterval: 3000,
    maxBytesPerPartition: options.maxBytesPerPartition ?? 4 * 1024 * 1024,
    maxWaitTimeInMs: 100,
    allowAutoTopicCreation: true,
  });
  const retry = options.retry ?? { attempts: 5, backoffMs: 200 };
  const log = options.logger.child({ group: options.groupId });
  let lastLoopAt = 0;
  let idle = false;
  let running = false;

  const transactional = options.transactionalOutput
    ? createTransactionalSenders(options.kafka, { ...options.transactionalOutput, slots: options.partitionsConsumedConcurrently ?? 2 })
    : null;

  async function sendToDlq(rejects: Reject[], sender: BatchSender = options.producer) {
    if (rejects.length === 0) return;
    await sender.send(
      options.dlqTopic,
      rejects.map((r) => {
        const payload = scrubDlqPayload(r.message.value);
        return {
          key: scrubDlqKey(r.message.key?.toString('utf8') ?? null),
          value: {
            topic: r.topic,
            partition: r.partition,
            offset: r.message.offset,
            error: r.reason,
            consumerGroup: options.groupId,
            failedAt: new Date().toISOString(),
            payloadBase64: payload.value ? payload.value.toString('base64') : null,
            ...(payload.scrubbed.length ? { scrubbed: payload.scrubbed } : {}),
          },
          headers: { 'x-dlq-reason': r.reason.slice(0, 500), 'x-dlq-source-topic': r.topic, 'x-dlq-source-partition': String(r.partition), 'x-dlq-source-offset': r.message.offset },
        };
      }),
    );
    for (const r of rejects) log.warn({ topic: r.topic, partition: r.partition, offset: r.message.offset, reason: r.reason }, 'message_to_dlq');
  }

  async function retryOrThrow(err: unknown, attempt: number, payload: EachBatchPayload): Promise<void> {
    if (!isRetriable(err) || attempt >= retry.attempts || !payload.isRunning()) throw err;
    batchRetries.inc({ group: options.groupId, topic: payload.batch.topic });
    const delay = Math.min(retry.backoffMs * 2 ** attempt, 10_000);
    log.warn({ err, attempt, delay, topic: payload.batch.topic, partition: payload.batch.partition }, 'batch_retry');
    await new Promise((r) => setTimeout(r, delay));
    await payload.heartbeat();
  }

  async function handleWithRetry(items: ConsumedItem<T>[], payload: EachBatchPayload): Promise<HandlerResult[] | void> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await options.handleBatch(items, { heartbeat: payload.heartbeat, logger: log, producer: options.producer });
      } catch (err) {
        await retryOrThrow(err, attempt, payload);
      }
    }
  }

  /** Moves the handler's dlq/drop results into `rejects` and the counts. */
  function classify(payload: EachBatchPayload, items: ConsumedItem<T>[], results: HandlerResult[] | void, rejects: Reject[]): { ok: number; drop: number } {
    const { batch } = payload;
    let okCount = items.length;
    let dropCount = 0;
    (results ?? []).forEach((result, i) => {
      const item = items[i]!;
      if (result.kind === 'dlq') {
        okCount--;
        const message = batch.messages.find((m) => m.offset === item.offset)!;
        rejects.push({ message, partition: batch.partition, topic: batch.topic, reason: result.reason });
      } else if (result.kind === 'drop') {
        okCount--;
        dropCount++;
        log.debug({ offset: item.offset, reason: result.reason }, 'message_dropped');
      }
    });
    return { ok: okCount, drop: dropCount };
  }

  function count(topic: string, counts: { ok: number; drop: number }, dlqCount: number): void {
    processed.inc({ group: options.groupId, topic, result: 'ok' }, counts.ok);
    if (dlqCount) processed.inc({ group: options.groupId, topic, result: 'dlq' }, dlqCount);
    if (counts.drop) processed.inc({ group: options.groupId, topic, result: 'drop' }, counts.drop);
  }

  /**
   * One transaction per attempt: the handler's output, the DLQ records and the input offsets
   * commit together or not at all. A failed attempt is aborted, so a retry (or, after a crash,
   * the next owner of the partition) starts from nothing visible.
   */
  async function eachBatchInTransaction(payload: EachBatchPayload, items: ConsumedItem<T>[], decodeRejects: Reject[]): Promise<void> {
    const { batch } = payload;
    const last = batch.lastOffset();
    for (let attempt = 0; ; attempt++) {
      const rejects = [...decodeRejects];
      try {
        const committed = await transactional!.run(async (tx) => {
          const results = items.length
            ? await withSpan(`consume ${batch.topic}`, () => options.handleBatch(items, { heartbeat: payload.heartbeat, logger: log, producer: tx }), { 'messaging.batch.message_count': items.length, 'messaging.destination.partition.id': batch.partition }, batchParent(items))
            : undefined;
          const counts = classify(payload, items, results, rejects);
          await sendToDlq(rejects, tx);
          // Another member owns the partition now: abort rather than commit output it will redo.
          if (payload.isStale()) return null;
          await tx.sendOffsets({ consumerGroupId: options.groupId, topics: [{ topic: batch.topic, partitions: [{ partition: batch.partition, offset: (BigInt(last) + 1n).toString() }] }] });
          return counts;
        });
        if (committed) count(batch.topic, committed, rejects.length);
        if (committed && !payload.isStale()) payload.resolveOffset(last);
        lastLoopAt = Date.now();
        return;
      } catch (err) {
        await retryOrThrow(err, attempt, payload);
      }
    }
  }

  async function eachBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    lastLoopAt = Date.now();
    if (batch.messages.length === 0) return;
    const items: ConsumedItem<T>[] = [];
    const rejects: Reject[] = [];
    for (const message of batch.messages) {
      const decoded = options.decode(message, batch.topic);
      if (!decoded.ok) {
        rejects.push({ message, partition: batch.partition, topic: batch.topic, reason: decoded.reason });
        continue;
      }
      items.push({
        topic: batch.topic,
        partition: batch.partition,
        offset: message.offset,
        key: message.key?.toString('utf8') ?? null,
        value: decoded.value,
        headers: message.headers ?? {},
        timestamp: message.timestamp,
      });
    }
    if (transactional) return eachBatchInTransaction(payload, items, rejects);
    const parent = batchParent(items);
    const results = items.length
      ? await withSpan(`consume ${batch.topic}`, () => handleWithRetry(items, payload), { 'messaging.batch.message_count': items.length, 'messaging.destination.partition.id': batch.partition }, parent)
      : undefined;
    const counts = classify(payload, items, results, rejects);
    await sendToDlq(rejects);
    count(batch.topic, counts, rejects.length);

    // A rebalance while we worked: another member owns the partition now and will replay; the
    // projections are idempotent, so not committing is safe and committing would be refused.
    if (payload.isStale()) return;
    const last = batch.lastOffset();
    payload.resolveOffset(last);
    await consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: (BigInt(last) + 1n).toString() }]);
    lastLoopAt = Date.now();
  }

  return {
    consumer,
    async start() {
      await consumer.connect();
      for (const topic of options.topics) await consumer.subscribe({ topic, fromBeginning: options.fromBeginning ?? true });
      consumer.on(consumer.events.FETCH_START, () => {
        lastLoopAt = Date.now();
      });
      // A member with nothing assigned (more members than partitions) has no loop to prove.
      consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
        idle = Object.values(payload.memberAssignment).every((partitions) => partitions.length === 0);
      });
      await transactional?.start();
      running = true;
      lastLoopAt = Date.now();
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: options.partitionsConsumedConcurrently ?? 2,
        eachBatch,
      });
    },
    async stop() {
      if (!running) return;
      running = false;
      await consumer.disconnect();
      await transactional?.stop();
    },
    isHealthy(withinMs = 30_000) {
      return running && (idle || Date.now() - lastLoopAt < withinMs);
    },
  };
}
