/**
 * Ingest benchmark: the real service process (acks=-1 from Kafka behind every 2xx) against a
 * bare express handler that answers 200 without work, both driven by Debian's `wrk` in the
 * same run. Prints single-track requests/s with p50/p99, batched events/s (batches of 100),
 * and each as a ratio to the bare handler.
 *
 *   node scripts/run-ts.mjs bench/ingest/run.ts [--quick]     (build first: npm run build)
 *
 * wrk rather than autocannon: on a 2-core machine the load generator shares the CPU with the
 * service and the broker; wrk (C, epoll) needs a fraction of the CPU autocannon (Node) needs
 * for the same rate, so the figures measure the service, not the client.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, freemem, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { projectConfigValue, topicNames } from '@sightline/contracts';
import { createKafka, createProducer, ensureTopics, standardTopicSpecs } from '@sightline/kafka';
import { workerCount } from '@sightline/http';
import { createLogger } from '@sightline/telemetry';
import { freePort, repoRoot, startService, testInfra, testNamespace, waitFor } from '@sightline/testing';

const quick = process.argv.includes('--quick') || process.env.BENCH_QUICK === '1';
const duration = quick ? '3s' : '10s';
const connections = 32;
const writeKey = 'wk_bench_0123456789abcdef';

interface WrkResult {
  rps: number;
  p50ms: number;
  p99ms: number;
  non2xx: number;
  requests: number;
}

function toMs(value: string): number {
  const match = /^([\d.]+)(us|ms|s|m)$/.exec(value.trim());
  if (!match) return Number.NaN;
  const n = Number(match[1]);
  return match[2] === 'us' ? n / 1000 : match[2] === 'ms' ? n : match[2] === 's' ? n * 1000 : n * 60_000;
}

function wrk(url: string, script: string, seconds = duration): WrkResult {
  const out = execFileSync('wrk', ['-t1', `-c${connections}`, `-d${seconds}`, '--latency', '-s', script, url], { encoding: 'utf8' });
  const num = (re: RegExp) => Number(re.exec(out)?.[1] ?? 'NaN');
  return {
    rps: num(/Requests\/sec:\s+([\d.]+)/),
    p50ms: toMs(/\s50%\s+(\S+)/.exec(out)?.[1] ?? ''),
    p99ms: toMs(/\s99%\s+(\S+)/.exec(out)?.[1] ?? ''),
    non2xx: Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0),
    requests: num(/(\d+) requests in/),
  };
}

function luaScript(dir: string, name: string, path: string, body: unknown): string {
  const file = join(dir, `${name}.lua`);
  const auth = Buffer.from(`${writeKey}:`).toString('base64');
  writeFileSync(
    file,
    `wrk.method = "POST"\nwrk.path = "${path}"\nwrk.body = [==[${JSON.stringify(body)}]==]\nwrk.headers["Content-Type"] = "application/json"\nwrk.headers["Authorization"] = "Basic ${auth}"\n`,
  );
  return file;
}

/**
 * The baseline: express, no body parsing, no work, 200, in as many cluster workers as the
 * service runs (so the ratio compares like with like).
 */
async function startBare(dir: string, workers: number): Promise<{ url: string; process: ChildProcess }> {
  const port = await freePort();
  const code = `const cluster = require('node:cluster'); if (cluster.isPrimary && ${workers} > 1) { for (let i = 0; i < ${workers}; i++) cluster.fork(); process.on('SIGTERM', () => { for (const w of Object.values(cluster.workers)) w.kill(); }); } else { const express = require('express'); const app = express(); app.post(/.*/, (req, res) => res.json({ success: true })); app.listen(${port}, '127.0.0.1'); }`;
  const file = join(dir, `bare-${workers}.js`); // a file, not -e: cluster workers re-run the primary's script
  writeFileSync(file, code);
  const child = spawn(process.execPath, [file], { cwd: repoRoot, stdio: 'ignore', env: { ...process.env, NODE_PATH: join(repoRoot, 'node_modules') } });
  const url = `http://127.0.0.1:${port}`;
  await waitFor(async () => (await fetch(`${url}/x`, { method: 'POST' }).catch(() => null))?.ok, { description: 'bare express up' });
  return { url, process: child };
}

function machine(): string {
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  const loadavg = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  return `${cpus().length} cores (nproc), ${cpu}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM (${(freemem() / 2 ** 30).toFixed(1)} free), load average ${loadavg}, Node ${process.version}`;
}

/** SERVICE_NODE_ARGS (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`) are node flags for the service process. */
const nodeArgs = process.env.SERVICE_NODE_ARGS?.split(' ').filter(Boolean) ?? [];

async function main() {
  if (!existsSync(join(repoRoot, 'services/ingest/dist/main.js'))) throw new Error('services/ingest/dist/main.js is missing: run `npm run build` first');
  execFileSync(join(repoRoot, 'infra/wrk/install'), { stdio: 'ignore' });
  const namespace = testNamespace('bench_ingest');
  const topics = topicNames(namespace);
  const logger = createLogger({ service: 'bench-ingest', level: 'error' });
  const kafka = createKafka({ brokers: testInfra.kafkaBrokers, clientId: 'bench-ingest', logger });
  await ensureTopics(kafka, standardTopicSpecs(topics));
  const producer = createProducer(kafka);
  await producer.start();
  const project = projectConfigValue.parse({
    projectId: 'bench',
    accountId: 'bench',
    name: 'bench',
    accountSlug: 'bench',
    slug: 'bench',
    writeKeys: [writeKey],
    rateLimit: { eventsPerSecond: 1e9, burst: 1e9 },
    updatedAt: new Date().toISOString(),
  });
  await producer.send(topics.projects, [{ key: project.projectId, value: project }]);
  await producer.stop();

  const dir = mkdtempSync(join(tmpdir(), 'bench-ingest-'));
  const event = (i: number) => ({ type: 'track', userId: `user-${i}`, event: 'Bench Event', properties: { plan: 'pro', i }, context: { page: { url: `https://site.test/p/${i}` }, userAgent: 'Mozilla/5.0 bench' } });
  const single = luaScript(dir, 'single', '/v1/track', event(1));
  const batch = luaScript(dir, 'batch', '/v1/batch', { batch: Array.from({ length: 100 }, (_, i) => event(i)) });

  // PUBLISH_* settings of the service (docs/ingest.md) pass through from the environment, to compare them.
  // So do HTTP_WORKERS (default: one per core in production).
  const publishSettings = Object.fromEntries(Object.entries(process.env).filter(([k, v]) => (k.startsWith('PUBLISH_') || k === 'HTTP_WORKERS') && v !== undefined)) as Record<string, string>;
  const workers = workerCount(publishSettings.HTTP_WORKERS === undefined ? 'auto' : Number(publishSettings.HTTP_WORKERS), 'production');
  const ingest = await startService('ingest', { TOPIC_NAMESPACE: namespace, KAFKA_BROKERS: testInfra.kafkaBrokers.join(','), LOG_LEVEL: 'warn', NODE_ENV: 'production', ...publishSettings }, { nodeArgs });
  const bare = await startBare(dir, workers);
  const bareOne = workers > 1 ? await startBare(dir, 1) : null;
  const admin = kafka.admin();
  await admin.connect();
  try {
    const storedBefore = await rawCount(admin, topics.eventsRaw);
    wrk(`${ingest.url}/v1/track`, single, '2s'); // warm-up of the JIT and the producer, discarded
    const bareSingle = wrk(`${bare.url}/v1/track`, single);
    const bareOneSingle = bareOne ? wrk(`${bareOne.url}/v1/track`, single) : null;
    const ingestSingle = wrk(`${ingest.url}/v1/track`, single);
    const bareBatch = wrk(`${bare.url}/v1/batch`, batch);
    const ingestBatch = wrk(`${ingest.url}/v1/batch`, batch);
    const stored = (await rawCount(admin, topics.eventsRaw)) - storedBefore;

    const pct = (a: number, b: number) => `${((a / b) * 100).toFixed(0)} %`;
    console.log(`\ningest benchmark (${quick ? 'quick, 3 s' : '10 s'} per run, wrk -t1 -c${connections}; service and bare handler in ${workers} worker process${workers > 1 ? 'es' : ''})`);
    console.log(`machine: ${machine()}`);
    if (bareOneSingle) console.log(`bare express, 1 process, single: ${bareOneSingle.rps.toFixed(0)} req/s  (for reference: the service at ${pct(ingestSingle.rps, bareOneSingle.rps)} of it)`);
    console.log(`bare express        single: ${bareSingle.rps.toFixed(0)} req/s  p50 ${bareSingle.p50ms.toFixed(2)} ms  p99 ${bareSingle.p99ms.toFixed(2)} ms`);
    console.log(`ingest /v1/track    single: ${ingestSingle.rps.toFixed(0)} req/s  p50 ${ingestSingle.p50ms.toFixed(2)} ms  p99 ${ingestSingle.p99ms.toFixed(2)} ms  (${pct(ingestSingle.rps, bareSingle.rps)} of bare; non-2xx ${ingestSingle.non2xx})`);
    console.log(`bare express        batch of 100: ${bareBatch.rps.toFixed(0)} req/s = ${(bareBatch.rps * 100).toFixed(0)} events/s`);
    console.log(`ingest /v1/batch    batch of 100: ${ingestBatch.rps.toFixed(0)} req/s = ${(ingestBatch.rps * 100).toFixed(0)} events/s acknowledged  p50 ${ingestBatch.p50ms.toFixed(2)} ms  p99 ${ingestBatch.p99ms.toFixed(2)} ms  (${pct(ingestBatch.rps, bareBatch.rps)} of bare; non-2xx ${ingestBatch.non2xx})`);
    console.log(`events in ${topics.eventsRaw}: ${stored} (acknowledged requests: warm-up + ${ingestSingle.requests - ingestSingle.non2xx} single + ${(ingestBatch.requests - ingestBatch.non2xx) * 100} batched events)`);
  } finally {
    bare.process.kill('SIGTERM');
    bareOne?.process.kill('SIGTERM');
    await ingest.stop();
    await admin.deleteTopics({ topics: Object.values(topics) }).catch(() => undefined);
    await admin.disconnect();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function rawCount(admin: ReturnType<ReturnType<typeof createKafka>['admin']>, topic: string): Promise<number> {
  const offsets = await admin.fetchTopicOffsets(topic);
  return offsets.reduce((sum, o) => sum + Number(o.high) - Number(o.low), 0);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
