import { Kafka, logLevel, type Consumer, type EachBatchPayload, type IHeaders, type KafkaConfig, type KafkaMessage } from 'kafkajs';
import { TOPICS } from '@sightline/contracts';
import { canonicalVisitorIndex, memoryMergeStore, type MergeStore } from './merges';
import { ENRICHED_VERSIONS, LATEST_VERSION, decodeEnriched, decodeErasure, dedupeKeyOf, type EnrichedVersion, type Erasure, type SightlineEvent } from './versions';

/** Where a record came from: enough to find it again (`kafka-console-consumer --offset`). */
export interface RecordPosition {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  headers: IHeaders;
  /** The broker's timestamp (ms since the epoch, as a string). */
  timestamp: string;
}

export type DeliveredEvent = SightlineEvent &
  RecordPosition & {
    /** `projectId:messageId`: the same on every redelivery and replay; store it with your effect to apply each event once. */
    dedupeKey: string;
    /** The visitor this event belongs to today, merges applied (see merges.ts); equals `event.visitorIndex` unless that visitor was merged since. */
    canonicalVisitorIndex: number;
  };

export type DeliveredErasure = RecordPosition & { erasure: Erasure };

/** A record that is not valid under its topic's contract: its bytes and why. It is committed past once `onInvalid` resolves. */
export interface InvalidRecord extends RecordPosition {
  value: Buffer | null;
  reason: string;
}

export interface EventConsumerOptions {
  /** A kafkajs client, or the config to make one (brokers, clientId, sasl, ssl). */
  kafka: Kafka | KafkaConfig;
  /** Your consumer group; with per-principal ACLs it must start with your group prefix. */
  groupId: string;
  /** The topic prefix of the Sightline deployment (TOPIC_NAMESPACE), `sightline.` by default. */
  namespace?: string;
  /** Which events.enriched versions to read; the newest supported one by default. */
  versions?: EnrichedVersion[];
  /** Where a group without committed offsets starts: the oldest retained record (default), or only new ones. */
  fromBeginning?: boolean;
  /** Does the event's work and resolves once it is durable; the offset is committed only after that. Throwing re-delivers it. */
  handleEvent(event: DeliveredEvent): Promise<void>;
  /** Must remove the visitor from whatever you stored; the offset is committed only after it resolves. */
  handleErasure(erasure: DeliveredErasure): Promise<void>;
  /** A record that fails its contract (never silently dropped): log it, keep it in your own dead-letter store. The partition moves on after it resolves. */
  onInvalid(record: InvalidRecord): Promise<void> | void;
  /** Told when a handler threw; the record is then re-delivered (by kafkajs's retry, or after a restart). */
  onError?(error: unknown, at: RecordPosition): void;
  /** Where merges are kept; in process memory by default. */
  merges?: MergeStore;
  /** Partitions handled at once (each in its own order); 1 by default. */
  partitionsConsumedConcurrently?: number;
}

export interface EventConsumer {
  start(): Promise<void>;
  /** Lets the record in hand finish, commits, and leaves the group. */
  stop(): Promise<void>;
  /** The visitor `visitorIndex` of `projectId` is today, merges read so far applied. */
  canonicalVisitorIndex(projectId: string, visitorIndex: number): Promise<number>;
  /** The topics read, by role. */
  topics: { events: Record<string, EnrichedVersion>; erasures: string };
  consumer: Consumer;
}

function positionOf(topic: string, partition: number, message: KafkaMessage): RecordPosition {
  return { topic, partition, offset: message.offset, key: message.key?.toString('utf8') ?? null, headers: message.headers ?? {}, timestamp: message.timestamp };
}

/**
 * Reads events.enriched (the chosen versions) and erasures.v1 of a Sightline deployment with
 * the discipline of Sightline's own services: auto-commit off; each record decoded and
 * validated, then handed to your handler in partition order; its offset committed only once
 * the handler's promise resolved. At-least-once: after a crash or a rebalance, records whose
 * offsets were not committed come again, so apply each event once by its `dedupeKey`.
 */
export function createEventConsumer(options: EventConsumerOptions): EventConsumer {
  const namespace = options.namespace ?? 'sightline.';
  const versions = options.versions ?? [LATEST_VERSION];
  if (versions.length === 0) throw new Error('versions: name at least one events.enriched version');
  for (const v of versions) if (!(v in ENRICHED_VERSIONS)) throw new Error(`versions: ${JSON.stringify(v)} is not a supported version (${Object.keys(ENRICHED_VERSIONS).join(', ')})`);
  const eventTopics: Record<string, EnrichedVersion> = Object.fromEntries(versions.map((v) => [`${namespace}${ENRICHED_VERSIONS[v].topic}`, v]));
  const erasureTopic = `${namespace}${TOPICS.erasures}`;
  const merges = options.merges ?? memoryMergeStore();
  const kafka = options.kafka instanceof Kafka ? options.kafka : new Kafka({ logLevel: logLevel.WARN, ...options.kafka });
  const consumer = kafka.consumer({ groupId: options.groupId, maxWaitTimeInMs: 250, allowAutoTopicCreation: false });

  async function handleRecord(topic: string, partition: number, message: KafkaMessage): Promise<void> {
    const at = positionOf(topic, partition, message);
    const version = eventTopics[topic];
    const decoded = version ? decodeEnriched(version, message.key, message.value) : decodeErasure(message.value);
    if (!decoded.ok) return options.onInvalid({ ...at, value: message.value, reason: decoded.reason });
    try {
      if (version) {
        const { event } = decoded.value as SightlineEvent;
        // Recorded before the handler runs: idempotent, and the handler may ask about it.
        if (event.mergedVisitorIndexes.length) await merges.recordMerge(event.projectId, event.mergedVisitorIndexes, event.visitorIndex);
        const canonical = await canonicalVisitorIndex(merges, event.projectId, event.visitorIndex);
        await options.handleEvent({ ...(decoded.value as SightlineEvent), ...at, dedupeKey: dedupeKeyOf(event), canonicalVisitorIndex: canonical });
      } else {
        await options.handleErasure({ ...at, erasure: decoded.value as Erasure });
      }
    } catch (err) {
      options.onError?.(err, at);
      throw err;
    }
  }

  /** Commits after every handled record's offset, up to the first that failed; a failure then re-delivers from it. */
  async function eachBatch({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload): Promise<void> {
    let done: string | null = null;
    try {
      for (const message of batch.messages) {
        if (!isRunning() || isStale()) break;
        await handleRecord(batch.topic, batch.partition, message);
        done = message.offset;
        resolveOffset(message.offset);
        await heartbeat();
      }
    } finally {
      // A rebalance took the partition: its new owner re-reads from the last commit.
      if (done !== null && !isStale()) await consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: (BigInt(done) + 1n).toString() }]);
    }
  }

  let running = false;
  return {
    consumer,
    topics: { events: eventTopics, erasures: erasureTopic },
    canonicalVisitorIndex: (projectId, visitorIndex) => canonicalVisitorIndex(merges, projectId, visitorIndex),
    async start() {
      await consumer.connect();
      await consumer.subscribe({ topics: [...Object.keys(eventTopics), erasureTopic], fromBeginning: options.fromBeginning ?? true });
      running = true;
      await consumer.run({ autoCommit: false, eachBatchAutoResolve: false, partitionsConsumedConcurrently: options.partitionsConsumedConcurrently ?? 1, eachBatch });
    },
    async stop() {
      if (!running) return;
      running = false;
      await consumer.disconnect();
    },
  };
}
