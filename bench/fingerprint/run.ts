// Throughput of session-fingerprint against a pass-through consumer, on the same data.
//   node scripts/run-ts.mjs bench/fingerprint/run.ts [--events N] [--visitors M] [--quick]
// Pre-fills events.raw of a fresh namespace with N events from M visitors (identify, alias and
// cookieless traffic mixed in), then, one after the other:
//  1. pass-through: the same libs/kafka batch consumer, the service's decode (JSON, then the
//     plain check or zod), re-producing each event unchanged (gzip, acks=-1) to another topic —
//     the floor of any consumer here;
//  2. the service (in-process, real Postgres identity store, fresh database), to events.enriched.
// Rates are measured from the first to the last output record, so group joins are excluded.
// MAX_BYTES_PER_PARTITION and PARTITIONS_CONSUMED_CONCURRENTLY from the environment tune the service;
// BENCH_KEEP_DB=1 keeps the identity database for EXPLAIN afterwards.
import '../instrument';
import { cpus, freemem, totalmem } from 'node:os';
import { execSync } from 'node:child_process';
import { join } from 'node:path';
import { parseConfig } from '@sightline/config';
import { isPlainRawEvent, rawEventKeyOf, rawEventValue, topicNames, type RawEvent } from '@sightline/contracts';
import { createBatchConsumer, createProducer, ensureTopics, jsonDecoder, standardTopicSpecs } from '@sightline/kafka';
import { createLogger, metricsRegistry } from '@sightline/telemetry';
import { createTestDatabase, prefill, repoRoot, testKafka, testNamespace, benchArgs } from '@sightline/testing';
import { config } from '../../services/session-fingerprint/src/config';
import { createSessionFingerprint } from '../../services/session-fingerprint/src/service';
import { recordCount } from '../../services/session-fingerprint/test/harness';

const cli = benchArgs();
const arg = cli.number;
const quick = cli.quick;
const EVENTS = arg('events', quick ? 100_000 : 1_000_000);
const VISITORS = arg('visitors', Math.max(1, Math.round(EVENTS / 10)));
const PROJECT = 'bench';

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

/** Polls the output topic; returns the rate from the first to the last record. */
async function measure(topic: string, expected: number): Promise<{ seconds: number; rate: number }> {
  let first = 0;
  let last = { count: -1, at: Date.now() };
  for (;;) {
    const count = await recordCount(topic);
    if (count > 0 && !first) first = Date.now();
    if (count >= expected) break;
    if (count !== last.count) last = { count, at: Date.now() };
    else if (Date.now() - last.at > 60_000) throw new Error(`${topic} stalled at ${count} of ${expected} records`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const seconds = (Date.now() - first) / 1000;
  return { seconds, rate: expected / seconds };
}

async function main() {
  const ns = testNamespace('benchfp');
  const topics = topicNames(ns);
  const passthroughTopic = `${ns}bench.passthrough`;
  const kafka = testKafka('bench-fingerprint');
  await ensureTopics(kafka, [...standardTopicSpecs(topics), { topic: passthroughTopic, numPartitions: 4 }]);
  const logger = createLogger({ service: 'bench-fingerprint', level: 'warn' });
  const producer = createProducer(kafka);
  await producer.start();
  await producer.send(topics.projects, [{ key: PROJECT, value: { projectId: PROJECT, accountId: 'a', name: 'bench', accountSlug: 'a', slug: 'bench', writeKeys: [], updatedAt: new Date().toISOString() } }]);
  const fillStart = Date.now();
  await prefill(producer, topics.eventsRaw, (function* () {
    for (const event of generate()) yield { key: rawEventKeyOf(event), value: event };
  })());
  console.log(`pre-filled ${EVENTS} events from ${VISITORS} visitors in ${((Date.now() - fillStart) / 1000).toFixed(1)} s`);

  const passthrough = createBatchConsumer({
    kafka,
    groupId: `${ns}bench-passthrough`,
    topics: [topics.eventsRaw],
    dlqTopic: topics.eventsDlq,
    producer,
    logger,
    decode: jsonDecoder(rawEventValue, isPlainRawEvent),
    async handleBatch(items) {
      for (let i = 0; i < items.length; i += 1000) await producer.send(passthroughTopic, items.slice(i, i + 1000).map((item) => ({ key: item.key, value: item.value })));
    },
  });
  const passRun = measure(passthroughTopic, EVENTS);
  await passthrough.start();
  const pass = await passRun;
  await passthrough.stop();
  console.log(`pass-through: ${EVENTS} events in ${pass.seconds.toFixed(1)} s = ${Math.round(pass.rate)} events/s`);

  const db = await createTestDatabase('benchfp');
  const service = createSessionFingerprint(parseConfig(config.schema, { MAX_BYTES_PER_PARTITION: process.env.MAX_BYTES_PER_PARTITION, PARTITIONS_CONSUMED_CONCURRENTLY: process.env.PARTITIONS_CONSUMED_CONCURRENTLY, DATABASE_URL: db.url, TOPIC_NAMESPACE: ns, LOG_LEVEL: 'warn' }), logger, {
    migrationsDir: join(repoRoot, 'services', 'session-fingerprint', 'prisma', 'migrations'),
  });
  const serviceRun = measure(topics.eventsEnriched, EVENTS);
  await service.start();
  const enriched = await serviceRun;
  await service.stop();
  const steps = (await metricsRegistry.getSingleMetric('sightline_identity_batch_seconds')!.get()).values;
  const sums = steps.filter((v) => (v as { metricName?: string }).metricName?.endsWith('_sum')).map((v) => `${v.labels.step} ${(v.value as number).toFixed(1)} s`);
  const batches = steps.find((v) => (v as { metricName?: string }).metricName?.endsWith('_count') && v.labels.step === 'load')?.value;
  console.log(`service time by step over ${batches} batches (summed across concurrent partitions): ${sums.join(', ')}`);
  console.log(`session-fingerprint: ${EVENTS} events in ${enriched.seconds.toFixed(1)} s = ${Math.round(enriched.rate)} events/s`);
  console.log(`ratio service / pass-through: ${((enriched.rate / pass.rate) * 100).toFixed(0)} %`);
  console.log(`machine: nproc=${cpus().length}, cpu=${cpus()[0]?.model}, memory=${(totalmem() / 2 ** 30).toFixed(1)} GiB (free ${(freemem() / 2 ** 30).toFixed(1)}), load=${execSync('cat /proc/loadavg').toString().trim()}`);
  await producer.stop();
  if (!process.env.BENCH_KEEP_DB) await db.drop();
  const admin = kafka.admin();
  await admin.connect();
  await admin.deleteTopics({ topics: [...Object.values(topics), passthroughTopic] }).catch(() => undefined);
  await admin.disconnect();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
