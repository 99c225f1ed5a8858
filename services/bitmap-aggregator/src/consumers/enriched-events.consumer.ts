import type { Kafka } from 'kafkajs';
import type { TopicNames } from '@sightline/contracts';
import { createBatchConsumer, projectionDecoder, runByKey, type BatchConsumer, type DurableProducer, type ProjectionInput } from '@sightline/kafka';
import { counter, type Logger } from '@sightline/telemetry';
import type { ProjectSettingsTable } from '../projects/project-settings';
import type { BitmapWriter } from '../stores/bitmap-writer.store';


const projected = counter<'kind'>({ name: 'sightline_aggregator_projected_total', help: 'Events and erasures applied to the bitmaps.', labelNames: ['kind'] });

export interface ProjectionConsumerOptions {
  kafka: Kafka;
  topics: TopicNames;
  groupId: string;
  producer: DurableProducer;
  writer: BitmapWriter;
  projects: ProjectSettingsTable;
  logger: Logger;
  /** Projects of one batch written at once (config PROJECTS_WRITTEN_CONCURRENTLY). */
  projectsWrittenConcurrently: number;
  /** Partitions this consumer handles at once (its share of PARTITIONS_CONSUMED_CONCURRENTLY). */
  partitionsConsumedConcurrently: number;
  maxBytesPerPartition: number;
  retry: { attempts: number; backoffMs: number };
}

/**
 * Projects `events.enriched.v1` into bitmaps and applies `erasures.v1`. A batch is one
 * partition; it is grouped by project and each project's events go to Redis as one Lua script
 * (pipelined across projects), which also advances the partition's totals watermark.
 */
export function createProjectionConsumer(options: ProjectionConsumerOptions): BatchConsumer {
  return createBatchConsumer<ProjectionInput>({
    kafka: options.kafka,
    groupId: options.groupId,
    topics: [options.topics.eventsEnriched, options.topics.erasures],
    dlqTopic: options.topics.eventsDlq,
    producer: options.producer,
    logger: options.logger,
    retry: options.retry,
    partitionsConsumedConcurrently: options.partitionsConsumedConcurrently,
    maxBytesPerPartition: options.maxBytesPerPartition,
    decode: projectionDecoder(options.topics.erasures),
    async handleBatch(items, ctx) {
      const first = items[0]!;
      if (first.topic === options.topics.erasures) {
        for (const item of items) {
          if (item.value.kind !== 'erasure') continue;
          const erasure = item.value.erasure;
          const visitors = await options.writer.applyErasure(erasure, options.projects.get(erasure.projectId));
          ctx.logger.info({ projectId: erasure.projectId, requestId: erasure.requestId, visitors: visitors.length }, 'erasure_applied');
          projected.inc({ kind: 'erasure' });
        }
        return;
      }
      const events = items.flatMap((item) => (item.value.kind === 'event' ? [{ offset: BigInt(item.offset), event: item.value.event }] : []));
      const source = `${first.topic}:${first.partition}`;
      await runByKey(
        events,
        (e) => e.event.projectId,
        options.projectsWrittenConcurrently,
        (projectId, group) => options.writer.applyEvents(projectId, options.projects.get(projectId), source, group),
        ctx.heartbeat,
      );
      projected.inc({ kind: 'event' }, items.length);
    },
  });
}
