// Throughput of session-fingerprint against a pass-through consumer, on the same data.
//   node scripts/run-ts.mjs bench/fingerprint/run.ts [--events N] [--visitors M] [--quick] [--before REV]
// Pre-fills events.raw of a fresh namespace with N events from M visitors (identify, alias and
// cookieless traffic mixed in), then, one after the other:
//  1. pass-through: the same libs/kafka batch consumer, the service's decode (JSON, then the
//     plain check or zod), re-producing each event unchanged to another topic — the floor of
//     any consumer here — in as many processes as the service runs;
//  2. the service: the built services/session-fingerprint/dist/main.js (npm run build first),
//     NODE_ENV=production, WORKERS from the environment (auto = one per core), real Postgres
//     identity store in a fresh database, to events.enriched.
// Rates are measured from the first output record (or the last process's join, if later) to the
// last, so group joins and the first rebalance are excluded.
// Per service run it prints the time spent inside a section that excludes the project's other
// batches, per event (issue #17: at most 5 µs, a per-project ceiling of 200,000 events/s): the
// counter section (first index taken to COMMIT), or for a build from before 2026-12-03 its load,
// resolve and save steps (it held the project lock through them).
// --before REV also builds the service at git revision REV and runs it first on the same
// pre-filled topic (its own consumer group and database): a before/after ratio from one run of a
// noisy machine.
// WORKERS, MAX_BYTES_PER_PARTITION and PARTITIONS_CONSUMED_CONCURRENTLY from the environment
// tune the service; SERVICE_NODE_ARGS are node flags for it (e.g. --cpu-prof);
// BENCH_KEEP_DB=1 keeps the identity database for EXPLAIN afterwards.
import '../instrument';
import { cpus, freemem, loadavg, tmpdir, totalmem } from 'node:os';
import { execFileSync, execSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { Kafka } from 'kafkajs';
import { parseConfig } from '@sightline/config';
import { isPlainRawEvent, rawEventKeyOf, rawEventValue, topicNames, type RawEvent } from '@sightline/contracts';
import { workerCount } from '@sightline/http';
import { createBatchConsumer, createProducer, ensureTopics, jsonDecoder, standardTopicSpecs } from '@sightline/kafka';
import { createLogger } from '@sightline/telemetry';
import { createTestDatabase, envSettings, prefill, repoRoot, startService, testInfra, testKafka, testNamespace, benchArgs } from '@sightline/testing';
import { config } from '../../services/session-fingerprint/src/config';
import { recordCount } from '../../services/session-fingerprint/test/harness';

const cli = benchArgs();
const arg = cli.number;
const quick = cli.quick;
const EVENTS = arg('events', quick ? 100_000 : 1_000_000);
const VISITORS = arg('visitors', Math.max(1, Math.round(EVENTS / 10)));
const PROJECT = 'bench';
const BEFORE = cli.string('before');

const UAS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36',
  'Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0',
  'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
];
const REFERRERS = [undefined, 'https://www.google.com/', 'https://t.co/x', 'https://news.ycombinator.com/', 'https://blog.example.org/post'];

/** Deterministic PRNG (mulberry32) so two runs bench the same data. */
function prng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Visitor v: a third log in after their 3rd event; one in ten is cookieless; some alias. */
function* generate(): Generator<RawEvent> {
  const rand = prng(42);
  const seen = new Uint16Array(VISITORS);
  const start = Date.now() - 20 * 3600_000;
  for (let i = 0; i < EVENTS; i++) {
    const v = Math.floor(rand() * VISITORS);
    const n = seen[v]!++;
    const at = new Date(start + Math.floor((i / EVENTS) * 19 * 3600_000)).toISOString();
    const cookieless = v % 10 === 9;
    const user = v % 3 === 0 && n >= 3 ? `user-${v}` : null;
    const type: RawEvent['type'] = user && n === 3 ? 'identify' : user && n === 6 && v % 2 === 0 ? 'alias' : n % 4 === 0 ? 'page' : 'track';
    yield {
      messageId: `b-${i}`,
      projectId: PROJECT,
      type,
      event: type === 'track' ? ['Signed Up', 'Added To Cart', 'Checkout', 'Viewed Item'][n % 4]! : type === 'page' ? 'Home' : null,
      category: null,
      properties: { price: n * 3, sku: `sku-${n % 50}` },
      traits: type === 'identify' ? { plan: v % 2 ? 'pro' : 'free', country: 'DE' } : {},
      anonymousId: cookieless || type === 'alias' ? null : `anon-${v}`,
      userId: user,
      previousId: type === 'alias' ? `anon-${v}` : null,
      groupId: null,
      context: {
        userAgent: UAS[v % UAS.length],
        page: { url: `https://shop.example/p/${n % 20}${n === 0 && v % 7 === 0 ? '?utm_source=newsletter&utm_campaign=nov' : ''}`, referrer: n === 0 ? REFERRERS[v % REFERRERS.length] : 'https://shop.example/' },
      },
      originalTimestamp: at,
      sentAt: null,
      receivedAt: at,
      timestamp: at,
      request: { ip: `10.${(v >> 16) & 255}.${(v >> 8) & 255}.${v & 255}`, userAgent: UAS[v % UAS.length]!, acceptLanguage: 'en-US,en;q=0.9', dnt: false, gpc: false, clientKind: 'browser' },
    };
  }
}

/** Whether consumer group `groupId` is stable with `members` members. */
async function groupReady(kafka: Kafka, groupId: string, members: number): Promise<boolean> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const { groups } = await admin.describeGroups([groupId]);
    return groups[0]?.state === 'Stable' && groups[0].members.length === members;
  } finally {
    await admin.disconnect();
  }
}

/**
 * Polls the output topic; returns the rate from the first record, or from the moment every
 * process has joined the group if that is later (until then one process holds every partition
 * and the other waits for the rebalance), to the last.
 */
async function measure(kafka: Kafka, topic: string, expected: number, groupId: string, members: number): Promise<{ seconds: number; rate: number }> {
  // Records already there (an earlier build's run into the same topic) are not this run's.
  const baseline = await recordCount(topic);
  let start: { count: number; at: number } | null = null;
  let first: { count: number; at: number } | null = null;
  let joined = false;
  let last = { count: -1, at: Date.now() };
  for (;;) {
    const count = (await recordCount(topic)) - baseline;
    if (count >= expected) break;
    if (!joined) joined = await groupReady(kafka, groupId, members);
    if (!first && count > 0) first = { count, at: Date.now() };
    if (!start && joined && count > 0) start = { count, at: Date.now() };
    if (count !== last.count) last = { count, at: Date.now() };
    // The first record waits for the start, the group join and a whole first batch (tens of
    // thousands of events): on a loaded machine that alone has taken more than a minute.
    else if (Date.now() - last.at > (count > 0 ? 60_000 : 300_000)) throw new Error(`${topic} stalled at ${count} of ${expected} records`);
    await new Promise((r) => setTimeout(r, 100));
  }
  if (!start) {
    // On a loaded machine the group may never settle (members dropped and rejoining): then the rate runs from the first record, and says so.
    if (!first) throw new Error(`${topic}: no record arrived`);
    console.log(`${topic}: the group never stood stable with ${members} members; this rate runs from the first record (joins and rebalances included)`);
    start = first;
  }
  const seconds = (Date.now() - start.at) / 1000;
  return { seconds, rate: (expected - start.count) / seconds };
}

/** This process is one pass-through worker of namespace `ns` (spawned by the bench itself). */
async function passthroughWorker(ns: string): Promise<void> {
  const topics = topicNames(ns);
  const kafka = testKafka('bench-fingerprint-passthrough');
  const logger = createLogger({ service: 'bench-fingerprint', level: 'warn' });
  const producer = createProducer(kafka);
  await producer.start();
  const consumer = createBatchConsumer({
    kafka,
    groupId: `${ns}bench-passthrough`,
    topics: [topics.eventsRaw],
    dlqTopic: topics.eventsDlq,
    producer,
    logger,
    decode: jsonDecoder(rawEventValue, isPlainRawEvent),
    async handleBatch(items) {
      for (let i = 0; i < items.length; i += 1000) await producer.send(passthroughTopicOf(ns), items.slice(i, i + 1000).map((item) => ({ key: item.key, value: item.value })));
    },
  });
  process.once('SIGTERM', () => {
    void consumer
      .stop()
      .then(() => producer.stop())
      .finally(() => process.exit(0));
  });
  await consumer.start();
}

/** The machine's load average at the end of a phase (this box is shared: a ratio from a loaded phase says little). */
const load = () => `load ${loadavg().map((l) => l.toFixed(1)).join(' ')}`;

const passthroughTopicOf = (ns: string) => `${ns}bench.passthrough`;

/**
 * Builds services/session-fingerprint at git revision `rev` (with the libs and scripts of that
 * revision) in a temporary directory outside the repository (no second copy of the source for
 * the type check or jest to find); returns the name startService takes (a path from services/).
 */
function buildAt(rev: string): string {
  if (rev.startsWith('-')) throw new Error(`--before takes a git revision, not ${rev}`);
  const src = mkdtempSync(join(tmpdir(), 'sightline-fingerprint-before-'));
  process.once('exit', () => rmSync(src, { recursive: true, force: true }));
  const tar = execFileSync('git', ['-C', repoRoot, 'archive', rev, 'services/session-fingerprint', 'libs', 'scripts', 'tsconfig.base.json', 'tsconfig.json', 'package.json'], { maxBuffer: 256 * 1024 * 1024 });
  execFileSync('tar', ['-x', '-C', src], { input: tar });
  // The build script runs the tools of <its root>/node_modules, and bundles OpenTelemetry from libs/telemetry's.
  symlinkSync(join(repoRoot, 'node_modules'), join(src, 'node_modules'));
  symlinkSync(join(repoRoot, 'libs', 'telemetry', 'node_modules'), join(src, 'libs', 'telemetry', 'node_modules'));
  execFileSync(process.execPath, [join(src, 'scripts', 'build.mjs'), 'session-fingerprint'], { cwd: src, stdio: 'inherit' });
  return relative(join(repoRoot, 'services'), join(src, 'services', 'session-fingerprint'));
}

interface ServiceRun {
  rate: { seconds: number; rate: number };
  steps: string[];
  batches: string | undefined;
  exclusiveSeconds: number;
  exclusiveWhat: string;
  events: number;
  retries: number;
}

/** Runs one build of the service over the pre-filled topic in a fresh database and consumer group; one worker's metrics. */
async function runService(kafka: Kafka, ns: string, name: string, settings: Record<string, string>, workers: number): Promise<ServiceRun> {
  const topics = topicNames(ns);
  const db = await createTestDatabase('benchfp');
  const groupId = `${ns}session-fingerprint-${Date.now()}`;
  const serviceRun = measure(kafka, topics.eventsEnriched, EVENTS, groupId, workers);
  const service = await startService(
    name,
    {
      ...settings, NODE_ENV: 'production', DATABASE_URL: db.url, TOPIC_NAMESPACE: ns, KAFKA_BROKERS: testInfra.kafkaBrokers.join(','), LOG_LEVEL: 'warn', CONSUMER_GROUP_ID: groupId,
      // Production refuses to start without the erased-id key (docs/identity.md, "Erasure").
      ERASURE_ID_SECRET: 'bench-only erasure id secret, 32+ chars',
      // The OpenTelemetry packages are installed under libs/telemetry (see the services' e2e tests).
      NODE_PATH: join(repoRoot, 'libs', 'telemetry', 'node_modules'),
    },
    { nodeArgs: process.env.SERVICE_NODE_ARGS?.split(' ').filter(Boolean) ?? [] },
  );
  try {
    const rate = await serviceRun;
    // One worker's figures when there are several (each has its own registry).
    const metrics = await (await fetch(`${service.url}/metrics`)).text();
    const stepSum = (step: string) => Number(new RegExp(`^sightline_identity_batch_seconds_sum\\{[^}]*step="${step}"[^}]*\\} (\\S+)$`, 'm').exec(metrics)?.[1] ?? NaN);
    const steps = [...metrics.matchAll(/^sightline_identity_batch_seconds_sum\{[^}]*step="([a-z_]+)"[^}]*\} (\S+)$/gm)].map((m) => `${m[1]} ${Number(m[2]).toFixed(1)} s`);
    const events = [...metrics.matchAll(/^sightline_identity_events_total\{[^}]*\} (\S+)$/gm)].reduce((n, m) => n + Number(m[1]), 0);
    const retries = [...metrics.matchAll(/^sightline_identity_batch_retries_total\{[^}]*\} (\S+)$/gm)].reduce((n, m) => n + Number(m[1]), 0);
    const counterSection = /step="exclusive"/.test(metrics);
    // Builds with visitor locks time their counter section as "exclusive" (they had a "lock" step until the locks moved into "load").
    const lockless = /step="lock"/.test(metrics);
    return {
      rate,
      steps,
      batches: /^sightline_identity_batch_seconds_count\{[^}]*step="load"[^}]*\} (\d+)$/m.exec(metrics)?.[1],
      // A build with the visitor locks and no batch that took the counter has no exclusive section at all.
      // Before: load, resolve and save ran under the project lock (the wait for it and COMMIT not counted).
      exclusiveSeconds: counterSection ? stepSum('exclusive') : lockless ? 0 : stepSum('load') + stepSum('resolve') + stepSum('save'),
      exclusiveWhat: counterSection || lockless ? 'counter taken to COMMIT' : 'load, resolve and save under the project lock',
      events,
      retries,
    };
  } finally {
    await service.stop();
    if (!process.env.BENCH_KEEP_DB) await db.drop();
  }
}

async function main() {
  if (!existsSync(join(repoRoot, 'services/session-fingerprint/dist/main.js'))) throw new Error('services/session-fingerprint/dist/main.js is missing: run `npm run build` first');
  const ns = testNamespace('benchfp');
  const topics = topicNames(ns);
  const passthroughTopic = passthroughTopicOf(ns);
  const kafka = testKafka('bench-fingerprint');
  await ensureTopics(kafka, [...standardTopicSpecs(topics), { topic: passthroughTopic, numPartitions: 4 }]);
  try {
    await benchAll(kafka, ns, passthroughTopic);
  } finally {
    // Also after a failed phase: a 1M-event topic left behind fills the shared broker's disk.
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteTopics({ topics: [...Object.values(topics), passthroughTopic] }).catch(() => undefined);
    await admin.disconnect();
  }
}

async function benchAll(kafka: Kafka, ns: string, passthroughTopic: string): Promise<void> {
  const topics = topicNames(ns);
  const producer = createProducer(kafka);
  await producer.start();
  await producer.send(topics.projects, [{ key: PROJECT, value: { projectId: PROJECT, accountId: 'a', name: 'bench', accountSlug: 'a', slug: 'bench', writeKeys: [], updatedAt: new Date().toISOString() } }]);
  const fillStart = Date.now();
  await prefill(producer, topics.eventsRaw, (function* () {
    for (const event of generate()) yield { key: rawEventKeyOf(event, 'bench-raw-key-secret'), value: event };
  })());
  console.log(`pre-filled ${EVENTS} events from ${VISITORS} visitors in ${((Date.now() - fillStart) / 1000).toFixed(1)} s`);
  await producer.stop();

  const settings = envSettings(['WORKERS', 'MAX_BYTES_PER_PARTITION', 'PARTITIONS_CONSUMED_CONCURRENTLY']);
  const env = parseConfig(config.schema, { NODE_ENV: 'production', ...settings });
  const workers = workerCount(env.WORKERS, env.NODE_ENV);

  const passRun = measure(kafka, passthroughTopic, EVENTS, `${ns}bench-passthrough`, workers);
  const children: ChildProcess[] = Array.from({ length: workers }, () =>
    spawn(process.execPath, [...process.execArgv, process.argv[1]!], { env: { ...process.env, BENCH_PASSTHROUGH_NS: ns }, stdio: 'inherit' }),
  );
  const pass = await passRun.finally(() => Promise.all(children.map((child) => new Promise((resolve) => (child.exitCode === null ? child.once('exit', resolve).kill('SIGTERM') : resolve(null))))));
  console.log(`pass-through (${workers} process${workers > 1 ? 'es' : ''}): ${Math.round(pass.rate)} events/s (${pass.seconds.toFixed(1)} s from the later of the first record and the last join; ${load()})`);

  const builds = [...(BEFORE ? [{ label: `before (${BEFORE})`, service: buildAt(BEFORE) }] : []), { label: 'now', service: 'session-fingerprint' }];
  for (const build of builds) {
    const run = await runService(kafka, ns, build.service, settings, workers);
    const exclusive = run.exclusiveSeconds / run.events;
    console.log(`${build.label}: service time by step over ${run.batches} batches (summed across concurrent partitions${workers > 1 ? ', one worker of ' + workers : ''}): ${run.steps.join(', ')}`);
    console.log(`${build.label}: time inside a project-wide exclusive section: ${(exclusive * 1e6).toFixed(2)} µs per event (${run.exclusiveWhat}; ${run.events} events of one worker) -> per-project ceiling ${Math.round(1 / exclusive)} events/s (target ≤ 5 µs, ≥ 200,000 events/s)${run.retries ? `; identity transactions run again: ${run.retries}` : ''}`);
    console.log(`${build.label}: session-fingerprint (${workers} process${workers > 1 ? 'es' : ''}): ${Math.round(run.rate.rate)} events/s (${run.rate.seconds.toFixed(1)} s, measured alike; ${load()}); ratio service / pass-through: ${((run.rate.rate / pass.rate) * 100).toFixed(0)} % (target ≥ 50 %)`);
  }
  console.log(`machine: nproc=${cpus().length}, cpu=${cpus()[0]?.model}, memory=${(totalmem() / 2 ** 30).toFixed(1)} GiB (free ${(freemem() / 2 ** 30).toFixed(1)}), load=${execSync('cat /proc/loadavg').toString().trim()}`);
}

(process.env.BENCH_PASSTHROUGH_NS ? passthroughWorker(process.env.BENCH_PASSTHROUGH_NS) : main()).catch((err) => {
  console.error(err);
  process.exit(1);
});
