import type { z } from 'zod';
import type { Consumer, EachBatchPayload, IHeaders, Kafka, KafkaMessage } from 'kafkajs';
import { installAbortedRecordsFix } from './aborted-records';
import { createPartitionProgress } from './partition-progress';
import { CommitOutcomeUnknownError, createTransactionalSenders, type BatchSender } from './transactional';
import { counter, extractTraceContext, withSpan, type Context, type Logger } from '@sightline/telemetry';
import type { DurableProducer } from './producer';
import type { HandlerResult } from './results';
import { classifyError, type ErrorClass } from './errors';
import { DECODE_ERROR, REJECTED, dlqRecord, isRedriveForOtherGroup, type Reject } from './dlq';

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
   * item (same order), or nothing when all are ok. Throwing a transient error (errors.ts) means
   * "retry the whole batch" (up to `retry.attempts`, then the consumer restarts and the partition
   * waits); any other error sends the records that fail alone to the DLQ at once: the batch is
   * handled again one record at a time, so the handler must be idempotent (every one is).
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

export interface BatchConsumer {
  start(): Promise<void>;
  /** Stops fetching, lets the current batch finish and commit, then leaves the group. */
  stop(): Promise<void>;
  /** True when the consume loop ran within `withinMs` (health means the loop is alive, not the socket). */
  isHealthy(withinMs?: number): boolean;
  /** The partitions this member was assigned at its last join, by topic. */
  assignment(): Record<string, number[]>;
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

/** A handler broke its contract (a result count that is not the item count): a bug, not bad data. */
export class HandlerContractError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HandlerContractError';
  }
}

/** The handler's results for `count` items: nothing (all ok) or exactly one per item; anything else throws. */
export function checkResults(results: HandlerResult[] | void, count: number): HandlerResult[] | void {
  if (results === undefined) return undefined;
  if (!Array.isArray(results) || results.length !== count) {
    throw new HandlerContractError(`handleBatch returned ${Array.isArray(results) ? results.length : typeof results} results for ${count} items`);
  }
  return results;
}

/** Delay before retry `attempt` (0-based) of a transient failure: doubling from `baseMs`, at most 10 s. */
export function backoffMs(attempt: number, baseMs: number): number {
  return Math.min(baseMs * 2 ** attempt, 10_000);
}

/** A failure the batch is handled again record by record for: not transient, not our bug. */
export function isPoisonFailure(err: unknown): boolean {
  return !(err instanceof HandlerContractError) && !classifyError(err).transient;
}

/** The DLQ result of a record whose handler threw `error`. */
export function dlqResultOf(error: ErrorClass): HandlerResult {
  return { kind: 'dlq', reason: error.reason, error: { name: error.name, code: error.code } };
}

/**
 * The items of a batch still to handle when the group's committed offset for its partition is
 * `committed` (the next offset to read; null when the group has none): those at or past it.
 */
export function itemsFrom<I extends { offset: string }>(items: I[], committed: string | null): I[] {
  if (committed === null) return items;
  const next = BigInt(committed);
  return items.filter((item) => BigInt(item.offset) >= next);
}

/**
 * Whether the batch consumer restarts kafkajs's consumer itself after a crash: kafkajs restarts
 * only when the crash's innermost cause is retriable, so a batch that failed for good on a
 * protocol error kafkajs calls not retriable (a transaction state, a coordinator moving) would
 * leave the partition unconsumed, the process alive and every record behind it waiting.
 */
export function needsOwnRestart(crash: { restart: boolean }, running: boolean): boolean {
  return running && !crash.restart;
}

/** Delay before the batch consumer's own restart number `attempt` (0-based) after a crash: 1 s doubling, at most 30 s. */
export function restartDelayMs(attempt: number): number {
  return Math.min(1000 * 2 ** attempt, 30_000);
}

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
  installAbortedRecordsFix();
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

  let assigned: Record<string, number[]> = {};
  /**
   * Partitions whose last transaction's commit got no answer, with the offset it would have
   * committed: it may have committed, and its output must not be produced a second time.
   */
  const uncertain = new Map<string, string>();
  const progress = createPartitionProgress();

  /** The group's committed offset (the next to read) of one partition, null when none. */
  async function committedOffset(topic: string, partition: number): Promise<string | null> {
    const admin = options.kafka.admin();
    await admin.connect();
    try {
      const [found] = await admin.fetchOffsets({ groupId: options.groupId, topics: [topic] });
      const offset = found?.partitions.find((p) => p.partition === partition)?.offset;
      return offset === undefined || offset === '-1' ? null : offset;
    } finally {
      await admin.disconnect();
    }
  }

  /**
   * After a commit without an answer: once the transactional producers settled (the broker
   * finished that transaction either way), the group's committed offset of the partition
   * (null: none). Undefined when no commit of the partition is in doubt.
   */
  async function settleUncertain(topic: string, partition: number): Promise<string | null | undefined> {
    const key = `${topic}:${partition}`;
    if (!uncertain.has(key)) return undefined;
    await transactional!.settle();
    const committed = await committedOffset(topic, partition);
    log.warn({ topic, partition, committed, wouldHaveCommitted: uncertain.get(key) }, 'uncertain_commit_settled');
    uncertain.delete(key);
    return committed;
  }

  async function sendToDlq(rejects: Reject[], sender: BatchSender = options.producer) {
    if (rejects.length === 0) return;
    const now = new Date();
    await sender.send(
      options.dlqTopic,
      rejects.map((r) => dlqRecord(r, options.groupId, now)),
    );
    for (const r of rejects) log.warn({ topic: r.topic, partition: r.partition, offset: r.message.offset, reason: r.reason, error: r.error.name, code: r.error.code }, 'message_to_dlq');
  }

  /** Waits before the next attempt of a transient failure; throws anything else, and the last one. */
  async function retryOrThrow(err: unknown, attempt: number, payload: EachBatchPayload): Promise<void> {
    if (isPoisonFailure(err) || err instanceof HandlerContractError || attempt >= retry.attempts || !payload.isRunning()) throw err;
    batchRetries.inc({ group: options.groupId, topic: payload.batch.topic });
    const delay = backoffMs(attempt, retry.backoffMs);
    log.warn({ err, attempt, delay, topic: payload.batch.topic, partition: payload.batch.partition }, 'batch_retry');
    await new Promise((r) => setTimeout(r, delay));
    await payload.heartbeat();
  }

  async function handleWithRetry(items: ConsumedItem<T>[], payload: EachBatchPayload): Promise<HandlerResult[] | void> {
    for (let attempt = 0; ; attempt++) {
      try {
        return checkResults(await options.handleBatch(items, { heartbeat: payload.heartbeat, logger: log, producer: options.producer }), items.length);
      } catch (err) {
        await retryOrThrow(err, attempt, payload);
      }
    }
  }

  /**
   * The batch's results; when the handler fails for good (not transient), the batch again one
   * record at a time, and a record that fails alone gets a DLQ result with its error.
   */
  async function handleIsolating(items: ConsumedItem<T>[], payload: EachBatchPayload): Promise<HandlerResult[] | void> {
    try {
      return await handleWithRetry(items, payload);
    } catch (err) {
      if (!isPoisonFailure(err)) throw err;
      if (items.length === 1) return [dlqResultOf(classifyError(err))];
      log.warn({ err, size: items.length, partition: payload.batch.partition }, 'batch_failed_handling_one_by_one');
      const results: HandlerResult[] = [];
      for (const item of items) {
        results.push(...((await handleIsolating([item], payload)) ?? [{ kind: 'ok' as const }]));
        await payload.heartbeat(); // throttled by kafkajs; a long batch one by one must not lose the group
      }
      return results;
    }
  }

  function rejectOf(payload: EachBatchPayload, item: ConsumedItem<T>, reason: string, error: Reject['error']): Reject {
    const message = payload.batch.messages.find((m) => m.offset === item.offset)!;
    return { message, partition: payload.batch.partition, topic: payload.batch.topic, reason, error };
  }

  /** Moves the handler's dlq/drop results into `rejects` and the counts. */
  function classify(payload: EachBatchPayload, items: ConsumedItem<T>[], results: HandlerResult[] | void, rejects: Reject[]): { ok: number; drop: number } {
    let okCount = items.length;
    let dropCount = 0;
    (results ?? []).forEach((result, i) => {
      const item = items[i]!;
      if (result.kind === 'dlq') {
        okCount--;
        rejects.push(rejectOf(payload, item, result.reason, result.error ?? REJECTED));
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
   * One transaction per attempt: the handler's output, the DLQ records and the input offsets up
   * to `nextOffset` commit together or not at all. A failed attempt is aborted, so a retry (or,
   * after a crash, the next owner of the partition) starts from nothing visible.
   */
  async function inTransaction(payload: EachBatchPayload, items: ConsumedItem<T>[], rejectsIn: Reject[], nextOffset: string): Promise<void> {
    const { batch } = payload;
    for (let attempt = 0; ; attempt++) {
      try {
        // A previous attempt's commit got no answer: what it committed is not done again.
        const committed = await settleUncertain(batch.topic, batch.partition);
        if (committed !== undefined) {
          items = itemsFrom(items, committed);
          rejectsIn = rejectsIn.filter((r) => committed === null || BigInt(r.message.offset) >= BigInt(committed));
          if (committed !== null) progress.committed(`${batch.topic}:${batch.partition}`, committed);
          if (committed !== null && BigInt(committed) >= BigInt(nextOffset)) {
            if (!payload.isStale()) payload.resolveOffset((BigInt(nextOffset) - 1n).toString());
            lastLoopAt = Date.now();
            return;
          }
        }
      } catch (err) {
        await retryOrThrow(err, attempt, payload);
        continue;
      }
      const rejects = [...rejectsIn];
      try {
        const committed = await transactional!.run(async (tx) => {
          const results = items.length
            ? checkResults(await withSpan(`consume ${batch.topic}`, () => options.handleBatch(items, { heartbeat: payload.heartbeat, logger: log, producer: tx }), { 'messaging.batch.message_count': items.length, 'messaging.destination.partition.id': batch.partition }, batchParent(items)), items.length)
            : undefined;
          const counts = classify(payload, items, results, rejects);
          await sendToDlq(rejects, tx);
          // Another member owns the partition now: abort rather than commit output it will redo.
          if (payload.isStale()) return null;
          await tx.sendOffsets({ consumerGroupId: options.groupId, topics: [{ topic: batch.topic, partitions: [{ partition: batch.partition, offset: nextOffset }] }] });
          return counts;
        });
        if (committed) progress.committed(`${batch.topic}:${batch.partition}`, nextOffset);
        if (committed) count(batch.topic, committed, rejects.length);
        if (committed && !payload.isStale()) payload.resolveOffset((BigInt(nextOffset) - 1n).toString());
        lastLoopAt = Date.now();
        return;
      } catch (err) {
        if (err instanceof CommitOutcomeUnknownError) uncertain.set(`${batch.topic}:${batch.partition}`, nextOffset);
        await retryOrThrow(err, attempt, payload);
      }
    }
  }

  /**
   * The batch in one transaction; when its handler fails for good, each record in a transaction
   * of its own (output or DLQ record, and the offsets up to it), in offset order.
   */
  async function eachBatchInTransaction(payload: EachBatchPayload, items: ConsumedItem<T>[], decodeRejects: Reject[]): Promise<void> {
    const next = (BigInt(payload.batch.lastOffset()) + 1n).toString();
    try {
      return await inTransaction(payload, items, decodeRejects, next);
    } catch (err) {
      if (items.length === 0 || !isPoisonFailure(err)) throw err;
      log.warn({ err, size: items.length, partition: payload.batch.partition }, 'batch_failed_handling_one_by_one');
    }
    let pending = decodeRejects;
    for (const [i, item] of items.entries()) {
      const last = i === items.length - 1;
      const before = last ? pending : pending.filter((r) => BigInt(r.message.offset) < BigInt(item.offset));
      pending = last ? [] : pending.filter((r) => BigInt(r.message.offset) > BigInt(item.offset));
      const offset = last ? next : (BigInt(item.offset) + 1n).toString();
      try {
        await inTransaction(payload, [item], before, offset);
      } catch (err) {
        if (!isPoisonFailure(err)) throw err;
        const error = classifyError(err);
        await inTransaction(payload, [], [...before, rejectOf(payload, item, error.reason, { name: error.name, code: error.code })], offset);
      }
      if (payload.isStale()) return;
      await payload.heartbeat();
    }
  }

  async function eachBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    lastLoopAt = Date.now();
    if (batch.messages.length === 0) return;
    const partition = `${batch.topic}:${batch.partition}`;
    return progress.exclusive(partition, () => handleFetched(payload, partition));
  }

  /** One fetched batch, without what this process committed already (partition-progress.ts). */
  async function handleFetched(payload: EachBatchPayload, partition: string): Promise<void> {
    const { batch } = payload;
    const fresh = progress.uncommitted(partition, batch.messages);
    if (fresh.length === 0) {
      if (!payload.isStale()) payload.resolveOffset(batch.lastOffset());
      return;
    }
    const items: ConsumedItem<T>[] = [];
    const rejects: Reject[] = [];
    let skipped = 0;
    for (const message of fresh) {
      // A record sent back from the DLQ for another group: this one handled the original.
      if (message.headers && isRedriveForOtherGroup(message.headers, options.groupId)) {
        skipped++;
        continue;
      }
      const decoded = options.decode(message, batch.topic);
      if (!decoded.ok) {
        rejects.push({ message, partition: batch.partition, topic: batch.topic, reason: decoded.reason, error: DECODE_ERROR });
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
    if (skipped) processed.inc({ group: options.groupId, topic: batch.topic, result: 'drop' }, skipped);
    if (transactional) return eachBatchInTransaction(payload, items, rejects);
    const parent = batchParent(items);
    const results = items.length
      ? await withSpan(`consume ${batch.topic}`, () => handleIsolating(items, payload), { 'messaging.batch.message_count': items.length, 'messaging.destination.partition.id': batch.partition }, parent)
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
    progress.committed(partition, (BigInt(last) + 1n).toString());
    lastLoopAt = Date.now();
  }

  const runConfig = {
    autoCommit: false,
    eachBatchAutoResolve: false,
    partitionsConsumedConcurrently: options.partitionsConsumedConcurrently ?? 2,
    eachBatch,
  };
  let restarts = 0;
  let restartTimer: NodeJS.Timeout | undefined;
  /** Connects and runs kafkajs's consumer again after a crash it will not restart from (needsOwnRestart). */
  function restartLater(error: unknown): void {
    const delay = restartDelayMs(restarts++);
    log.error({ err: error, delay }, 'consumer_crashed_restarting');
    restartTimer = setTimeout(() => {
      if (!running) return;
      consumer
        .connect()
        .then(() => consumer.run(runConfig))
        .then(() => (restarts = 0))
        .catch((err: unknown) => running && restartLater(err));
    }, delay);
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
        assigned = payload.memberAssignment;
        idle = Object.values(payload.memberAssignment).every((partitions) => partitions.length === 0);
      });
      consumer.on(consumer.events.CRASH, ({ payload }) => {
        if (needsOwnRestart(payload, running)) restartLater(payload.error);
      });
      await transactional?.start();
      running = true;
      lastLoopAt = Date.now();
      await consumer.run(runConfig);
    },
    async stop() {
      if (!running) return;
      running = false;
      clearTimeout(restartTimer);
      await consumer.disconnect();
      await transactional?.stop();
    },
    assignment: () => assigned,
    isHealthy(withinMs = 30_000) {
      return running && (idle || Date.now() - lastLoopAt < withinMs);
    },
  };
}
