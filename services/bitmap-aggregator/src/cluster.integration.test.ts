import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { Cluster } from 'ioredis';
import { parseConfig } from '@sightline/config';
import { topicNames } from '@sightline/contracts';
import { listen, type RunningServer } from '@sightline/http';
import { createProducer, ensureTopics, standardTopicSpecs } from '@sightline/kafka';
import { createLogger } from '@sightline/telemetry';
import { deleteKeys, repoRoot, testInfra, testKafka, testNamespace, testRedis, uniqueId, waitFor } from '@sightline/testing';
import { caughtUp, sendEvents, workload } from '../test/harness';
import { createBitmapAggregator, type Aggregator } from './service';
import { config } from './config';
import { defaultSettings } from './domain/range.handler';
import { createBitmapReader } from './stores/bitmap-reader.store';
import { createBitmapWriter } from './stores/bitmap-writer.store';
import { bitmapScripts, createRedisClient } from './stores/redis-client.store';

/**
 * The same projection and queries against a 3-master Redis Cluster (infra/redis-cluster) and
 * against the single Redis: answers must be identical, and each project must live on one shard.
 */
const NODES = ['127.0.0.1:7001', '127.0.0.1:7002', '127.0.0.1:7003'];
const namespace = testNamespace('aggcl');
const topics = topicNames(namespace);
const prefix = `${uniqueId('aggcl')}:`;
const kafka = testKafka();
const producer = createProducer(kafka);
const logger = createLogger({ service: 'bitmap-aggregator-test', level: 'warn' });
const projects = ['alpha', 'beta', 'gamma', 'delta'];
const end = Date.now();
let aggregator: Aggregator;
let server: RunningServer;
let startedCluster = false;

beforeAll(async () => {
  startedCluster = !/: up/.test(run('status'));
  run('start');
  await ensureTopics(kafka, standardTopicSpecs(topics));
  await producer.start();
  const env = parseConfig(config.schema, { KAFKA_BROKERS: testInfra.kafkaBrokers.join(','), TOPIC_NAMESPACE: namespace, REDIS_CLUSTER_NODES: NODES.join(','), REDIS_KEY_PREFIX: prefix });
  aggregator = createBitmapAggregator(env, logger);
  await aggregator.start();
  server = await listen(aggregator.app, 0);
}, 120_000);

afterAll(async () => {
  await server?.close();
  await aggregator?.stop();
  await producer.stop();
  const cluster = await clusterClient();
  // One DEL per key: a multi-key DEL across projects would be CROSSSLOT.
  for (const node of cluster.nodes('master')) {
    const stream = node.scanStream({ match: `${prefix}*`, count: 1000 });
    for await (const keys of stream as AsyncIterable<string[]>) for (const key of keys) await cluster.del(key);
  }
  cluster.disconnect();
  if (startedCluster) run('stop');
}, 60_000);

/** A cluster client whose node list is known (nodes() is empty until 'ready'). */
async function clusterClient(): Promise<Cluster> {
  const cluster = new Cluster(NODES.map((n) => ({ host: n.split(':')[0]!, port: Number(n.split(':')[1]) })));
  await new Promise<void>((resolve, reject) => {
    cluster.once('ready', resolve);
    cluster.once('error', reject);
  });
  return cluster;
}

function run(action: 'start' | 'stop' | 'status'): string {
  try {
    return execFileSync(join(repoRoot, 'infra', 'redis-cluster', action), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    if (action === 'status') return '';
    throw err;
  }
}

describe('Redis Cluster', () => {
  it('projects and answers exactly as a single Redis does, one shard per project', async () => {
    const ledger = projects.flatMap((p, i) => workload(p, 120, 4, end, i + 7));
    await sendEvents(producer, topics.eventsEnriched, ledger);
    await waitFor(() => caughtUp(kafka, `${namespace}bitmap-aggregator`, topics.eventsEnriched), { timeoutMs: 60_000, description: 'cluster aggregator caught up' });

    // The reference: the same events through the same store code on the single Redis.
    const single = createRedisClient({ REDIS_URL: testInfra.redisUrl });
    const singlePrefix = `${prefix}single:`;
    const scripts = bitmapScripts(single);
    const writer = createBitmapWriter(single, scripts, singlePrefix);
    const reader = createBitmapReader(single, scripts, singlePrefix);
    try {
      for (const p of projects) {
        await writer.applyEvents(p, defaultSettings, 'ref:0', ledger.filter((e) => e.projectId === p).map((event, i) => ({ offset: BigInt(i), event })));
      }
      const from = new Date(end - 5 * 86_400_000);
      const to = new Date(end);
      const expr = { and: [{ dim: 'event:purchase' }, { or: [{ dim: 'source:google' }, { not: { dim: 'trait:plan=pro' } }] }] };
      for (const p of projects) {
        const base = `http://127.0.0.1:${server.port}/internal/projects/${p}`;
        const qs = `from=${encodeURIComponent(from.toISOString())}&to=${encodeURIComponent(to.toISOString())}`;
        const uniques = await (await fetch(`${base}/uniques?${qs}&interval=day&expr=${encodeURIComponent(JSON.stringify(expr))}`)).json();
        expect(uniques).toEqual(await reader.uniques(p, defaultSettings, { from, to, interval: 'day' }, expr));
        const totals = (await (await fetch(`${base}/totals?${qs}`)).json()) as { total: number };
        expect(totals.total).toBe(ledger.filter((e) => e.projectId === p).length);
        const breakdown = await (await fetch(`${base}/breakdown?${qs}&prefix=trait:plan`)).json();
        expect(breakdown).toEqual(await reader.breakdown(p, defaultSettings, { from, to }, 'trait:plan', 10, { dim: '$active' }));
        const candidates = await (await fetch(`${base}/candidates`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ from, to, dims: ['event:signup', 'event:purchase'] }) })).json();
        expect((candidates as { visitorIndexes: number[] }).visitorIndexes).toEqual(await reader.candidates(p, defaultSettings, { from, to }, ['event:signup', 'event:purchase']));
      }
    } finally {
      const cleanup = testRedis();
      await deleteKeys(cleanup, `${singlePrefix}*`);
      cleanup.disconnect();
      single.disconnect();
    }

    const cluster = await clusterClient();
    try {
      const shardsOf = new Map<string, Set<string>>();
      for (const node of cluster.nodes('master')) {
        for (const p of projects) {
          const [, keys] = await node.scan('0', 'MATCH', `${prefix}{p:${p}}:*`, 'COUNT', 100_000);
          if (keys.length) shardsOf.set(p, (shardsOf.get(p) ?? new Set()).add(`${node.options.port}`));
        }
      }
      for (const p of projects) expect(shardsOf.get(p)?.size).toBe(1);
      expect(new Set([...shardsOf.values()].flatMap((s) => [...s])).size).toBeGreaterThan(1);
    } finally {
      cluster.disconnect();
    }
  });
});
