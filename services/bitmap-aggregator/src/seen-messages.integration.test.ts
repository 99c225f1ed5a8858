import { parseConfig } from '@sightline/config';
import { enrichedEventKeyOf, topicNames, type EnrichedEventParsed } from '@sightline/contracts';
import { listen, type RunningServer } from '@sightline/http';
import { createProducer, ensureTopics, standardTopicSpecs } from '@sightline/kafka';
import { createLogger } from '@sightline/telemetry';
import { deleteKeys, testInfra, testKafka, testNamespace, testRedis, uniqueId, waitFor } from '@sightline/testing';
import { caughtUp, sendEvents, workload } from '../test/harness';
import { config } from './config';
import { createBitmapAggregator, type Aggregator } from './service';

// Issue #17: the same messageId at two offsets of events.enriched (a batch the fingerprint
// produced again, ingest's retried batch) is one event in the totals, whatever separates the two
// copies: one batch, two batches, a restart of the aggregator, another partition. The expected
// figures are computed from the distinct messages sent.
const namespace = testNamespace('agg_seen');
const topics = topicNames(namespace);
const prefix = `${uniqueId('agg_seen')}:`;
const rebuiltPrefix = `${uniqueId('agg_seen_rebuilt')}:`;
const kafka = testKafka();
const producer = createProducer(kafka);
const logger = createLogger({ service: 'bitmap-aggregator-test', level: 'warn' });
const groupId = `${namespace}bitmap-aggregator`;
const env = (extra: Record<string, string> = {}) =>
  parseConfig(config.schema, { KAFKA_BROKERS: testInfra.kafkaBrokers.join(','), TOPIC_NAMESPACE: namespace, REDIS_URL: testInfra.redisUrl, REDIS_KEY_PREFIX: prefix, PORT: '0', ...extra });

const DAY = 86_400_000;
const end = Date.now();
const from = encodeURIComponent(new Date(end - 4 * DAY).toISOString());
const to = encodeURIComponent(new Date(end).toISOString());

let aggregator: Aggregator;
let server: RunningServer;

async function start(extra: Record<string, string> = {}) {
  aggregator = createBitmapAggregator(env(extra), logger);
  await aggregator.start();
  server = await listen(aggregator.app, 0);
}

async function stop() {
  await server.close();
  await aggregator.stop();
}

async function read<T>(project: string, path: string): Promise<T> {
  const res = await fetch(`http://127.0.0.1:${server.port}/internal/projects/${project}/${path}`);
  expect(res.status).toBe(200);
  return (await res.json()) as T;
}

/** What the aggregator answers for a project: uniques, totals overall, by day and of one event name. */
async function counts(project: string) {
  const [uniques, total, purchases, byDay] = await Promise.all([
    read<{ total: number }>(project, `uniques?from=${from}&to=${to}`),
    read<{ total: number }>(project, `totals?from=${from}&to=${to}`),
    read<{ total: number }>(project, `totals?from=${from}&to=${to}&dim=event:purchase`),
    read<{ series: Array<{ count: number }> }>(project, `totals?from=${from}&to=${to}&interval=day`),
  ]);
  return { uniques: uniques.total, total: total.total, purchases: purchases.total, byDay: byDay.series.reduce((sum, s) => sum + s.count, 0) };
}

/** The oracle: distinct messages, their purchases and distinct visitors (the workload's merges left out). */
function expected(events: EnrichedEventParsed[]) {
  const distinct = new Map(events.map((e) => [e.messageId, e]));
  const purchases = [...distinct.values()].filter((e) => e.name === 'purchase').length;
  return { uniques: new Set(events.map((e) => e.visitorIndex)).size, total: distinct.size, purchases, byDay: distinct.size };
}

function ledger(project: string, seed: number): EnrichedEventParsed[] {
  return workload(project, 40, 3, end, seed).map((e) => ({ ...e, mergedVisitorIndexes: [] }));
}

/** Every third event of a ledger, as copies with the same messageId (JSON round trip: nothing shared). */
const copiesOf = (events: EnrichedEventParsed[]) => events.filter((_, i) => i % 3 === 0).map((e) => JSON.parse(JSON.stringify(e)) as EnrichedEventParsed);

async function settled(project: string, want: ReturnType<typeof expected>) {
  await waitFor(() => caughtUp(kafka, groupId, topics.eventsEnriched), { timeoutMs: 60_000, description: 'aggregator caught up' });
  // Caught up means committed after the writes: the counts are final.
  const got = await counts(project);
  expect(got).toEqual(want);
  return got;
}

beforeAll(async () => {
  await ensureTopics(kafka, standardTopicSpecs(topics));
  await producer.start();
  await start();
});

afterAll(async () => {
  await stop();
  await producer.stop();
  const redis = testRedis();
  await deleteKeys(redis, `${prefix}*`);
  await deleteKeys(redis, `${rebuiltPrefix}*`);
  redis.disconnect();
});

describe('event totals are exact per messageId (issue #17)', () => {
  it('counts a message once when its copy is in the same send, right after it', async () => {
    const events = ledger('same_batch', 1);
    const sent = events.flatMap((e, i) => (i % 3 === 0 ? [e, JSON.parse(JSON.stringify(e)) as EnrichedEventParsed] : [e]));
    expect(sent.length).toBeGreaterThan(events.length);
    await sendEvents(producer, topics.eventsEnriched, sent);
    await settled('same_batch', expected(sent));
  });

  it('counts a message once when its copy comes in a later batch, on the same or another partition', async () => {
    const events = ledger('later_batch', 2);
    await sendEvents(producer, topics.eventsEnriched, events);
    const want = expected(events);
    await settled('later_batch', want);
    const copies = copiesOf(events);
    await sendEvents(producer, topics.eventsEnriched, copies.slice(0, 20));
    // As after partitions were added to the topic: the copy lands on a partition its visitor's key does not name.
    const admin = kafka.admin();
    await admin.connect();
    const partitions = (await admin.fetchTopicMetadata({ topics: [topics.eventsEnriched] })).topics[0]!.partitions.length;
    await admin.disconnect();
    expect(partitions).toBeGreaterThan(1);
    await producer.raw.send({
      topic: topics.eventsEnriched,
      messages: copies.slice(20).map((e, i) => ({ key: enrichedEventKeyOf(e), value: JSON.stringify(e), partition: i % partitions })),
    });
    await settled('later_batch', want);
  });

  it('counts a message once when its copy comes after a restart of the aggregator, and a rebuild from offset 0 gives the same counts', async () => {
    const events = ledger('restart', 3);
    await sendEvents(producer, topics.eventsEnriched, events);
    const want = expected(events);
    await settled('restart', want);
    await stop();
    await sendEvents(producer, topics.eventsEnriched, copiesOf(events));
    await start();
    await settled('restart', want);

    // `sightline replay aggregator` into a lost (empty) store: a new group from offset 0 and a
    // fresh prefix; every copy is in the topic, and the counts come out the same.
    const rebuilt = createBitmapAggregator(env({ REDIS_KEY_PREFIX: rebuiltPrefix, CONSUMER_GROUP_ID: `${namespace}rebuild` }), logger);
    await rebuilt.start();
    try {
      await waitFor(() => caughtUp(kafka, `${namespace}rebuild`, topics.eventsEnriched), { timeoutMs: 60_000, description: 'rebuild caught up' });
      const range = { from: new Date(end - 4 * DAY), to: new Date(end) };
      const settings = { timeZone: 'UTC', minuteBucketDays: 2, hourBucketDays: 90, botFiltering: true };
      expect(await rebuilt.reader.totals('restart', settings, range)).toMatchObject({ total: want.total });
      expect(await rebuilt.reader.uniques('restart', settings, range, { dim: '$active' })).toMatchObject({ total: want.uniques });
    } finally {
      await rebuilt.stop();
    }
  });
});
