// Query service benchmarks, printed figures (never asserted):
//   node scripts/run-ts.mjs bench/query/run.ts [--events N] [--stream M] [--quick] [--skip-stream] [--skip-queries] [--skip-selfjoin] [--keep-db] [--db URL] [--runs R] [--skewed]
// 1. Store throughput: M enriched events (default 1M: 100k visitors, sessions of 5 events)
//    pre-filled into a fresh namespace's events.enriched.v1 (gzip, 4 partitions), then the
//    service's consumers + store (in-process, CONSUMER_INSTANCES as the service, default 2)
//    into a fresh database; rates from consumer start, from the first commit, and (the steady
//    figure) from the first commit past a tenth of the events, each to the last offset committed.
// 2. Funnel, event log: N events / N/10 visitors / 90 days generated in SQL (generate_series,
//    indexes built after the load), then a 3-step sequential funnel with a 7-day window over
//    the 90 days through the HTTP API (p50 of 5, or --runs), the obvious self-join SQL on the same data
//    (one run), and a 50-row event-log page filtered by name and one day (p50 of 50).
import '../instrument';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { Pool, type PoolClient } from 'pg';
import { topicNames, enrichedEventKeyOf } from '@sightline/contracts';
import { listen } from '@sightline/http';
import { createProducer, ensureTopics, standardTopicSpecs } from '@sightline/kafka';
import { createLogger } from '@sightline/telemetry';
import { createTestDatabase, followCommits, prefill, repoRoot, testKafka, testNamespace, benchArgs } from '@sightline/testing';
import { enrichedEvent } from '../../services/query/test/enriched-factory';
import { createApp } from '../../services/query/src/app';
import { createEventsConsumer } from '../../services/query/src/consumers/events.consumer';
import { createErasureStore } from '../../services/query/src/stores/erasure.store';
import { createEventStore } from '../../services/query/src/stores/event.store';
import { createPartitionStore } from '../../services/query/src/stores/partition.store';
import { loadEvents } from './load';

const cli = benchArgs();
const arg = cli.number;
const quick = cli.quick;
const EVENTS = arg('events', quick ? 1_000_000 : 10_000_000);
// A backlog large enough that batches (4 MB fetches, ~100k events) do not hide the steady rate.
const STREAM = arg('stream', quick ? 50_000 : 1_000_000);
const logger = createLogger({ service: 'bench-query', level: 'warn' });
const T0 = Date.UTC(2026, 6, 1);
// The bundle runs from a temporary folder, so resolve from the repository root.
const migrationsDir = join(repoRoot, 'services', 'query', 'prisma', 'migrations');

function p50(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.ceil(s.length / 2) - 1]!;
}
const fmt = (ms: number) => (ms < 1000 ? `${ms.toFixed(1)} ms` : `${(ms / 1000).toFixed(2)} s`);

async function benchStore(): Promise<void> {
  const db = await createTestDatabase('bench_store', migrationsDir);
  const pool = new Pool({ connectionString: db.url, max: 8 });
  const ns = testNamespace('bench_query');
  const topics = topicNames(ns);
  const kafka = testKafka('bench-query');
  await ensureTopics(kafka, standardTopicSpecs(topics));
  const producer = createProducer(kafka);
  await producer.start();
  const started = Date.now();
  const visitors = Math.max(1, Math.round(STREAM / 10));
  function* events() {
    for (let n = 0; n < STREAM; n++) {
      const v = n % visitors;
      // Every visitor's k-th event is event v + k·visitors: 10 events each, in sessions of 5
      // whatever the size (a fixed 50,000-event session period made every event of a 1M run a
      // session of its own).
      const session = Math.floor(Math.floor(n / visitors) / 5);
      const e = enrichedEvent({ projectId: 'bench', messageId: `m${n}`, visitorIndex: v, name: n % 3 ? '$pageview' : 'Clicked', timestamp: new Date(T0 + n * 1000).toISOString(), sessionId: `s-${v}-${session}`, path: `/p${n % 20}`, properties: { plan: n % 4 ? 'free' : 'pro', n } });
      yield { key: enrichedEventKeyOf(e), value: e };
    }
  }
  await prefill(producer, topics.eventsEnriched, events());
  console.log(`prefilled ${STREAM} enriched events in ${fmt(Date.now() - started)}`);
  // As the service runs them (config CONSUMER_INSTANCES, default 2; pool of 8 less 2 for API queries).
  const instances = Number(process.env.CONSUMER_INSTANCES ?? 2);
  const consumers = Array.from({ length: instances }, () =>
    createEventsConsumer({
      kafka, topics, groupId: `${ns}query`, producer, logger,
      events: createEventStore(pool, createPartitionStore(pool)), erasures: createErasureStore(pool),
      retry: { attempts: 5, backoffMs: 200 },
      partitionsConsumedConcurrently: Math.max(1, Math.floor(6 / instances)),
      maxBytesPerPartition: process.env.MAX_BYTES_PER_PARTITION ? Number(process.env.MAX_BYTES_PER_PARTITION) : undefined,
    }),
  );
  const t0 = Date.now();
  await Promise.all(consumers.map((c) => c.start()));
  // Progress from the group's committed offsets: counting the table every 100 ms made Postgres
  // scan up to 1M rows ten times a second beside the inserts it was measuring.
  const rates = await followCommits(kafka, `${ns}query`, topics.eventsEnriched, STREAM, t0);
  const stored = Number((await pool.query('SELECT count(*) AS n FROM events')).rows[0].n);
  if (stored !== STREAM) throw new Error(`offsets say ${STREAM} events are stored, the table holds ${stored}`);
  console.log(`store throughput: ${STREAM} events in ${rates.seconds.toFixed(2)} s = ${rates.overall} events/s incl. group join; ${rates.fromFirstCommit} events/s from the first row; ${rates.steady} events/s past the first tenth (${consumers.length} consumer instance${consumers.length > 1 ? 's' : ''})`);
  await Promise.all(consumers.map((c) => c.stop()));
  await producer.stop();
  const admin = kafka.admin();
  await admin.connect();
  await admin.deleteTopics({ topics: Object.values(topics) }).catch(() => undefined);
  await admin.disconnect();
  await pool.end();
  await db.drop();
}

async function timeIt<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const t = performance.now();
  const r = await fn();
  return [performance.now() - t, r];
}

async function benchQueries(): Promise<void> {
  // --db URL: a database kept by an earlier run (--keep-db), already loaded: skip the load.
  const reuse = cli.string('db');
  const db = reuse ? { url: reuse, drop: async () => undefined } : await createTestDatabase('bench_funnel', migrationsDir);
  const pool = new Pool({ connectionString: db.url, max: 4 });
  const visitors = Math.round(EVENTS / 10);
  const skewed = cli.flag('skewed');
  if (reuse) console.log(`reusing ${reuse} (its events as loaded; --events only labels)`);
  else {
    const [loadMs] = await timeIt(() => loadEvents(pool, { events: EVENTS, visitors, from: T0, days: 90, skewed }));
    console.log(`loaded ${EVENTS} events / ${visitors} visitors / 90 days${skewed ? ' (skewed: visitor = N·u³)' : ' (uniform)'} in ${fmt(loadMs)}`);
  }
  const app = createApp({ pool, logger, timeZoneOf: () => 'UTC', checks: {} });
  const server = await listen(app, 0);
  const base = `http://127.0.0.1:${server.port}/internal/projects/bench`;
  const funnel = {
    from: new Date(T0).toISOString(), to: new Date(T0 + 90 * 86_400_000).toISOString(), windowSeconds: 7 * 86_400, order: 'sequential',
    steps: [{ event: 'view_item' }, { event: 'add_to_cart' }, { event: 'purchase' }],
  };
  const times: number[] = [];
  let answer: { steps: Array<{ count: number }> } | undefined;
  for (let i = 0; i < arg('runs', 5); i++) {
    const [ms, body] = await timeIt(async () => (await fetch(`${base}/funnels`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(funnel) })).json());
    times.push(ms);
    answer = body as typeof answer;
  }
  console.log(`funnel (3 steps, 7-day window, sequential, ${EVENTS} events): p50 ${fmt(p50(times))} (runs: ${times.map(fmt).join(', ')}); counts ${answer!.steps.map((s) => s.count).join(' / ')}; load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  if (!cli.flag('skip-selfjoin')) {
    try {
      const [ms, rows] = await timeIt(() => selfJoin(pool));
      console.log(`self-join SQL (same funnel, one run): ${fmt(ms)}; counts ${rows.join(' / ')}; self-join / funnel p50 = ${(ms / p50(times)).toFixed(1)}x`);
    } catch (err) {
      console.log(`self-join SQL: gave up after ${SELF_JOIN_TIMEOUT_S} s (${(err as Error).message}); ratio > ${((SELF_JOIN_TIMEOUT_S * 1000) / p50(times)).toFixed(1)}x`);
    }
  }
  const page: number[] = [];
  const count: number[] = [];
  for (let i = 0; i < 50; i++) {
    const day = T0 + ((i * 7) % 90) * 86_400_000;
    const q = `from=${new Date(day).toISOString()}&to=${new Date(day + 86_400_000).toISOString()}&name=add_to_cart`;
    page.push((await timeIt(async () => (await fetch(`${base}/events?${q}&limit=50`)).json()))[0]);
    count.push((await timeIt(async () => (await fetch(`${base}/counts?${q}`)).json()))[0]);
  }
  console.log(`event-log page (50 rows, name + 1 day): p50 ${fmt(p50(page))}; its count (The Eye's count): p50 ${fmt(p50(count))}`);
  await server.close();
  await pool.end();
  if (cli.flag('keep-db') || reuse) console.log(`kept database ${db.url}`);
  else await db.drop();
}

const SELF_JOIN_TIMEOUT_S = 300;

/** The obvious SQL: each step a self-join on the visitor within the window after step 1. */
async function selfJoin(pool: Pool): Promise<number[]> {
  const client = await pool.connect();
  try {
    await client.query(`SET statement_timeout = '${SELF_JOIN_TIMEOUT_S}s'`);
    return await selfJoinOn(client);
  } finally {
    await client.query('RESET statement_timeout');
    client.release();
  }
}

async function selfJoinOn(pool: PoolClient): Promise<number[]> {
  const { rows } = await pool.query(`
    SELECT count(DISTINCT e1.visitor_index) AS s1, count(DISTINCT e2.visitor_index) AS s2, count(DISTINCT e3.visitor_index) AS s3
    FROM events e1
    LEFT JOIN events e2 ON e2.project_id = e1.project_id AND e2.visitor_index = e1.visitor_index AND e2.name = 'add_to_cart'
      AND e2."timestamp" > e1."timestamp" AND e2."timestamp" <= e1."timestamp" + interval '7 days'
    LEFT JOIN events e3 ON e3.project_id = e1.project_id AND e3.visitor_index = e1.visitor_index AND e3.name = 'purchase'
      AND e3."timestamp" > e2."timestamp" AND e3."timestamp" <= e1."timestamp" + interval '7 days'
    WHERE e1.project_id = 'bench' AND e1.name = 'view_item'
      AND e1."timestamp" >= $1 AND e1."timestamp" < $2`, [new Date(T0).toISOString(), new Date(T0 + 90 * 86_400_000).toISOString()]);
  return [Number(rows[0].s1), Number(rows[0].s2), Number(rows[0].s3)];
}

async function main() {
  console.log(`machine: ${cpus().length} cpus (${cpus()[0]?.model}), ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, node ${process.version}`);
  if (!cli.flag('skip-stream')) await benchStore();
  if (!cli.flag('skip-queries')) await benchQueries();
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
