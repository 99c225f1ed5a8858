import type { EnrichedEventParsed, Erasure, TopicNames } from '@sightline/contracts';
import { classifyError, createBatchConsumer, dlqResultOf, ok, projectionDecoder, type BatchConsumer, type ConsumedItem, type DurableProducer, type HandlerResult, type ProjectionInput } from '@sightline/kafka';
import { counter, type Logger } from '@sightline/telemetry';
import type { Kafka } from 'kafkajs';
import type { EventStore } from '../stores/event.store';
import type { ErasureStore } from '../stores/erasure.store';

type Input = ProjectionInput;

const stored = counter<'result'>({
  name: 'sightline_query_events_stored_total',
  help: 'Enriched events offered to the store: inserted, or duplicate (already stored / erased).',
  labelNames: ['result'],
});

export interface EventsConsumerOptions {
  kafka: Kafka;
  topics: TopicNames;
  groupId: string;
  producer: DurableProducer;
  logger: Logger;
  events: EventStore;
  erasures: ErasureStore;
  retry: { attempts: number; backoffMs: number };
  sessionTimeoutMs?: number;
  /** Partitions whose batches are stored at once (each holds one Postgres connection). */
  partitionsConsumedConcurrently?: number;
  /** Fetch size per partition, which bounds one insert transaction (see config MAX_BYTES_PER_PARTITION). */
  maxBytesPerPartition?: number;
}

/** pg data errors (class 22) and constraint errors (23) do not heal by retrying. */
function isDataError(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && (code.startsWith('22') || code.startsWith('23'));
}

/**
 * Consumes `events.enriched.v1` and `erasures.v1` into the event store. A batch of events is
 * one transaction; the wrapper commits the offset only after it resolved.
 */
export function createEventsConsumer(options: EventsConsumerOptions): BatchConsumer {
  async function insertEvents(items: ConsumedItem<Input>[]): Promise<HandlerResult[] | void> {
    const events = items.map((i) => (i.value as { event: EnrichedEventParsed }).event);
    try {
      const { inserted } = await options.events.insertBatch(events);
      stored.inc({ result: 'inserted' }, inserted);
      stored.inc({ result: 'duplicate' }, events.length - inserted);
      return;
    } catch (err) {
      if (!isDataError(err)) throw err;
      options.logger.warn({ err, size: events.length }, 'batch_rejected_retrying_one_by_one');
    }
    // One bad row must not block the partition: find it, DLQ it, keep the rest.
    const results: HandlerResult[] = [];
    for (const event of events) {
      try {
        await options.events.insertBatch([event]);
        results.push(ok());
      } catch (err) {
        if (!isDataError(err)) throw err;
        // Named (DatabaseError and its SQLSTATE) so `sightline dlq redrive --reason 22P02` can choose these.
        results.push(dlqResultOf(classifyError(err)));
      }
    }
    return results;
  }

  return createBatchConsumer<Input>({
    kafka: options.kafka,
    groupId: options.groupId,
    topics: [options.topics.eventsEnriched, options.topics.erasures],
    dlqTopic: options.topics.eventsDlq,
    producer: options.producer,
    logger: options.logger,
    retry: options.retry,
    sessionTimeoutMs: options.sessionTimeoutMs,
    partitionsConsumedConcurrently: options.partitionsConsumedConcurrently,
    maxBytesPerPartition: options.maxBytesPerPartition,
    decode: projectionDecoder(options.topics.erasures),
    async handleBatch(items) {
      if (items[0]?.value.kind === 'erasure') {
        for (const item of items) {
          const erasure = (item.value as { erasure: Erasure }).erasure;
          const deleted = await options.erasures.erase(erasure);
          options.logger.info({ projectId: erasure.projectId, requestId: erasure.requestId, deleted }, 'visitor_erased');
        }
        return;
      }
      return insertEvents(items);
    },
  });
}
