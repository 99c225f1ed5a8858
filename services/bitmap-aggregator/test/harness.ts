import { join } from 'node:path';
import type { Kafka } from 'kafkajs';
import { enrichedEventKeyOf, topicNames, type EnrichedEventParsed } from '@sightline/contracts';
import { createProducer, ensureTopics, standardTopicSpecs, type DurableProducer } from '@sightline/kafka';
import { deleteKeys, repoRoot, testInfra, testKafka, testNamespace, testRedis, uniqueId, type ServiceProcess } from '@sightline/testing';
import { enrichedEvent } from './events';

/**
 * For a test file that runs the built service as a process: its own namespace, topics and key
 * prefix, a producer, the service's base environment, and clean-up after the file (the process
 * left in `processes.service` is stopped, the keys deleted).
 */
export function serviceFixture(name: string) {
  const namespace = testNamespace(name);
  const prefix = `${uniqueId(name)}:`;
  const kafka = testKafka();
  const fixture = {
    namespace,
    topics: topicNames(namespace),
    prefix,
    kafka,
    producer: createProducer(kafka),
    processes: { service: undefined as ServiceProcess | undefined },
    env: {
      KAFKA_BROKERS: testInfra.kafkaBrokers.join(','),
      TOPIC_NAMESPACE: namespace,
      REDIS_URL: testInfra.redisUrl,
      REDIS_KEY_PREFIX: prefix,
      // npm currently installs the OpenTelemetry packages under libs/telemetry/node_modules (not
      // hoisted), where a bundle in services/*/dist cannot find them; harmless once they are hoisted.
      NODE_PATH: join(repoRoot, 'libs', 'telemetry', 'node_modules'),
    } as Record<string, string>,
  };
  beforeAll(async () => {
    await ensureTopics(fixture.kafka, standardTopicSpecs(fixture.topics));
    await fixture.producer.start();
  });
  afterAll(async () => {
    await fixture.processes.service?.stop();
    await fixture.producer.stop();
    const redis = testRedis();
    await deleteKeys(redis, `${fixture.prefix}*`);
    redis.disconnect();
  });
  return fixture;
}

/** True when the group has committed every message of the topic. */
export async function caughtUp(kafka: Kafka, groupId: string, topic: string): Promise<boolean> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [high, committed] = await Promise.all([admin.fetchTopicOffsets(topic), admin.fetchOffsets({ groupId, topics: [topic] })]);
    const done = new Map(committed[0]!.partitions.map((p) => [p.partition, BigInt(p.offset)]));
    return high.every((h) => BigInt(h.high) === 0n || (done.get(h.partition) ?? -1n) >= BigInt(h.high));
  } finally {
    await admin.disconnect();
  }
}

export async function sendEvents(producer: DurableProducer, topic: string, events: EnrichedEventParsed[]): Promise<void> {
  for (let i = 0; i < events.length; i += 500) {
    await producer.send(topic, events.slice(i, i + 500).map((e) => ({ key: enrichedEventKeyOf(e), value: e })));
  }
}

/**
 * A deterministic workload with a ledger: `visitors` visitors over `days` days before `end`,
 * a few event names, traits and sources, some merges. Returns the events in send order.
 */
export function workload(projectId: string, visitors: number, days: number, end: number, seed = 1): EnrichedEventParsed[] {
  let state = seed;
  const rand = (n: number) => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state % n;
  };
  const events: EnrichedEventParsed[] = [];
  for (let v = 0; v < visitors; v++) {
    const visits = 1 + rand(4);
    for (let k = 0; k < visits; k++) {
      const timestamp = new Date(end - 1 - rand(days * 86_400_000)).toISOString();
      events.push(
        enrichedEvent({
          projectId,
          visitorIndex: v,
          timestamp,
          name: ['$pageview', 'signup', 'purchase'][rand(3)]!,
          isNewVisitor: k === 0,
          traits: { plan: ['free', 'pro'][rand(2)]! },
          source: [null, 'google', 'newsletter'][rand(3)]!,
          mergedVisitorIndexes: v > 10 && k === 1 && rand(5) === 0 ? [v - 1 - rand(10)] : [],
        }),
      );
    }
  }
  return events;
}

/** Distinct people in a ledger after its merges (union-find in send order), for exact expectations. */
export function peopleOf(events: EnrichedEventParsed[]): number {
  const parent = new Map<number, number>();
  const find = (v: number): number => (parent.has(v) ? find(parent.get(v)!) : v);
  const seen = new Set<number>();
  for (const event of events) {
    const c = find(event.visitorIndex);
    for (const m of event.mergedVisitorIndexes) if (find(m) !== c) parent.set(find(m), c);
    seen.add(event.visitorIndex);
    for (const m of event.mergedVisitorIndexes) seen.add(m);
  }
  return new Set([...seen].map(find)).size;
}
