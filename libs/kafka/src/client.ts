import { ConfigResourceTypes, Kafka, logLevel, type Admin, type ITopicConfig, type LogEntry } from 'kafkajs';
import type { Logger } from '@sightline/telemetry';
import { isTransient } from './errors';
import { kafkaSaslFrom, toKafkajsSasl, type KafkaSasl } from './sasl';

export interface KafkaClientOptions {
  brokers: string[];
  clientId: string;
  logger: Logger;
  /**
   * The principal to authenticate as (SASL). Absent: KAFKA_SASL_MECHANISM / KAFKA_SASL_USERNAME /
   * KAFKA_SASL_PASSWORD of the process (services validate them in their config schema); null: none.
   */
  sasl?: KafkaSasl | null;
  /** TLS to the brokers (KAFKA_SSL=true when absent). */
  ssl?: boolean;
}

const levels: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

const CONCURRENT_TRANSACTIONS = /another concurrent operation on the same transaction/;

/**
 * The pino level of a kafkajs log line: kafkajs logs as errors what is routine on a cluster.
 * - Every reconnect attempt (expected while a broker restarts): warn.
 * - "Limiting retries for the idempotent producer": deliberate, a caller past its deadline
 *   answers 503 rather than holding the request (duplicates of a late success are removed by
 *   messageId): debug.
 * - CONCURRENT_TRANSACTIONS (AddPartitionsToTxn, AddOffsetsToTxn): the coordinator is still
 *   writing the markers of the slot's previous transaction, which it does after answering its
 *   commit; kafkajs retries the call, as the Java producer does. It follows nearly every commit
 *   under load (the 17:01 cluster run logged 98, read then as sends refused for good), so it is
 *   debug; a send that never gets through fails the batch, which is logged (batch_retry).
 */
export function kafkajsLogMethod(level: logLevel, message: string, fields: Record<string, unknown>): 'error' | 'warn' | 'info' | 'debug' {
  if (level === logLevel.ERROR && /Connection|ECONNREFUSED|disconnected/i.test(message)) return 'warn';
  if (/Limiting retries for the idempotent producer/.test(message)) return 'debug';
  if (CONCURRENT_TRANSACTIONS.test(message) || CONCURRENT_TRANSACTIONS.test(String(fields.error ?? ''))) return 'debug';
  return levels[level] ?? 'info';
}

/** A kafkajs client whose logs go through pino. */
export function createKafka(options: KafkaClientOptions): Kafka {
  const log = options.logger.child({ component: 'kafkajs' });
  const sasl = options.sasl === undefined ? kafkaSaslFrom(process.env) : options.sasl;
  return new Kafka({
    clientId: options.clientId,
    brokers: options.brokers,
    ...(sasl ? { sasl: toKafkajsSasl(sasl) } : {}),
    ssl: options.ssl ?? /^(true|1|yes)$/.test(process.env.KAFKA_SSL ?? ''),
    connectionTimeout: 3000,
    requestTimeout: 30000,
    retry: { initialRetryTime: 100, retries: 8, maxRetryTime: 5000 },
    logLevel: logLevel.WARN,
    logCreator:
      () =>
      ({ level, log: entry }: LogEntry) => {
        const { message, ...fields } = entry;
        log[kafkajsLogMethod(level, String(message), fields)](fields, `kafkajs: ${message}`);
      },
  });
}

export interface TopicSpec {
  topic: string;
  numPartitions?: number;
  configEntries?: ITopicConfig['configEntries'];
}

/**
 * Creates the topics that are missing, and brings the configs of existing ones to their spec
 * (a retention set by a newer version, or changed in the settings, reaches topics created before).
 */
export async function ensureTopics(kafka: Kafka, specs: TopicSpec[]): Promise<void> {
  // Retried like the offset reads: a broker that has just started may answer with retriable errors.
  await retryRetriable(async () => {
    const admin = kafka.admin();
    await admin.connect();
    try {
      const existing = new Set(await admin.listTopics());
      const missing = specs.filter((s) => !existing.has(s.topic));
      if (missing.length > 0) {
        await admin.createTopics({
          waitForLeaders: true,
          topics: missing.map((s) => ({ topic: s.topic, numPartitions: s.numPartitions ?? 4, replicationFactor: -1, configEntries: s.configEntries })),
        });
      }
      await alignTopicConfigs(admin, specs.filter((s) => existing.has(s.topic) && s.configEntries?.length));
    } finally {
      await admin.disconnect();
    }
  });
}

/** Sets the spec'd configs of existing topics whose current values differ (only those). */
async function alignTopicConfigs(admin: Admin, specs: TopicSpec[]): Promise<void> {
  if (specs.length === 0) return;
  const described = await admin.describeConfigs({
    includeSynonyms: false,
    resources: specs.map((s) => ({ type: ConfigResourceTypes.TOPIC, name: s.topic, configNames: s.configEntries!.map((e) => e.name) })),
  });
  const current = new Map(described.resources.map((r) => [r.resourceName, new Map(r.configEntries.map((e) => [e.configName, e.configValue]))]));
  const differing = specs.filter((s) => s.configEntries!.some((e) => current.get(s.topic)?.get(e.name) !== e.value));
  if (differing.length === 0) return;
  // alterConfigs replaces a topic's dynamic configs as a set: the spec names all of ours.
  await admin.alterConfigs({ validateOnly: false, resources: differing.map((s) => ({ type: ConfigResourceTypes.TOPIC, name: s.topic, configEntries: s.configEntries! })) });
}

/** Days each personal-data topic is kept (the kafka config piece's *_RETENTION_DAYS). */
export interface TopicRetention {
  rawDays: number;
  enrichedDays: number;
  dlqDays: number;
  /** Partitions of the two event topics when they are created (TOPIC_PARTITIONS). */
  partitions?: number;
}

export const DEFAULT_TOPIC_RETENTION: TopicRetention = Object.freeze({ rawDays: 7, enrichedDays: 30, dlqDays: 7 });

/** The topic settings of a service's config: retention per topic and the event topics' partitions. */
export function topicRetentionOf(env: { RAW_RETENTION_DAYS: number; ENRICHED_RETENTION_DAYS: number; DLQ_RETENTION_DAYS: number; TOPIC_PARTITIONS?: number }): TopicRetention {
  return { rawDays: env.RAW_RETENTION_DAYS, enrichedDays: env.ENRICHED_RETENTION_DAYS, dlqDays: env.DLQ_RETENTION_DAYS, partitions: env.TOPIC_PARTITIONS };
}

const DAY_MS = 86_400_000;

/**
 * Time retention of a topic holding personal data. Kafka deletes a whole segment once its newest
 * record is older than retention.ms, so segments roll daily: a record outlives its retention by
 * a day at most instead of a week (segment.ms's default).
 */
function retained(days: number) {
  return [
    { name: 'cleanup.policy', value: 'delete' },
    { name: 'retention.ms', value: String(days * DAY_MS) },
    { name: 'segment.ms', value: String(DAY_MS) },
  ];
}

/**
 * The standard topic set of a namespace: compacted projects, everything else retained by time.
 * `erasures` outlives `events.enriched` by a day (plus a segment), so every erasure is in the
 * log for as long as any event it erases and a replay of both still applies it.
 */
export function standardTopicSpecs(names: { projects: string; eventsRaw: string; eventsEnriched: string; eventsDlq: string; erasures: string }, retention: TopicRetention = DEFAULT_TOPIC_RETENTION, partitions = retention.partitions ?? 4): TopicSpec[] {
  return [
    { topic: names.projects, numPartitions: 1, configEntries: [{ name: 'cleanup.policy', value: 'compact' }, { name: 'min.compaction.lag.ms', value: '0' }] },
    { topic: names.eventsRaw, numPartitions: partitions, configEntries: retained(retention.rawDays) },
    { topic: names.eventsEnriched, numPartitions: partitions, configEntries: retained(retention.enrichedDays) },
    { topic: names.eventsDlq, numPartitions: 1, configEntries: retained(retention.dlqDays) },
    { topic: names.erasures, numPartitions: 1, configEntries: retained(retention.enrichedDays + 2) },
  ];
}

/**
 * Runs a Kafka request again while the broker answers with a transient error (errors.ts). Right after a
 * topic is created (or a broker restarts) its partitions can briefly have no leader, and
 * kafkajs's admin calls such as `fetchTopicOffsets` fail with "not the leader" instead of
 * refreshing metadata and trying again.
 */
export async function retryRetriable<T>(fn: () => Promise<T>, options: { attempts?: number; delayMs?: number } = {}): Promise<T> {
  const attempts = options.attempts ?? 30;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (attempt >= attempts || !isTransient(err)) throw err;
      await new Promise((resolve) => setTimeout(resolve, Math.min((options.delayMs ?? 100) * attempt, 1000)));
    }
  }
}

/** A topic's partition offsets, retried while its partitions elect leaders. */
export async function fetchTopicOffsets(kafka: Kafka, topic: string): Promise<Array<{ partition: number; offset: string; high: string; low: string }>> {
  return retryRetriable(async () => {
    const admin = kafka.admin();
    await admin.connect();
    try {
      return await admin.fetchTopicOffsets(topic);
    } finally {
      await admin.disconnect();
    }
  });
}
