/**
 * The aggregator's write path before and after a change, in one run: the same workload projected
 * by this revision's writer and by the writer of `--before=<rev>` (bundled from `git archive`),
 * round by round in turn on one private redis-server (flushed between rounds), so the ratio is
 * taken under the same load. Also Redis memory per event: the whole projection, and the keys of
 * the per-messageId dedupe (`seen:<day>`, docs/bitmaps.md "Exact per messageId").
 *
 *   node scripts/run-ts.mjs bench/aggregator/writes.ts [--events=1000000] [--visitors=200000] [--days=1] [--rounds=2] [--before=<rev>] [--after=<rev>] [--copies=0]
 *
 * `--copies=0.01` sends that share of the events a second time at a later offset (same messageId,
 * as after a broker failover) and checks the totals count each message once.
 */
import '../instrument';
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import Redis from 'ioredis';
import type { EnrichedEventParsed } from '@sightline/contracts';
import { freePort, repoRoot, waitFor } from '@sightline/testing';
import { enrichedEvent } from '../../services/bitmap-aggregator/test/events';
import { createBitmapReader } from '../../services/bitmap-aggregator/src/stores/bitmap-reader.store';
import { createBitmapWriter, type PositionedEvent } from '../../services/bitmap-aggregator/src/stores/bitmap-writer.store';
import { bitmapScripts } from '../../services/bitmap-aggregator/src/stores/redis-client.store';
import type { ProjectSettings } from '../../services/bitmap-aggregator/src/domain/range.handler';

const args = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=')).map(([k, v]) => [k, v ?? 'true']));
const EVENTS = Number(args.events ?? 1_000_000);
const VISITORS = Number(args.visitors ?? 200_000);
const DAYS = Number(args.days ?? 1);
const ROUNDS = Number(args.rounds ?? 2);
const COPIES = Number(args.copies ?? 0);
const revision = (name: string) => (typeof args[name] === 'string' && args[name] !== 'true' ? args[name] : undefined);
const BEFORE = revision('before');
/** `--after=<rev>`: that revision's writer instead of the working tree's (a change measured apart from edits in progress). */
const AFTER = revision('after');
const LANES = 4;
const CHUNK = 4000;
const DAY = 86_400_000;
// Ends a day before today: no minute keys (1-day retention), as in bench/aggregator/run.ts.
const END = Math.floor(Date.now() / DAY) * DAY - DAY;
const START = END - DAYS * DAY;
const PROJECT = 'bench';
const SETTINGS: ProjectSettings = { timeZone: 'UTC', minuteBucketDays: 1, hourBucketDays: 7, botFiltering: true };
const NAMES = ['$pageview', '$pageview', '$pageview', 'signup', 'purchase', 'search', 'share'];
const SOURCES = [null, null, 'google', 'newsletter', 'twitter'];
const PAGES = Array.from({ length: 40 }, (_, i) => (i === 0 ? '/' : `/p/${i}`));

type Writer = Pick<ReturnType<typeof createBitmapWriter>, 'applyEvents'>;
type WriterModule = { createBitmapWriter: (...a: Parameters<typeof createBitmapWriter>) => Writer; bitmapScripts: typeof bitmapScripts };

/** The workload in time order, deterministic; with --copies, some events again a few batches later. */
function* workload(): Generator<EnrichedEventParsed> {
  let seed = 7;
  const rand = (n: number) => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return (seed >>> 8) % n;
  };
  const pending: EnrichedEventParsed[] = [];
  for (let n = 0; n < EVENTS; n++) {
    const visitor = rand(VISITORS);
    const name = NAMES[rand(NAMES.length)]!;
    const event = enrichedEvent({
      projectId: PROJECT,
      messageId: `bench-${n}`,
      visitorIndex: visitor,
      timestamp: new Date(START + Math.floor((n / EVENTS) * DAYS * DAY)).toISOString(),
      name,
      source: SOURCES[rand(SOURCES.length)]!,
      traits: { plan: ['free', 'pro', 'team'][visitor % 3]! },
      sessionId: `s-${visitor}-${Math.floor(n / 50_000)}`,
      context: name === '$pageview' ? { page: { path: PAGES[rand(PAGES.length)]! } } : {},
      country: ['US', 'DE', 'FR', 'IN'][visitor % 4]!,
    });
    yield event;
    if (COPIES > 0 && rand(1_000_000) < COPIES * 1_000_000) pending.push(event);
    if (pending.length >= 2 * CHUNK) yield* pending.splice(0);
  }
  yield* pending;
}

async function startRedis(): Promise<{ redis: Redis; stop(): void }> {
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  const redis = new Redis(port, '127.0.0.1', { enableAutoPipelining: true, retryStrategy: () => 50 });
  redis.on('error', () => undefined);
  await waitFor(async () => (await redis.ping()) === 'PONG', { timeoutMs: 10_000, description: 'bench redis-server' });
  return { redis, stop: () => (redis.disconnect(), child.kill('SIGKILL')) };
}

/** Projects the workload with `writer` as the service does (4 partitions, 4,000-event batches, one waiting per partition). */
async function project(writer: Writer): Promise<{ events: number; seconds: number }> {
  const lanes: PositionedEvent[][] = Array.from({ length: LANES }, () => []);
  const offsets = new Array<number>(LANES).fill(0);
  const chains: Array<Promise<void>> = Array.from({ length: LANES }, () => Promise.resolve());
  const queued = new Array<number>(LANES).fill(0);
  let events = 0;
  const started = performance.now();
  const flush = async (lane: number) => {
    const batch = lanes[lane]!;
    lanes[lane] = [];
    if (queued[lane]! >= 2) await chains[lane];
    queued[lane]!++;
    chains[lane] = chains[lane]!.then(() => writer.applyEvents(PROJECT, SETTINGS, `bench:${lane}`, batch)).finally(() => queued[lane]!--);
    await new Promise((resolve) => setImmediate(resolve));
  };
  for (const event of workload()) {
    const lane = event.visitorIndex % LANES;
    lanes[lane]!.push({ offset: BigInt(offsets[lane]!++), event });
    events++;
    if (lanes[lane]!.length >= CHUNK) await flush(lane);
  }
  for (let lane = 0; lane < LANES; lane++) if (lanes[lane]!.length) await flush(lane);
  await Promise.all(chains);
  return { events, seconds: (performance.now() - started) / 1000 };
}

/** The writer (and its scripts) of git revision `rev`, bundled from `git archive` into .sightline/. */
async function writerAt(rev: string): Promise<WriterModule> {
  if (rev.startsWith('-')) throw new Error(`--before takes a git revision, not ${rev}`);
  const commit = execFileSync('git', ['rev-parse', '--verify', `${rev}^{commit}`], { cwd: repoRoot }).toString().trim();
  const dir = join(repoRoot, '.sightline', `bench-aggregator-writer-${commit.slice(0, 12)}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  execFileSync('sh', ['-c', `git archive ${commit} services/bitmap-aggregator/src | tar -x -C '${dir}'`], { cwd: repoRoot });
  const outfile = join(dir, 'writer.js');
  const { build } = await import('esbuild');
  const { externalPackages } = (await import(join(repoRoot, 'scripts/esbuild-externals.mjs'))) as { externalPackages: (outdir: string) => import('esbuild').Plugin };
  await build({
    stdin: { contents: `export { createBitmapWriter } from './bitmap-writer.store'; export { bitmapScripts } from './redis-client.store';`, resolveDir: join(dir, 'services/bitmap-aggregator/src/stores'), loader: 'ts' },
    outfile, bundle: true, platform: 'node', target: 'node24', format: 'cjs', logLevel: 'warning', tsconfig: join(repoRoot, 'tsconfig.json'), plugins: [externalPackages(dir)],
  });
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a bundle made at run time
  return require(outfile);
}

async function redisCpu(redis: Redis): Promise<number> {
  const info = await redis.info('cpu');
  return Number(/used_cpu_user:([\d.]+)/.exec(info)![1]) + Number(/used_cpu_sys:([\d.]+)/.exec(info)![1]);
}

const usedMemory = async (redis: Redis) => Number(/used_memory:(\d+)/.exec(await redis.info('memory'))![1]);

/** Bytes of the keys matching `pattern` (MEMORY USAGE … SAMPLES 0: every field counted). */
async function keyBytes(redis: Redis, pattern: string): Promise<{ keys: number; bytes: number }> {
  let cursor = '0';
  const out = { keys: 0, bytes: 0 };
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    for (const key of keys) {
      out.keys++;
      out.bytes += (await redis.memory('USAGE', key, 'SAMPLES', 0)) ?? 0;
    }
    cursor = next;
  } while (cursor !== '0');
  return out;
}

async function main() {
  console.log(`machine: ${execFileSync('nproc').toString().trim()} cores, load ${readFileSync('/proc/loadavg', 'utf8').trim()}, shared with other work`);
  console.log(`workload: ${EVENTS.toLocaleString('en')} events of ${VISITORS.toLocaleString('en')} visitors over ${DAYS} day(s), one project${COPIES ? `, ${COPIES * 100} % of them sent twice` : ''}; ${LANES} lanes, ${CHUNK}-event batches`);
  const { redis, stop } = await startRedis();
  try {
    const writers: Array<{ label: string; module: WriterModule }> = [];
    if (BEFORE) writers.push({ label: `before (${BEFORE})`, module: await writerAt(BEFORE) });
    writers.push(AFTER ? { label: `now (${AFTER})`, module: await writerAt(AFTER) } : { label: 'now', module: { createBitmapWriter, bitmapScripts } });
    const rates = new Map<string, number[]>(writers.map((w) => [w.label, []]));
    const cpus = new Map<string, Array<{ node: number; redis: number }>>(writers.map((w) => [w.label, []]));
    for (let round = 0; round < ROUNDS; round++) {
      for (const { label, module } of writers) {
        await redis.flushall();
        const base = await usedMemory(redis);
        const cpuBefore = { redis: await redisCpu(redis), node: process.cpuUsage() };
        const result = await project(module.createBitmapWriter(redis, module.bitmapScripts(redis), 'bench:'));
        const nodeCpu = process.cpuUsage(cpuBefore.node);
        const cpu = { node: (nodeCpu.user + nodeCpu.system) / 1e6, redis: (await redisCpu(redis)) - cpuBefore.redis };
        cpus.get(label)!.push(cpu);
        const rate = result.events / result.seconds;
        rates.get(label)!.push(rate);
        const memory = (await usedMemory(redis)) - base;
        const seen = await keyBytes(redis, 'bench:*seen:*');
        const range = { from: new Date(START), to: new Date(END) };
        const { total } = await createBitmapReader(redis, bitmapScripts(redis), 'bench:').totals(PROJECT, SETTINGS, range);
        console.log(
          `round ${round + 1}, ${label}: ${result.events.toLocaleString('en')} events in ${result.seconds.toFixed(1)} s = ${Math.round(rate).toLocaleString('en')} events/s; ` +
            `CPU per event: node ${((cpu.node / result.events) * 1e6).toFixed(1)} µs, redis-server ${((cpu.redis / result.events) * 1e6).toFixed(1)} µs; ` +
            `redis ${(memory / 2 ** 20).toFixed(1)} MiB = ${(memory / EVENTS).toFixed(1)} bytes per event, of which seen: ${seen.keys} key(s), ${(seen.bytes / 2 ** 20).toFixed(2)} MiB = ${(seen.bytes / EVENTS).toFixed(2)} bytes per event; totals ${total.toLocaleString('en')} (${total === EVENTS ? 'exact' : `${total - EVENTS > 0 ? '+' : ''}${total - EVENTS}`})`,
        );
      }
    }
    if (BEFORE) {
      const [before, now] = writers.map((w) => rates.get(w.label)!);
      const ratios = now!.map((r, i) => r / before![i]!);
      console.log(`now ÷ before, events/s by round: ${ratios.map((r) => `${r.toFixed(3)}x`).join(', ')}; mean ${(ratios.reduce((a, b) => a + b, 0) / ratios.length).toFixed(3)}x`);
      // CPU seconds are steadier than wall time on a shared machine: the cost itself, not the wait for a core.
      const sum = (label: string, which: 'node' | 'redis') => cpus.get(label)!.reduce((a, c) => a + c[which], 0);
      const [b, n] = writers.map((w) => w.label);
      console.log(`now ÷ before, CPU seconds over all rounds: node ${(sum(n!, 'node') / sum(b!, 'node')).toFixed(3)}x, redis-server ${(sum(n!, 'redis') / sum(b!, 'redis')).toFixed(3)}x`);
    }
    console.log(`load average at the end: ${readFileSync('/proc/loadavg', 'utf8').trim()}`);
  } finally {
    stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
