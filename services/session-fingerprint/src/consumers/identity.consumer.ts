import type { Kafka, KafkaMessage } from 'kafkajs';
import type { Pool } from 'pg';
import { enrichedEventKeyOf, erasureValue, isPlainRawEvent, rawEventValue, type Erasure, type ProjectConfig, type RawEvent, type TopicNames } from '@sightline/contracts';
import { createBatchConsumer, dlq, drop, jsonDecoder, ok, type BatchConsumer, type BatchConsumerOptions, type BatchContext, type BatchSender, type ConsumedItem, type DecodeResult, type DurableProducer, type HandlerResult, type TopicTable } from '@sightline/kafka';
import { counter, histogram, traceHeadersOf, type Logger } from '@sightline/telemetry';
import { DUPLICATE_MESSAGE_ID, enrichBatch, toEnriched, type RawSource } from '../domain/enrich-batch.handler';
import { saltDayOf } from '../domain/fingerprint.handler';
import { aliasIdsOf } from '../domain/identity.handler';
import { needsFingerprint, prepareEvent, projectOrDefaults, type PreparedEvent } from '../domain/prepare.handler';
import { eraseVisitors } from '../stores/erasure.store';
import { rebase, splitWrites, type ProjectWrites } from '../domain/index-allocation.handler';
import { allocateIndexes, IdentityConflict, inBatchTransaction, inProjectTransaction, loadBatch, lockVisitors, saveEarly, saveLate, unlockedVisitors, visitorKey } from '../stores/identity.store';
import type { SaltStore } from '../stores/salt.store';

type Incoming = { kind: 'raw'; value: RawEvent } | { kind: 'erasure'; value: Erasure };

export interface IdentityConsumerOptions {
  kafka: Kafka;
  producer: DurableProducer;
  pool: Pool;
  salts: SaltStore;
  projects: TopicTable<ProjectConfig>;
  topics: TopicNames;
  groupId: string;
  logger: Logger;
  retry: { attempts: number; backoffMs: number };
  partitionsConsumedConcurrently: number;
  maxBytesPerPartition: number;
  /** Country of an IP (GEOIP_COUNTRY_DIR); without it, enriched events have no country. */
  countryOf?: (ip: string | null) => string | null;
  /** Key of the erased-id hashes (ERASURE_ID_SECRET): the request names ids by it, erased_ids keeps them by it. */
  erasureIdSecret: string;
  /** Enriched records and raw offsets in one Kafka transaction per batch (see config EXACTLY_ONCE_OUTPUT). */
  transactionalOutput?: BatchConsumerOptions<Incoming>['transactionalOutput'];
}

const outcomes = counter<'result'>({ name: 'sightline_identity_events_total', help: 'Raw events by outcome (enriched, replayed, or the drop reason).', labelNames: ['result'] });
const newVisitors = counter<'project'>({ name: 'sightline_identity_new_visitors_total', help: 'Visitor indexes assigned.', labelNames: ['project'] });
const duplicates = counter<'project'>({ name: 'sightline_identity_duplicate_messages_total', help: 'Client duplicates dropped: a messageId the ledger knows from another events.raw offset.', labelNames: ['project'] });
const retries = counter<'reason'>({ name: 'sightline_identity_batch_retries_total', help: 'Identity transactions run again after a race with another batch of the project (conflict, deadlock).', labelNames: ['reason'] });
const batchSeconds = histogram<'step'>({ name: 'sightline_identity_batch_seconds', help: 'Time per batch step.', labelNames: ['step'], buckets: [0.005, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5] });

const decodeRaw = jsonDecoder(rawEventValue, isPlainRawEvent);
const decodeErasure = jsonDecoder(erasureValue);

/** Every existing visitor a batch writes must be one it locked (else two batches could write it at once). */
function assertLocked(writes: ProjectWrites[], locked: Set<string>): void {
  for (const w of writes) {
    for (const set of [w.early, w.late]) {
      for (const v of [...set.visitors, ...set.sessions]) {
        if (v.index < w.provisionalBase && !locked.has(visitorKey(w.projectId, v.index))) throw new Error(`visitor ${w.projectId}:${v.index} is written but was not locked`);
      }
    }
  }
}

function uniqueBy<T>(items: T[], keyOf: (item: T) => string): T[] {
  return [...new Map(items.map((item) => [keyOf(item), item])).values()];
}

/**
 * One consumer group over `events.raw` and `erasures`: both touch the same identity rows. Per
 * raw batch: salts (outside any lock), then one transaction that takes the batch's projects
 * shared (an erasure takes them exclusively), locks the visitor rows its ids point to, loads,
 * resolves, writes what names no new index, takes the project's counter for the new visitors
 * and writes them; then the enriched records are produced and acknowledged; the wrapper
 * commits the offsets last (docs/identity.md, "Durable dense index").
 */
export function createIdentityConsumer(options: IdentityConsumerOptions): BatchConsumer {
  const { pool, topics, logger } = options;

  async function prepare(events: RawEvent[]): Promise<PreparedEvent[]> {
    const configs = events.map((e) => projectOrDefaults(options.projects.get(e.projectId), e.projectId));
    const days = events.filter((e, i) => needsFingerprint(e, configs[i]!)).map((e) => saltDayOf(e.receivedAt));
    const salts = days.length ? await options.salts.saltsFor(days) : new Map<string, Buffer>();
    return events.map((e, i) => prepareEvent(e, configs[i]!, salts));
  }

  async function handleRaw(items: Array<{ event: RawEvent; source: RawSource; trace?: Record<string, string> }>, producer: BatchSender): Promise<HandlerResult[]> {
    const events = items.map((i) => i.event);
    const stopPrepare = batchSeconds.startTimer({ step: 'prepare' });
    const prepared = await prepare(events);
    stopPrepare();
    const projectIds = [...new Set(events.map((e) => e.projectId))];
    // A visitor's ids repeat across a batch: each is looked up once.
    const aliases = uniqueBy(
      prepared.flatMap((p) => (p.kind === 'ready' ? aliasIdsOf(p.identity).map((aliasId) => ({ projectId: p.event.projectId, aliasId })) : [])),
      (k) => `${k.projectId}\n${k.aliasId}`,
    );
    const messages = uniqueBy(
      events.map((e) => ({ projectId: e.projectId, messageId: e.messageId })),
      (k) => `${k.projectId}\n${k.messageId}`,
    );
    const stopDb = batchSeconds.startTimer({ step: 'identity_tx' });
    let stopExclusive: (() => number) | null = null;
    const result = await inBatchTransaction(
      pool,
      projectIds,
      async (client) => {
        stopExclusive = null;
        const keys = { aliases, messages };
        const stopLock = batchSeconds.startTimer({ step: 'lock' });
        const locked = await lockVisitors(client, keys);
        stopLock();
        const stopLoad = batchSeconds.startTimer({ step: 'load' });
        let loaded = await loadBatch(client, projectIds, keys, options.erasureIdSecret);
        // An alias moved by a merge (or created) between the lock and the load: lock its visitor too.
        for (let round = 0, missing = unlockedVisitors(loaded, locked); missing.length > 0; round++, missing = unlockedVisitors(loaded, locked)) {
          if (round === 5) throw new IdentityConflict('aliases kept moving while their visitors were locked');
          for (const key of await lockVisitors(client, { aliases: [], messages: [] }, missing)) locked.add(key);
          loaded = await loadBatch(client, projectIds, keys, options.erasureIdSecret);
        }
        stopLoad();
        const heldFrom = Date.now();
        const before = new Map([...loaded.projects].map(([p, s]) => [p, s.nextIndex]));
        const stopResolve = batchSeconds.startTimer({ step: 'resolve' });
        const enriched = enrichBatch(prepared, items.map((i) => i.source), loaded.projects, loaded.ledger);
        const writes = [...loaded.projects.values()].map((state) => splitWrites(state, enriched.newLedger, enriched.startedSessions)).sort((a, b) => (a.projectId < b.projectId ? -1 : 1));
        assertLocked(writes, locked);
        stopResolve();
        const stopSave = batchSeconds.startTimer({ step: 'save' });
        for (const w of writes) await saveEarly(client, w);
        const earlyTo = Date.now();
        // From the first counter taken to COMMIT this batch excludes the project's other batches
        // that have new visitors too: only the new visitors' rows are written in that section.
        const moved = new Map<ProjectWrites, boolean>();
        for (const w of writes) {
          if (w.count === 0) continue;
          stopExclusive ??= batchSeconds.startTimer({ step: 'exclusive' });
          const base = await allocateIndexes(client, w.projectId, w.count);
          moved.set(w, base !== w.provisionalBase);
          rebase(w, base);
        }
        for (const w of writes) await saveLate(client, w, moved.get(w) ?? false);
        stopSave();
        // When this batch held its visitors: resolving and the early writes run beside the project's
        // other batches; only from the counter to COMMIT do batches with new visitors take turns.
        logger.debug({ partition: items[0]?.source.partition, events: items.length, heldFrom, earlyTo, heldTo: Date.now() }, 'identity_batch');
        for (const [p, s] of loaded.projects) if (s.nextIndex > before.get(p)!) newVisitors.inc({ project: p }, s.nextIndex - before.get(p)!);
        return enriched;
      },
      { onRetry: (reason) => retries.inc({ reason }) },
    );
    (stopExclusive as (() => number) | null)?.();
    stopDb();
    const stopProduce = batchSeconds.startTimer({ step: 'produce' });
    // Each record carries on the trace of the raw event it was made from.
    const records = result.decisions.flatMap((d, i) => {
      if (d.kind !== 'enriched') return [];
      const event = toEnriched(d, options.countryOf);
      return [{ key: enrichedEventKeyOf(event), value: event, headers: items[i]!.trace }];
    });
    // One fetch can hold tens of thousands of events: the producer sends them as consecutive
    // requests below the broker's record-batch limit, in order.
    await producer.send(topics.eventsEnriched, records);
    stopProduce();
    return result.decisions.map((d, i) => {
      if (d.kind === 'drop' && d.reason === DUPLICATE_MESSAGE_ID) duplicates.inc({ project: events[i]!.projectId });
      if (d.kind === 'enriched') {
        outcomes.inc({ result: d.replayed ? 'replayed' : 'enriched' });
        return ok();
      }
      outcomes.inc({ result: d.kind === 'dlq' ? 'dlq' : d.reason });
      return d.kind === 'dlq' ? dlq(d.reason) : drop(d.reason);
    });
  }

  async function handleErasures(erasures: Erasure[]): Promise<void> {
    for (const erasure of erasures) {
      const indexes = await inProjectTransaction(pool, [erasure.projectId], (client) => eraseVisitors(client, erasure, options.erasureIdSecret));
      logger.info({ projectId: erasure.projectId, requestId: erasure.requestId, visitorIndexes: indexes }, 'visitor_erased');
    }
  }

  return createBatchConsumer<Incoming>({
    kafka: options.kafka,
    groupId: options.groupId,
    topics: [topics.eventsRaw, topics.erasures],
    dlqTopic: topics.eventsDlq,
    producer: options.producer,
    logger,
    retry: options.retry,
    transactionalOutput: options.transactionalOutput,
    partitionsConsumedConcurrently: options.partitionsConsumedConcurrently,
    maxBytesPerPartition: options.maxBytesPerPartition,
    decode(message: KafkaMessage, topic: string): DecodeResult<Incoming> {
      if (topic === topics.erasures) {
        const decoded = decodeErasure(message);
        return decoded.ok ? { ok: true, value: { kind: 'erasure', value: decoded.value } } : decoded;
      }
      const decoded = decodeRaw(message);
      return decoded.ok ? { ok: true, value: { kind: 'raw', value: decoded.value } } : decoded;
    },
    async handleBatch(items: ConsumedItem<Incoming>[], ctx: BatchContext) {
      const raw = items.flatMap((i) => (i.value.kind === 'raw' ? [{ event: i.value.value, source: { partition: i.partition, offset: i.offset }, trace: traceHeadersOf(i.headers) }] : []));
      const erasures = items.flatMap((i) => (i.value.kind === 'erasure' ? [i.value.value] : []));
      if (erasures.length) await handleErasures(erasures);
      if (raw.length === 0) return;
      return handleRaw(raw, ctx.producer);
    },
  });
}
