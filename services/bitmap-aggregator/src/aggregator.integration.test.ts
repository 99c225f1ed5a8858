import { parseConfig } from '@sightline/config';
import { enrichedEventKeyOf, topicNames, type EnrichedEventParsed, type ProjectConfigInput } from '@sightline/contracts';
import { listen, type RunningServer } from '@sightline/http';
import { createProducer, ensureTopics, standardTopicSpecs } from '@sightline/kafka';
import { createLogger } from '@sightline/telemetry';
import { deleteKeys, testInfra, testKafka, testNamespace, testRedis, uniqueId, waitFor } from '@sightline/testing';
import { enrichedEvent } from '../test/events';
import { caughtUp, sendEvents, workload } from '../test/harness';
import { createBitmapAggregator, type Aggregator } from './service';
import { config } from './config';

const namespace = testNamespace('agg');
const topics = topicNames(namespace);
const prefix = `${uniqueId('agg')}:`;
const kafka = testKafka();
const producer = createProducer(kafka);
const logger = createLogger({ service: 'bitmap-aggregator-test', level: 'warn' });
const env = (extra: Record<string, string> = {}) =>
  parseConfig(config.schema, { KAFKA_BROKERS: testInfra.kafkaBrokers.join(','), TOPIC_NAMESPACE: namespace, REDIS_URL: testInfra.redisUrl, REDIS_KEY_PREFIX: prefix, PORT: '0', ...extra });
let aggregator: Aggregator;
let server: RunningServer;
const url = (path: string) => `http://127.0.0.1:${server.port}${path}`;

async function send(events: EnrichedEventParsed[]) {
  await producer.send(topics.eventsEnriched, events.map((e) => ({ key: enrichedEventKeyOf(e), value: e })));
}

beforeAll(async () => {
  await ensureTopics(kafka, standardTopicSpecs(topics));
  await producer.start();
  // A project with its own zone and no bot filtering, known before the aggregator starts.
  const tzProject: ProjectConfigInput = { projectId: 'tz', accountId: 'a', name: 'tz', accountSlug: 'a', slug: 'tz', writeKeys: [], timeZone: 'America/New_York', botFiltering: false, updatedAt: new Date().toISOString() };
  await producer.send(topics.projects, [{ key: 'tz', value: tzProject }]);
  aggregator = createBitmapAggregator(env(), logger);
  await aggregator.start();
  server = await listen(aggregator.app, 0);
});

afterAll(async () => {
  await server?.close();
  await aggregator?.stop();
  await producer.stop();
  const redis = testRedis();
  await deleteKeys(redis, `${prefix}*`);
  redis.disconnect();
});

const projectId = 'walk';
const at = (d: number, h: number) => new Date(Date.UTC(2026, 9, d, h)).toISOString();
const uniquesUrl = `/internal/projects/${projectId}/uniques?from=${encodeURIComponent(at(1, 0))}&to=${encodeURIComponent(at(3, 0))}`;

describe('aggregator (Kafka → Redis → HTTP)', () => {
  it('projects enriched events into $active day bits and answers uniques', async () => {
    await send([
      enrichedEvent({ projectId, visitorIndex: 0, timestamp: at(1, 10), isNewVisitor: true }),
      enrichedEvent({ projectId, visitorIndex: 1, timestamp: at(1, 11), isNewVisitor: true }),
      enrichedEvent({ projectId, visitorIndex: 1, timestamp: at(2, 9) }),
      enrichedEvent({ projectId, visitorIndex: 2, timestamp: at(2, 9), isBot: true }),
    ]);
    const body = await waitFor(async () => {
      const res = await fetch(url(`${uniquesUrl}&interval=day`));
      const json = (await res.json()) as { total: number; series: unknown[] };
      return json.total === 2 ? json : null;
    });
    expect(body).toEqual({ total: 2, series: [{ start: at(1, 0), count: 2 }, { start: at(2, 0), count: 1 }] });
    const totals = await (await fetch(url(`/internal/projects/${projectId}/totals?from=${encodeURIComponent(at(1, 0))}&to=${encodeURIComponent(at(3, 0))}`))).json();
    expect(totals).toEqual({ total: 3 });
  });

  it('answers retention, candidates and breakdown over HTTP', async () => {
    const post = async (path: string, body: unknown) => {
      const res = await fetch(url(`/internal/projects/${projectId}/${path}`), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    expect(await post('retention', { cohortInterval: 'day', from: at(1, 0), periods: 2 })).toEqual({
      status: 200,
      body: { cohorts: [{ start: at(1, 0), size: 2, retained: [2, 1] }, { start: at(2, 0), size: 0, retained: [0] }] },
    });
    expect(await post('candidates', { from: at(1, 0), to: at(3, 0), dims: ['event:click', '$new'] })).toEqual({ status: 200, body: { count: 2, visitorIndexes: [0, 1] } });
    const breakdown = await fetch(url(`/internal/projects/${projectId}/breakdown?from=${encodeURIComponent(at(1, 0))}&to=${encodeURIComponent(at(3, 0))}&prefix=browser`));
    const uniques = await fetch(url(`/internal/projects/${projectId}/uniques?from=${encodeURIComponent(at(1, 0))}&to=${encodeURIComponent(at(3, 0))}`));
    expect(await breakdown.json()).toEqual({ values: [{ value: 'Firefox', uniques: 2 }], total: ((await uniques.json()) as { total: number }).total });
    const tooMany = await post('retention', { cohortInterval: 'month', from: at(1, 0), periods: 99 });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body).toMatchObject({ error: { code: 'invalid_request', field: 'periods' } });
  });

  it("buckets in the project's time zone and counts bots when the project does not filter them", async () => {
    await send([
      enrichedEvent({ projectId: 'tz', visitorIndex: 0, timestamp: '2026-10-02T02:00:00Z' }),
      enrichedEvent({ projectId: 'tz', visitorIndex: 1, timestamp: '2026-10-02T05:00:00Z', isBot: true }),
    ]);
    const path = `/internal/projects/tz/uniques?from=${encodeURIComponent('2026-10-01T04:00:00Z')}&to=${encodeURIComponent('2026-10-03T04:00:00Z')}&interval=day`;
    const body = await waitFor(async () => {
      const json = (await (await fetch(url(path))).json()) as { total: number };
      return json.total === 2 ? json : null;
    });
    expect(body).toEqual({ total: 2, series: [{ start: '2026-10-01T04:00:00.000Z', count: 1 }, { start: '2026-10-02T04:00:00.000Z', count: 1 }] });
  });

  it('rejects bad input with the field named', async () => {
    const res = await fetch(url(`/internal/projects/${projectId}/uniques?from=yesterday&to=${encodeURIComponent(at(3, 0))}`));
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; field: string } };
    expect(body.error).toMatchObject({ code: 'invalid_request', field: 'from' });
    const expr = await fetch(url(`${uniquesUrl}&expr=${encodeURIComponent('{"dim":"nope"}')}`));
    expect(expr.status).toBe(400);
    const minutes = await fetch(url(`${uniquesUrl}&interval=minute`));
    expect(minutes.status).toBe(400);
    expect(((await minutes.json()) as { error: { field: string } }).error.field).toBe('interval');
  });

  it('a replay from offset 0 into the live aggregator leaves every count unchanged', async () => {
    const project = 'replay';
    const end = Date.now();
    await sendEvents(producer, topics.eventsEnriched, workload(project, 150, 5, end));
    const groupId = `${namespace}bitmap-aggregator`;
    await waitFor(() => caughtUp(kafka, groupId, topics.eventsEnriched), { timeoutMs: 60_000, description: 'live aggregator caught up' });
    const from = encodeURIComponent(new Date(end - 6 * 86_400_000).toISOString());
    const to = encodeURIComponent(new Date(end).toISOString());
    const snapshot = async () =>
      Promise.all(
        [
          `uniques?from=${from}&to=${to}&interval=day`,
          `uniques?from=${from}&to=${to}&interval=hour&expr=${encodeURIComponent('{"and":[{"dim":"event:signup"},{"not":{"dim":"trait:plan=pro"}}]}')}`,
          `totals?from=${from}&to=${to}&interval=day`,
          `totals?from=${from}&to=${to}&dim=event:purchase`,
          `breakdown?from=${from}&to=${to}&prefix=source`,
        ].map(async (path) => (await fetch(url(`/internal/projects/${project}/${path}`))).json()),
      );
    const before = await snapshot();
    expect((before[0] as { total: number }).total).toBeGreaterThan(100);

    const replayGroup = `${namespace}replay`;
    const replay = createBitmapAggregator(env({ CONSUMER_GROUP_ID: replayGroup }), logger);
    await replay.start();
    try {
      await waitFor(() => caughtUp(kafka, replayGroup, topics.eventsEnriched), { timeoutMs: 60_000, description: 'replay caught up' });
    } finally {
      await replay.stop();
    }
    expect(await snapshot()).toEqual(before);
  });

  it('readyz reports redis, projects, the consumer loop and its lag (not stuck)', async () => {
    const res = await fetch(url('/readyz'));
    expect(await res.json()).toEqual({ status: 'ready', checks: { redis: true, projects: true, consumer: true, lag: true } });
  });
});
