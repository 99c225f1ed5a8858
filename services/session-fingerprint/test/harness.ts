import { randomUUID } from 'node:crypto';
import { parseConfig } from '@sightline/config';
import { projectConfigValue, rawEventKeyOf, topicNames, type ProjectConfigInput, type RawEvent, type TopicNames } from '@sightline/contracts';
import { createProducer, ensureTopics, standardTopicSpecs, type DurableProducer } from '@sightline/kafka';
import { createLogger } from '@sightline/telemetry';
import { createTestDatabase, readCommitted, testKafka, testNamespace, json, waitFor, type TestDatabase } from '@sightline/testing';
import { config } from '../src/config';
import { createSessionFingerprint, migrationsDir } from '../src/service';
import type { EnrichedEventParsed } from '@sightline/contracts';
import type { Admin } from 'kafkajs';

export interface RawEventInput {
  projectId?: string;
  type?: RawEvent['type'];
  event?: string | null;
  userId?: string | null;
  anonymousId?: string | null;
  previousId?: string | null;
  traits?: Record<string, unknown>;
  at: string;
  receivedAt?: string;
  ip?: string | null;
  userAgent?: string | null;
  acceptLanguage?: string | null;
  dnt?: boolean;
  page?: { url?: string; path?: string; referrer?: string };
  campaign?: { source?: string; medium?: string; name?: string };
  messageId?: string;
  clientKind?: 'browser' | 'server';
}

export const CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36';

export function rawEvent(input: RawEventInput): RawEvent {
  return {
    messageId: input.messageId ?? randomUUID(),
    projectId: input.projectId ?? 'p1',
    type: input.type ?? 'track',
    event: input.event === undefined ? 'Clicked' : input.event,
    category: null,
    properties: {},
    traits: input.traits ?? {},
    anonymousId: input.anonymousId ?? null,
    userId: input.userId ?? null,
    previousId: input.previousId ?? null,
    groupId: null,
    context: { userAgent: input.userAgent ?? CHROME, page: input.page, campaign: input.campaign },
    originalTimestamp: input.at,
    sentAt: null,
    receivedAt: input.receivedAt ?? input.at,
    timestamp: input.at,
    request: { ip: input.ip === undefined ? '203.0.113.7' : input.ip, userAgent: input.userAgent ?? CHROME, acceptLanguage: input.acceptLanguage ?? 'en-GB,en;q=0.9', dnt: input.dnt ?? false, gpc: false, clientKind: input.clientKind ?? 'browser' },
  };
}

/**
 * `count` track events of `visitors` anonymous visitors in rounds (visitor i % visitors, one
 * event name per round, rounds a minute apart from three hours ago): every visitor is new in
 * the first round and every messageId is `m-<i>`.
 */
export function roundsOfVisits(projectId: string, count: number, visitors: number): RawEvent[] {
  const t0 = Date.now() - 3 * 3600_000;
  return Array.from({ length: count }, (_, i) =>
    rawEvent({ projectId, messageId: `m-${i}`, anonymousId: `a-${i % visitors}`, event: `e${Math.floor(i / visitors)}`, at: new Date(t0 + Math.floor(i / visitors) * 60_000 + (i % visitors)).toISOString() }),
  );
}

export function project(input: Partial<ProjectConfigInput> & { projectId: string }): ProjectConfigInput {
  return projectConfigValue.parse({ accountId: 'acc', name: input.projectId, accountSlug: 'acc', slug: input.projectId, writeKeys: ['writekey-123'], updatedAt: new Date().toISOString(), ...input });
}

export interface Harness {
  topics: TopicNames;
  db: TestDatabase;
  producer: DurableProducer;
  env: Record<string, string>;
  send(events: RawEvent[]): Promise<void>;
  publishProjects(projects: ProjectConfigInput[]): Promise<void>;
  enriched(): Promise<EnrichedEventParsed[]>;
  /** Starts an in-process instance (real Kafka, real Postgres). */
  startInstance(extraEnv?: Record<string, string>): Promise<{ stop(): Promise<void> }>;
  close(): Promise<void>;
}

export async function createHarness(prefix: string): Promise<Harness> {
  const namespace = testNamespace(prefix);
  const topics = topicNames(namespace);
  const db = await createTestDatabase(prefix, migrationsDir);
  const kafka = testKafka();
  await ensureTopics(kafka, standardTopicSpecs(topics));
  const producer = createProducer(kafka, { compression: false });
  await producer.start();
  const env = { DATABASE_URL: db.url, TOPIC_NAMESPACE: namespace, LOG_LEVEL: 'warn', JANITOR_INTERVAL_MS: '600000' };
  const instances: Array<{ stop(): Promise<void> }> = [];
  return {
    topics,
    db,
    producer,
    env,
    async send(events) {
      for (let i = 0; i < events.length; i += 2000) {
        await producer.send(topics.eventsRaw, events.slice(i, i + 2000).map((e) => ({ key: rawEventKeyOf(e, 'harness-raw-key-secret'), value: e })));
      }
    },
    async publishProjects(projects) {
      await producer.send(topics.projects, projects.map((p) => ({ key: p.projectId, value: p })));
    },
    async enriched() {
      // By position, not by count: a count stops early when the reader gets a message twice.
      return (await readCommitted(topics.eventsEnriched, 60_000)).map((m) => json<EnrichedEventParsed>(m));
    },
    async startInstance(extraEnv = {}) {
      const logger = createLogger({ service: 'session-fingerprint-test', level: 'warn' });
      const service = createSessionFingerprint(parseConfig(config.schema, { ...env, ...extraEnv }), logger);
      await service.start();
      let stopped = false;
      const handle = {
        async stop() {
          if (stopped) return;
          stopped = true;
          await service.stop();
        },
      };
      instances.push(handle);
      return handle;
    },
    async close() {
      for (const instance of instances) await instance.stop();
      await producer.stop();
      await db.drop();
    },
  };
}

/**
 * For process-level tests: a fresh namespace and identity database, the project published and
 * `events` already in events.raw before any instance starts.
 */
export async function prefilledRaw(prefix: string, projectId: string, events: RawEvent[]): Promise<{ namespace: string; topics: TopicNames; db: TestDatabase }> {
  const namespace = testNamespace(prefix);
  const topics = topicNames(namespace);
  const db = await createTestDatabase(prefix);
  const kafka = testKafka();
  await ensureTopics(kafka, standardTopicSpecs(topics));
  const producer = createProducer(kafka);
  await producer.start();
  try {
    await producer.send(topics.projects, [{ key: projectId, value: project({ projectId }) }]);
    for (let i = 0; i < events.length; i += 5000) await producer.send(topics.eventsRaw, events.slice(i, i + 5000).map((e) => ({ key: rawEventKeyOf(e, 'harness-raw-key-secret'), value: e })));
  } finally {
    await producer.stop();
  }
  return { namespace, topics, db };
}

async function withAdmin<T>(fn: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = testKafka().admin();
  await admin.connect();
  try {
    return await fn(admin);
  } finally {
    await admin.disconnect();
  }
}

/** Records in a topic (sum of the partitions' high watermarks; the topics here are never compacted). */
export function recordCount(topic: string): Promise<number> {
  return withAdmin(async (admin) => (await admin.fetchTopicOffsets(topic)).reduce((n, p) => n + Number(p.high), 0));
}

/** Records of `topic` the group has not committed yet. */
export function groupLag(groupId: string, topic: string): Promise<bigint> {
  return withAdmin(async (admin) => {
    const high = await admin.fetchTopicOffsets(topic);
    const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return high.reduce((lag, p) => {
      const c = committed!.partitions.find((x) => x.partition === p.partition);
      return lag + (BigInt(p.high) - (c && c.offset !== '-1' ? BigInt(c.offset) : 0n));
    }, 0n);
  });
}

/** Waits until the consumer group has committed everything in events.raw (dropped events included). */
export async function waitCaughtUp(h: Harness, groupId = `${h.env.TOPIC_NAMESPACE}session-fingerprint`): Promise<void> {
  await waitFor(async () => (await groupLag(groupId, h.topics.eventsRaw)) === 0n, { timeoutMs: 60_000, description: 'consumer caught up with events.raw' });
}

/** The enriched records of the given messages (latest copy of each), once all are there. */
export async function waitEnriched(h: Harness, messageIds: string[]): Promise<Map<string, EnrichedEventParsed>> {
  return waitFor(
    async () => {
      const byId = new Map((await h.enriched()).map((e) => [e.messageId, e]));
      return messageIds.every((id) => byId.has(id)) ? byId : null;
    },
    { timeoutMs: 60_000, description: `${messageIds.length} events enriched` },
  );
}
