/**
 * Bitmap-aggregator benchmark: N visitors over D days in one project, projected into a private
 * redis-server through the real writer (same Lua scripts as the service), then the same data
 * in Postgres, and the same questions asked of both.
 *
 *   node scripts/run-ts.mjs bench/aggregator/run.ts [--visitors=100000] [--days=90] [--full]
 *   node scripts/run-ts.mjs bench/aggregator/run.ts --reads [--visitors=200000] [--before=<rev>] [--runs=20]
 *
 * `--reads`: projection, then only the dashboard's costly reads (a 90-day breakdown by page path,
 * top 20, and by source; the 90-day daily series), each split into Redis script time, other Redis
 * commands and the rest (Node: building the program, round trips, replies), no Postgres or Kafka.
 * `--before=<rev>` also reads the same data with the reader of that git revision (bundled from
 * `git archive` on its own connection), alternating run by run: a before/after ratio from one
 * run. The data is written by this revision's writer (its keys are a superset of older ones).
 * About 200,000 visitors make 1M events.
 *
 * `--full` = 1,000,000 visitors × 90 days (the issue's size; minutes of CPU and GBs of RAM).
 * Then the built service (npm run build first; NODE_ENV=production) over the first --consumer-events
 * (default and at most 1,000,000) events through Kafka (--skip-consumer to leave it out; WORKERS
 * and CONSUMER_INSTANCES from the environment).
 */
import '../instrument';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { cpus, totalmem } from 'node:os';
import { Client } from 'pg';
import Redis from 'ioredis';
import { parseConfig } from '@sightline/config';
import { enrichedEventKeyOf, projectConfigValue, topicNames, type EnrichedEventParsed } from '@sightline/contracts';
import { createProducer, ensureTopics, standardTopicSpecs } from '@sightline/kafka';
import { workerCount } from '@sightline/http';
import { createTestDatabase, envSettings, followCommits, freePort, prefill, repoRoot, startService, testInfra, testKafka, testNamespace, waitFor } from '@sightline/testing';
import { config as aggregatorConfig } from '../../services/bitmap-aggregator/src/config';
import { enrichedEvent } from '../../services/bitmap-aggregator/test/events';
import { createBitmapReader } from '../../services/bitmap-aggregator/src/stores/bitmap-reader.store';
import { createBitmapWriter, type PositionedEvent } from '../../services/bitmap-aggregator/src/stores/bitmap-writer.store';
import { bitmapScripts } from '../../services/bitmap-aggregator/src/stores/redis-client.store';
import type { ProjectSettings } from '../../services/bitmap-aggregator/src/domain/range.handler';

const args = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=')).map(([k, v]) => [k, v ?? 'true']));
const VISITORS = args.full ? 1_000_000 : Number(args.visitors ?? 100_000);
const DAYS = Number(args.days ?? 90);
const LANES = 4; // like 4 partitions
const CHUNK = Number(args.batch ?? 4000); // events per project batch (a Kafka batch of one partition)
const DAY = 86_400_000;
// Data ends on a day boundary a day before today: older than the 1-day minute retention, so no
// minute keys are written (at 1M visitors each minute key of each dimension would be ~125 KB).
const END = Math.floor(Date.now() / DAY) * DAY - DAY;
const START = END - DAYS * DAY;
const PROJECT = 'bench';
// Short fine-grain retention: at this size hour/minute keys for every dimension would cost GBs.
const SETTINGS: ProjectSettings = { timeZone: 'UTC', minuteBucketDays: 1, hourBucketDays: 7, botFiltering: true };

const NAMES = ['$pageview', '$pageview', '$pageview', 'signup', 'purchase', 'search', 'share'];
const SOURCES = [null, null, 'google', 'newsletter', 'twitter', 'bing'];
const MEDIUMS = [null, 'cpc', 'email', 'social'];
const CAMPAIGNS = [null, null, 'spring', 'launch'];
const BROWSERS = ['Chrome', 'Firefox', 'Safari', 'Edge'];
const OSES = ['Windows', 'macOS', 'Linux', 'iOS', 'Android'];
const DEVICES = ['desktop', 'mobile', 'tablet'] as const;
const PLANS = ['free', 'free', 'pro', 'team'];
const COUNTRIES = ['US', 'DE', 'FR', 'IN', 'BR'];
const PAGES = Array.from({ length: 40 }, (_, i) => (i === 0 ? '/' : `/p/${i}`));

interface Row {
  visitor: number;
  ts: number;
  name: string;
  source: string | null;
  plan: string;
}

/** A stable pseudo-random number in [0, n) for (visitor, salt): a visitor keeps its browser, plan … */
function pick(visitor: number, salt: number, n: number): number {
  let h = Math.imul(visitor ^ Math.imul(salt, 0x9e3779b1), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return ((h ^ (h >>> 16)) >>> 0) % n;
}

/**
 * Deterministic workload in time order, as the topic holds it: each day brings VISITORS/DAYS
 * new visitors (indexes are dense in first-seen order, as the identity service assigns them)
 * and 1.5× as many returning visits of earlier visitors; a visit is 1-3 events.
 */
type Visit = { session: string; entry: string; path: string; referrer: string | null; newSession: boolean };

function* rows(): Generator<Row & Visit & { first: boolean; medium: string | null; campaign: string | null; browser: string; os: string; device: (typeof DEVICES)[number]; country: string }> {
  let seed = 42;
  const rand = (n: number) => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return (seed >>> 8) % n;
  };
  for (let day = 0; day < DAYS; day++) {
    const newFrom = Math.floor((day * VISITORS) / DAYS);
    const newTo = Math.floor(((day + 1) * VISITORS) / DAYS);
    const returning = newFrom === 0 ? 0 : Math.floor((newTo - newFrom) * 1.5);
    for (let i = 0; i < newTo - newFrom + returning; i++) {
      const first = i < newTo - newFrom;
      const visitor = first ? newFrom + i : rand(newFrom);
      const source = SOURCES[rand(SOURCES.length)]!;
      const medium = MEDIUMS[rand(MEDIUMS.length)]!;
      const campaign = CAMPAIGNS[rand(CAMPAIGNS.length)]!;
      const base = START + day * DAY + rand(DAY - 3_600_000);
      const events = 1 + rand(3);
      // Sessions, pages and referrers feed the dashboard's dimensions (page, entry and exit page, referrer, country).
      const session = `s-${visitor}-${day}-${i}`;
      const entry = PAGES[rand(PAGES.length)]!;
      const referrer = source === 'google' ? 'google.com' : source === 'twitter' ? 't.co' : source === 'bing' ? 'bing.com' : null;
      for (let e = 0; e < events; e++) {
        yield {
          session,
          entry,
          path: e === 0 ? entry : PAGES[rand(PAGES.length)]!,
          referrer,
          newSession: e === 0,
          visitor,
          ts: base + e * 60_000,
          name: NAMES[rand(NAMES.length)]!,
          source,
          medium,
          campaign,
          browser: BROWSERS[pick(visitor, 1, BROWSERS.length)]!,
          os: OSES[pick(visitor, 2, OSES.length)]!,
          device: DEVICES[pick(visitor, 3, DEVICES.length)]!,
          plan: PLANS[pick(visitor, 4, PLANS.length)]!,
          country: COUNTRIES[pick(visitor, 5, COUNTRIES.length)]!,
          first: first && e === 0,
        };
      }
    }
  }
}

let messages = 0;

function toEvent(r: ReturnType<typeof rows> extends Generator<infer T> ? T : never): EnrichedEventParsed {
  return enrichedEvent({
    projectId: PROJECT,
    visitorIndex: r.visitor,
    timestamp: new Date(r.ts).toISOString(),
    name: r.name,
    isNewVisitor: r.first,
    source: r.source,
    medium: r.medium,
    campaign: r.campaign,
    device: { browser: r.browser, browserVersion: null, os: r.os, deviceType: r.device },
    traits: { plan: r.plan, country: r.country },
    country: r.country,
    sessionId: r.session,
    isNewSession: r.newSession,
    entryPage: r.entry,
    referrerDomain: r.referrer,
    context: { page: { path: r.path } },
    // Distinct per event: the aggregator counts a messageId once (docs/bitmaps.md, "Exact per messageId").
    messageId: `m-${messages++}`,
  });
}

async function startRedis(): Promise<{ redis: Redis; stop(): void }> {
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--maxmemory', '0'], { stdio: 'ignore' });
  const redis = new Redis(port, '127.0.0.1', { enableAutoPipelining: true, retryStrategy: () => 50 });
  redis.on('error', () => undefined); // refused until the server listens
  try {
    await waitFor(async () => (await redis.ping()) === 'PONG', { timeoutMs: 10_000, description: 'bench redis-server' });
  } catch (err) {
    redis.disconnect();
    child.kill('SIGKILL');
    throw err;
  }
  return { redis, stop: () => (redis.disconnect(), child.kill('SIGKILL')) };
}

function percentiles(samples: number[]) {
  const s = [...samples].sort((a, b) => a - b);
  return { p50: s[Math.floor(s.length / 2)]!, p95: s[Math.min(s.length - 1, Math.floor(s.length * 0.95))]! };
}

async function time<T>(times: number, fn: () => Promise<T>): Promise<{ value: T; p50: number; p95: number }> {
  let value!: T;
  const samples: number[] = [];
  for (let i = 0; i < times; i++) {
    const t = performance.now();
    value = await fn();
    samples.push(performance.now() - t);
  }
  return { value, ...percentiles(samples) };
}

async function project(redis: Redis): Promise<{ events: number; seconds: number; dimsPerEvent: number }> {
  const writer = createBitmapWriter(redis, bitmapScripts(redis), 'bench:');
  const lanes: PositionedEvent[][] = Array.from({ length: LANES }, () => []);
  const offsets = new Array<number>(LANES).fill(0);
  // Like kafkajs: one batch at a time per lane (partition), lanes in parallel; one more batch
  // may wait per lane so that Node prepares while Redis runs.
  const chains: Array<Promise<void>> = Array.from({ length: LANES }, () => Promise.resolve());
  const queued = new Array<number>(LANES).fill(0);
  let events = 0;
  let dims = 0;
  const started = performance.now();
  const flush = async (lane: number) => {
    const batch = lanes[lane]!;
    lanes[lane] = [];
    if (queued[lane]! >= 2) await chains[lane];
    queued[lane]!++;
    chains[lane] = chains[lane]!.then(() => writer.applyEvents(PROJECT, SETTINGS, `bench:${lane}`, batch)).finally(() => queued[lane]!--);
    // Let Redis replies in (as kafkajs does between fetch responses): generating events without
    // yielding kept the other lanes' replies waiting and Redis idle meanwhile.
    await new Promise((resolve) => setImmediate(resolve));
  };
  for (const r of rows()) {
    const lane = r.visitor % LANES;
    const event = toEvent(r);
    // Dashboard dimensions: country, page (pageviews), entry page (a visit's first event), referrer;
    // exit pages add about one bit per visit on top.
    dims += 9 + (r.source ? 1 : 0) + (r.medium ? 1 : 0) + (r.campaign ? 1 : 0) + (r.first ? 1 : 0) - 3 + 1 + (r.name === '$pageview' ? 1 : 0) + (r.newSession ? 1 : 0) + (r.referrer ? 1 : 0);
    lanes[lane]!.push({ offset: BigInt(offsets[lane]!++), event });
    events++;
    if (lanes[lane]!.length >= CHUNK) await flush(lane);
  }
  for (let lane = 0; lane < LANES; lane++) if (lanes[lane]!.length) await flush(lane);
  await Promise.all(chains);
  return { events, seconds: (performance.now() - started) / 1000, dimsPerEvent: dims / events };
}

async function loadPostgres(pg: Client): Promise<number> {
  await pg.query('CREATE TABLE events (visitor int NOT NULL, ts timestamptz NOT NULL, name text NOT NULL, source text, plan text NOT NULL)');
  const started = performance.now();
  let batch: Row[] = [];
  const insert = async () => {
    await pg.query('INSERT INTO events SELECT * FROM unnest($1::int[], $2::timestamptz[], $3::text[], $4::text[], $5::text[])', [
      batch.map((r) => r.visitor),
      batch.map((r) => new Date(r.ts).toISOString()),
      batch.map((r) => r.name),
      batch.map((r) => r.source),
      batch.map((r) => r.plan),
    ]);
    batch = [];
  };
  for (const r of rows()) {
    batch.push(r);
    if (batch.length >= 20_000) await insert();
  }
  if (batch.length) await insert();
  await pg.query('CREATE INDEX events_ts ON events (ts)');
  await pg.query('ANALYZE events');
  return (performance.now() - started) / 1000;
}

/**
 * The service itself (the built services/bitmap-aggregator/dist/main.js, NODE_ENV=production,
 * WORKERS and CONSUMER_INSTANCES from the environment) over the first N events of the same
 * workload pre-filled into events.enriched of a fresh namespace (4 partitions, keyed as the
 * fingerprint keys them): Kafka fetch, decoding and the writer, in as many processes as it runs
 * in production. Rate from the first commit past a tenth of the events to the last; then the
 * service's own totals API must count every event.
 * SERVICE_NODE_ARGS (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`) are node flags for it.
 */
async function consume(redisPort: number, count: number): Promise<void> {
  if (!existsSync(join(repoRoot, 'services/bitmap-aggregator/dist/main.js'))) throw new Error('services/bitmap-aggregator/dist/main.js is missing: run `npm run build` first');
  const ns = testNamespace('bench_agg_consumer');
  const topics = topicNames(ns);
  const kafka = testKafka('bench-aggregator');
  await ensureTopics(kafka, standardTopicSpecs(topics));
  const producer = createProducer(kafka);
  await producer.start();
  const project = projectConfigValue.parse({
    projectId: PROJECT, accountId: 'bench', name: 'bench', accountSlug: 'bench', slug: 'bench', writeKeys: [],
    retention: { minuteBucketDays: SETTINGS.minuteBucketDays, hourBucketDays: SETTINGS.hourBucketDays }, updatedAt: new Date().toISOString(),
  });
  await producer.send(topics.projects, [{ key: PROJECT, value: project }]);
  function* events() {
    let n = 0;
    for (const r of rows()) {
      if (n++ >= count) return;
      const event = toEvent(r);
      yield { key: enrichedEventKeyOf(event), value: event };
    }
  }
  const sent = await prefill(producer, topics.eventsEnriched, events());
  await producer.stop();
  const settings = envSettings(['WORKERS', 'CONSUMER_INSTANCES']);
  const env = parseConfig(aggregatorConfig.schema, { NODE_ENV: 'production', ...settings });
  const workers = workerCount(env.WORKERS, env.NODE_ENV);
  const started = Date.now();
  const service = await startService(
    'bitmap-aggregator',
    {
      TOPIC_NAMESPACE: ns, KAFKA_BROKERS: testInfra.kafkaBrokers.join(','), REDIS_URL: `redis://127.0.0.1:${redisPort}`, REDIS_KEY_PREFIX: 'consumer:',
      LOG_LEVEL: 'warn', NODE_ENV: 'production', ...settings,
      // Production refuses to start without the erased-id key (docs/identity.md, "Erasure").
      ERASURE_ID_SECRET: 'bench-only erasure id secret, 32+ chars',
      // The OpenTelemetry packages are installed under libs/telemetry (see aggregator.e2e.test.ts).
      NODE_PATH: join(repoRoot, 'libs', 'telemetry', 'node_modules'),
    },
    { nodeArgs: process.env.SERVICE_NODE_ARGS?.split(' ').filter(Boolean) ?? [] },
  );
  try {
    const rates = await followCommits(kafka, `${ns}bitmap-aggregator`, topics.eventsEnriched, sent, started);
    const range = `from=${new Date(START).toISOString()}&to=${new Date(END).toISOString()}`;
    const counted = ((await (await fetch(`${service.url}/internal/projects/${PROJECT}/totals?${range}`)).json()) as { total: number }).total;
    console.log(`service consumer (the built service, ${workers} process${workers > 1 ? 'es' : ''} x ${env.CONSUMER_INSTANCES} consumer instances: Kafka fetch + decoding + writer): ${sent.toLocaleString('en')} events, ${rates.steady.toLocaleString('en')} events/s past the first tenth (${rates.overall.toLocaleString('en')} incl. start and group join); totals ${counted === sent ? 'exact' : `WRONG: ${counted}`}`);
  } finally {
    await service.stop();
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteTopics({ topics: Object.values(topics) }).catch(() => undefined);
    await admin.disconnect();
  }
}

/** The reader (and its scripts) of git revision `rev`, bundled from `git archive` into .sightline/. */
async function readerAt(rev: string): Promise<{ createBitmapReader: typeof createBitmapReader; bitmapScripts: typeof bitmapScripts }> {
  if (rev.startsWith('-')) throw new Error(`--before takes a git revision, not ${rev}`);
  const commit = execFileSync('git', ['rev-parse', '--verify', `${rev}^{commit}`], { cwd: repoRoot }).toString().trim();
  // Inside the repository so that the bundle finds node_modules; .sightline/ is ignored by git.
  const dir = join(repoRoot, '.sightline', `bench-aggregator-before-${commit.slice(0, 12)}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  execFileSync('sh', ['-c', `git archive ${commit} services/bitmap-aggregator/src | tar -x -C '${dir}'`], { cwd: repoRoot });
  const stores = join(dir, 'services/bitmap-aggregator/src/stores');
  const outfile = join(dir, 'reader.js');
  const { build } = await import('esbuild');
  const { externalPackages } = (await import(join(repoRoot, 'scripts/esbuild-externals.mjs'))) as { externalPackages: (outdir: string) => import('esbuild').Plugin };
  await build({
    stdin: { contents: `export { createBitmapReader } from './bitmap-reader.store'; export { bitmapScripts } from './redis-client.store';`, resolveDir: stores, loader: 'ts' },
    outfile, bundle: true, platform: 'node', target: 'node24', format: 'cjs', logLevel: 'warning', tsconfig: join(repoRoot, 'tsconfig.json'), plugins: [externalPackages(dir)],
  });
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a bundle made at run time
  return require(outfile);
}

/**
 * Microseconds Redis spent in script calls and in the reader's other commands so far (INFO
 * commandstats; the commands a script runs are counted in its own time and again under their names,
 * so only the ones the reader sends itself are summed as "other").
 */
async function redisUsec(redis: Redis): Promise<{ scripts: number; other: number }> {
  const out = { scripts: 0, other: 0 };
  for (const m of (await redis.info('commandstats')).matchAll(/cmdstat_([^:]+):calls=\d+,usec=(\d+)/g)) {
    if (m[1] === 'evalsha' || m[1] === 'eval') out.scripts += Number(m[2]);
    else if (m[1] === 'hgetall' || m[1] === 'smembers' || m[1] === 'get') out.other += Number(m[2]);
  }
  return out;
}

/**
 * The reads of issue #20 that were slowest against ClickHouse, timed over `runs` runs each; with a
 * `before` reader, the two alternate run by run on their own connections and must answer the same.
 */
async function readsPhase(redis: Redis, before: string | undefined): Promise<void> {
  const runs = Number(args.runs ?? 20);
  // What the week buckets of day-only dimensions cost (docs/bitmaps.md, "Week buckets").
  const bytes = { week: 0, weekKeys: 0, bitmaps: 0 };
  for (const [pattern, field] of [['bench:{p:bench}:[bt]:w*', 'week'], ['bench:{p:bench}:b:*', 'bitmaps']] as const) {
    let cursor = '0';
    do {
      const [next, found] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      for (const key of found) bytes[field] += Number(await redis.memory('USAGE', key)) || 0;
      if (field === 'week') bytes.weekKeys += found.length;
      cursor = next;
    } while (cursor !== '0');
  }
  console.log(`week buckets: ${bytes.weekKeys.toLocaleString('en')} keys (bitmaps and totals hashes), ${(bytes.week / 2 ** 20).toFixed(1)} MiB = ${((100 * bytes.week) / bytes.bitmaps).toFixed(1)} % of all bitmap keys' ${(bytes.bitmaps / 2 ** 20).toFixed(1)} MiB`);
  const all = { from: new Date(START), to: new Date(END) };
  const readers: Array<{ label: string; reader: ReturnType<typeof createBitmapReader>; client: Redis }> = [];
  if (before) {
    const old = await readerAt(before);
    const client = redis.duplicate();
    readers.push({ label: `before (${before})`, reader: old.createBitmapReader(client, old.bitmapScripts(client), 'bench:'), client });
  }
  const client = redis.duplicate();
  readers.push({ label: 'now', reader: createBitmapReader(client, bitmapScripts(client), 'bench:'), client });
  const active = { dim: '$active' };
  const reads: Array<{ name: string; run: (r: ReturnType<typeof createBitmapReader>) => Promise<unknown> }> = [
    { name: `breakdown by page, top 20, ${DAYS} d`, run: (r) => r.breakdown(PROJECT, SETTINGS, all, 'page', 20, active) },
    { name: `breakdown by source, ${DAYS} d`, run: (r) => r.breakdown(PROJECT, SETTINGS, all, 'source', 10, active) },
    { name: `daily series of uniques, ${DAYS} d`, run: (r) => r.uniques(PROJECT, SETTINGS, { ...all, interval: 'day' }, active) },
  ];
  const p50s = new Map<string, number[]>();
  for (const read of reads) {
    const samples = readers.map(() => ({ ms: [] as number[], scripts: 0, other: 0, calls: 0, json: 0 }));
    const answers: string[] = readers.map(() => '');
    for (let i = 0; i < runs + 1; i++) {
      for (const [k, { reader }] of readers.entries()) {
        const calls = reader.stats.scriptCalls;
        const usec = await redisUsec(redis);
        const t = performance.now();
        const value = await read.run(reader);
        const ms = performance.now() - t;
        const after = await redisUsec(redis);
        const j = performance.now();
        answers[k] = JSON.stringify(value);
        const jsonMs = performance.now() - j;
        if (i === 0) continue; // warm-up (scripts loaded, caches filled)
        const s = samples[k]!;
        s.ms.push(ms);
        s.scripts += (after.scripts - usec.scripts) / 1000;
        s.other += (after.other - usec.other) / 1000;
        s.calls += reader.stats.scriptCalls - calls;
        s.json += jsonMs;
      }
      if (answers.some((a) => a !== answers[0])) throw new Error(`${read.name}: the readers answer differently:\n${answers.join('\n')}`);
    }
    console.log(`${read.name}${readers.length > 1 ? ' (same answer before and now)' : ''}:`);
    for (const [k, { label }] of readers.entries()) {
      const s = samples[k]!;
      const { p50, p95 } = percentiles(s.ms);
      const mean = s.ms.reduce((a, b) => a + b, 0) / runs;
      p50s.set(read.name, [...(p50s.get(read.name) ?? []), p50]);
      console.log(
        `  ${label}: p50 ${p50.toFixed(2)} ms, p95 ${p95.toFixed(2)} ms; per read (mean ${mean.toFixed(2)} ms): ${(s.calls / runs).toFixed(1)} script calls, Redis scripts ${(s.scripts / runs).toFixed(2)} ms, other Redis commands ${(s.other / runs).toFixed(2)} ms, the rest (Node, round trips) ${(mean - (s.scripts + s.other) / runs).toFixed(2)} ms, JSON of the reply ${(s.json / runs).toFixed(3)} ms`,
      );
    }
  }
  if (before) for (const [name, [old, now]] of p50s) console.log(`before ÷ now, p50: ${(old! / now!).toFixed(1)}x  ${name}`);
  for (const { client } of readers) client.disconnect();
  console.log(`load average at the end: ${readFileSync('/proc/loadavg', 'utf8').trim()}`);
}

async function main() {
  const cpuModel = cpus()[0]?.model ?? 'unknown';
  console.log(`machine: ${execFileSync('nproc').toString().trim()} cores (${cpuModel}), ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, shared with other work`);
  console.log(`workload: ${VISITORS.toLocaleString('en')} visitors over ${DAYS} days, one project, UTC, minute keys 1 day (none written: data ends yesterday), hour keys 7 days`);

  const { redis, stop } = await startRedis();
  const db = await createTestDatabase('bench_agg');
  const pg = new Client({ connectionString: db.url });
  await pg.connect();
  try {
    const memBefore = Number(/used_memory:(\d+)/.exec(await redis.info('memory'))![1]);
    const redisCpu = async () => {
      const info = await redis.info('cpu');
      return Number(/used_cpu_user:([\d.]+)/.exec(info)![1]) + Number(/used_cpu_sys:([\d.]+)/.exec(info)![1]);
    };
    const cpuBefore = { redis: await redisCpu(), node: process.cpuUsage() };
    const projection = await project(redis);
    const nodeCpu = process.cpuUsage(cpuBefore.node);
    const cpu = { node: (nodeCpu.user + nodeCpu.system) / 1e6, redis: (await redisCpu()) - cpuBefore.redis };
    console.log(`projection CPU: node ${cpu.node.toFixed(1)} s, redis-server ${cpu.redis.toFixed(1)} s = ${Math.round(projection.events / (cpu.node + cpu.redis)).toLocaleString('en')} events per CPU-second (redis alone: ${Math.round(projection.events / cpu.redis).toLocaleString('en')} events/s)`);
    if (args.profile) console.log(await redis.info('commandstats'));
    const memAfter = Number(/used_memory:(\d+)/.exec(await redis.info('memory'))![1]);
    console.log(`projection: ${projection.events.toLocaleString('en')} events (~${projection.dimsPerEvent.toFixed(1)} dimensions each) in ${projection.seconds.toFixed(1)} s = ${Math.round(projection.events / projection.seconds).toLocaleString('en')} events/s (writer + Lua, ${LANES} lanes, ${CHUNK}-event batches, event generation included)`);
    const keys = await redis.dbsize();
    console.log(`redis memory: ${((memAfter - memBefore) / 2 ** 20).toFixed(0)} MiB in ${keys} keys = ${((memAfter - memBefore) / (VISITORS * DAYS)).toFixed(1)} bytes per visitor per day`);

    if (args.reads) {
      await readsPhase(redis, typeof args.before === 'string' && args.before !== 'true' ? args.before : undefined);
      return;
    }
    const reader = createBitmapReader(redis, bitmapScripts(redis), 'bench:');
    const all = { from: new Date(START), to: new Date(END) };
    const last30 = { from: new Date(END - 30 * DAY), to: new Date(END) };
    const andExpr = { and: [{ dim: 'event:signup' }, { dim: 'trait:plan=pro' }, { dim: 'source:newsletter' }] };
    const u90 = await time(50, () => reader.uniques(PROJECT, SETTINGS, all, { dim: '$active' }));
    const and30 = await time(50, () => reader.uniques(PROJECT, SETTINGS, last30, andExpr));
    const series = await time(20, () => reader.uniques(PROJECT, SETTINGS, { ...all, interval: 'day' }, { dim: '$active' }));

    const pgLoad = await loadPostgres(pg);
    console.log(`postgres: loaded the same ${projection.events.toLocaleString('en')} events in ${pgLoad.toFixed(1)} s (unnest inserts, index on ts, ANALYZE)`);
    const pgU90 = await time(3, async () => Number((await pg.query('SELECT count(DISTINCT visitor) AS n FROM events WHERE ts >= $1 AND ts < $2', [all.from, all.to])).rows[0].n));
    const pgAnd30 = await time(3, async () =>
      Number(
        (
          await pg.query(
            `SELECT count(*) AS n FROM (SELECT visitor FROM events WHERE ts >= $1 AND ts < $2 GROUP BY visitor
             HAVING bool_or(name = 'signup') AND bool_or(plan = 'pro') AND bool_or(source = 'newsletter')) s`,
            [last30.from, last30.to],
          )
        ).rows[0].n,
      ),
    );
    const line = (what: string, r: { value: number; p50: number; p95: number }, p: { value: number; p50: number }) =>
      console.log(
        `${what}: bitmaps ${r.value.toLocaleString('en')} in p50 ${r.p50.toFixed(2)} ms (p95 ${r.p95.toFixed(2)}) | postgres COUNT(DISTINCT) ${p.value.toLocaleString('en')} in p50 ${p.p50.toFixed(0)} ms | ${r.value === p.value ? 'same answer' : 'DIFFERENT ANSWER'} | speed-up ${(p.p50 / r.p50).toFixed(0)}x`,
      );
    const totals = await reader.totals(PROJECT, SETTINGS, all);
    console.log(`${DAYS}-day event total: ${totals.total.toLocaleString('en')} of ${projection.events.toLocaleString('en')} events sent: ${totals.total === projection.events ? 'exact' : 'WRONG'}`);
    line(`${DAYS}-day unique visitors`, { ...u90, value: u90.value.total }, pgU90);
    line('30-day signup AND plan=pro AND source=newsletter', { ...and30, value: and30.value.total }, pgAnd30);
    console.log(`${DAYS}-day daily series (${DAYS} counts, one script): p50 ${series.p50.toFixed(2)} ms (p95 ${series.p95.toFixed(2)})`);
  } finally {
    await pg.end();
    await db.drop();
    stop();
  }
  if (!args['skip-consumer'] && !args.reads) {
    const { redis: consumerRedis, stop: stopConsumerRedis } = await startRedis();
    try {
      await consume(Number(consumerRedis.options.port), Math.min(1_000_000, Number(args['consumer-events'] ?? 1_000_000)));
    } finally {
      stopConsumerRedis();
    }
  }
  const status = readFileSync('/proc/loadavg', 'utf8').trim();
  console.log(`load average at the end: ${status}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
