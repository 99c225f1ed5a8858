import { randomUUID } from 'node:crypto';
import { enrichedEventKeyOf, topicNames, type EnrichedEventParsed, type Erasure, type TopicNames } from '@sightline/contracts';
import { createProducer, ensureTopics, fetchTopicOffsets, standardTopicSpecs, type DurableProducer } from '@sightline/kafka';
import { testKafka, testNamespace, uniqueId, waitFor } from '@sightline/testing';
import { createEventConsumer, erasureIdHash, type DeliveredErasure, type DeliveredEvent, type EventConsumer, type InvalidRecord, type RecordPosition } from './index';

/** A valid v1 enriched event of `visitorIndex`, as session-fingerprint makes them. */
function enriched(projectId: string, visitorIndex: number, overrides: Partial<EnrichedEventParsed> = {}): EnrichedEventParsed {
  const now = new Date().toISOString();
  return {
    messageId: randomUUID(), projectId, type: 'track', name: 'Checkout', category: null, properties: { n: visitorIndex }, traits: {},
    anonymousId: `anon-${visitorIndex}`, userId: null, visitorId: `anon-${visitorIndex}`, visitorIndex, mergedVisitorIndexes: [],
    sessionId: `s-${visitorIndex}`, isNewVisitor: false, isNewSession: false, timestamp: now, receivedAt: now, context: {},
    device: { browser: 'Firefox', browserVersion: '140', os: 'Linux', deviceType: 'desktop' },
    country: null, referrerDomain: null, source: null, medium: null, campaign: null, entryPage: null, previousExitPage: null, isBot: false,
    ...overrides,
  };
}

/** The records as the fingerprint service sends them: key projectId:visitorIndex, JSON, gzip, acks from all replicas, trace headers. */
const asRecords = (events: EnrichedEventParsed[], traceparent: string) => events.map((e) => ({ key: enrichedEventKeyOf(e), value: e, headers: { traceparent } }));

async function committedOffsets(groupId: string, topic: string): Promise<Map<number, string>> {
  const admin = testKafka().admin();
  await admin.connect();
  try {
    const [entry] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return new Map(entry!.partitions.map((p) => [p.partition, p.offset]));
  } finally {
    await admin.disconnect();
  }
}

describe('libs/consumer against the real broker', () => {
  let topics: TopicNames;
  let namespace: string;
  let producer: DurableProducer;
  const consumers: EventConsumer[] = [];
  const projectId = uniqueId('kit');

  beforeAll(async () => {
    namespace = testNamespace('consumer');
    topics = topicNames(namespace);
    await ensureTopics(testKafka(), standardTopicSpecs(topics));
    producer = createProducer(testKafka());
    await producer.start();
  });
  afterAll(async () => {
    await Promise.all(consumers.map((c) => c.stop()));
    await producer.stop();
  });

  function start(groupId: string, handlers: Partial<Parameters<typeof createEventConsumer>[0]>): EventConsumer {
    const consumer = createEventConsumer({
      kafka: testKafka(),
      groupId,
      namespace,
      handleEvent: async () => {},
      handleErasure: async () => {},
      onInvalid: () => {},
      ...handlers,
    });
    consumers.push(consumer);
    void consumer.start();
    return consumer;
  }

  it('delivers events decoded in partition order with their dedupe key, merges applied; an invalid record goes to onInvalid and the partition moves on; an erasure calls its callback', async () => {
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    // Eight visitors, five events each, then visitor 1 merged into visitor 0 (an identify of visitor 0).
    const events = Array.from({ length: 40 }, (_, i) => enriched(projectId, i % 8));
    const merge = enriched(projectId, 0, { type: 'identify', name: '$identify', userId: 'ann', visitorId: 'ann', mergedVisitorIndexes: [1] });
    await producer.send(topics.eventsEnriched, asRecords([...events.slice(0, 20), merge], traceparent));
    // Two bad records on visitor 2's partition, between its valid events.
    const invalidEvent = { ...enriched(projectId, 2), sessionId: undefined };
    await producer.raw.send({ topic: topics.eventsEnriched, messages: [{ key: enrichedEventKeyOf(invalidEvent), value: JSON.stringify(invalidEvent) }, { key: `${projectId}:2`, value: '{not json' }] });
    await producer.send(topics.eventsEnriched, asRecords(events.slice(20), traceparent));
    const erasure: Erasure = { requestId: randomUUID(), projectId, visitorIndexes: [3], idHashes: [erasureIdHash('a-test-secret-of-at-least-32-characters', projectId, 'anon-3')], requestedAt: new Date().toISOString() };
    await producer.send(topics.erasures, [{ key: projectId, value: erasure }]);

    const delivered: DeliveredEvent[] = [];
    const invalid: InvalidRecord[] = [];
    const erasures: DeliveredErasure[] = [];
    const groupId = uniqueId('kit-group');
    const consumer = start(groupId, {
      handleEvent: async (e) => void delivered.push(e),
      handleErasure: async (e) => void erasures.push(e),
      onInvalid: async (r) => void invalid.push(r),
    });
    const sent = [...events.slice(0, 20), merge, ...events.slice(20)];
    await waitFor(() => delivered.length >= sent.length && invalid.length >= 2 && erasures.length >= 1, { timeoutMs: 60_000, description: 'every record handled' });

    // Every event once, as sent, with its dedupe key and the producer's trace header.
    expect(delivered.map((d) => d.dedupeKey).sort()).toEqual(sent.map((e) => `${projectId}:${e.messageId}`).sort());
    const byId = new Map(sent.map((e) => [e.messageId, e]));
    for (const d of delivered) {
      expect(d.version).toBe('v1');
      expect(d.event).toEqual(byId.get(d.event.messageId));
      expect(d.headers.traceparent?.toString()).toBe(traceparent);
      expect(d.topic).toBe(topics.eventsEnriched);
    }
    // Each visitor's events in the order they were sent (one key, one partition).
    for (let v = 0; v < 8; v++) {
      const expected = sent.filter((e) => e.visitorIndex === v).map((e) => e.messageId);
      expect(delivered.filter((d) => d.event.visitorIndex === v).map((d) => d.event.messageId)).toEqual(expected);
    }
    // The merge: visitor 1 is visitor 0 from now on, and the merge event says so.
    expect(await consumer.canonicalVisitorIndex(projectId, 1)).toBe(0);
    expect(await consumer.canonicalVisitorIndex(projectId, 5)).toBe(5);
    expect(delivered.find((d) => d.event.messageId === merge.messageId)!.canonicalVisitorIndex).toBe(0);

    // The bad records reached the caller with their bytes and a reason naming the field.
    expect(invalid.map((r) => r.reason)).toEqual([expect.stringContaining('sessionId'), expect.stringContaining('invalid JSON')]);
    expect(invalid[0]!.value?.toString()).toBe(JSON.stringify(invalidEvent));
    expect(invalid.map((r) => r.key)).toEqual([`${projectId}:2`, `${projectId}:2`]);
    // The erasure, decoded.
    expect(erasures.map((e) => e.erasure)).toEqual([erasure]);

    // Everything is committed, the bad records included: nothing holds a partition.
    for (const topic of [topics.eventsEnriched, topics.erasures]) {
      const highs = await fetchTopicOffsets(testKafka(), topic);
      await waitFor(async () => {
        const committed = await committedOffsets(groupId, topic);
        return highs.every((h) => h.high === '0' || committed.get(h.partition) === h.high);
      }, { timeoutMs: 30_000, description: `${topic} committed to its high watermarks` });
    }
  });

  it('commits nothing past a handler that throws: a restart re-delivers from the failed event', async () => {
    const visitor = 100;
    const events = Array.from({ length: 10 }, () => enriched(projectId, visitor));
    await producer.send(topics.eventsEnriched, asRecords(events, '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01'));
    const failing = events[5]!.messageId;
    const groupId = uniqueId('kit-throw');

    const first: string[] = [];
    const errors: RecordPosition[] = [];
    const a = start(groupId, {
      handleEvent: async (e) => {
        if (e.event.visitorIndex !== visitor) return;
        if (e.event.messageId === failing) throw new Error('the store is down');
        first.push(e.event.messageId);
      },
      onError: (_err, at) => void errors.push(at),
    });
    await waitFor(() => errors.length >= 2, { timeoutMs: 60_000, description: 'the failing event tried twice' });
    await a.stop();
    // The five before it were handled once each; nothing at or after it was.
    expect(first).toEqual(events.slice(0, 5).map((e) => e.messageId));
    const failedAt = errors[0]!;
    expect(errors.every((e) => e.offset === failedAt.offset && e.partition === failedAt.partition)).toBe(true);
    expect((await committedOffsets(groupId, topics.eventsEnriched)).get(failedAt.partition)).toBe(failedAt.offset);

    // The same group again, with a handler that works: it gets exactly the events from the failed one on.
    const second: string[] = [];
    start(groupId, { handleEvent: async (e) => void (e.event.visitorIndex === visitor && second.push(e.event.messageId)) });
    await waitFor(() => second.length >= 5, { timeoutMs: 60_000, description: 'the re-delivery' });
    expect(second).toEqual(events.slice(5).map((e) => e.messageId));
  });
});
