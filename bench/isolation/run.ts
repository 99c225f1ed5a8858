/**
 * Issue #16 finding 3: does one tenant's heavy read stall another tenant's small one? Two
 * projects on the stack's Redis; the victim's 1-day unique-visitor read is timed on an idle
 * system, then while the other project loops over the heaviest reads the bounds allow (a daily
 * retention as long as READ_MAX_COST admits, 12 months by day with four filter leaves, a
 * breakdown, a 30-day retention): as the reader runs them (slices of READ_SLICE_COST operands,
 * programs built in chunks that let the event loop run), with programs built in one go (before
 * the chunks), and with `--unsliced` as one script per read (before the slices: it holds the
 * shared Redis for seconds on a loaded machine, other work on it gets BUSY errors, so only on
 * request). The idle figure is taken before and after, as a gauge of the machine's own noise.
 * Figures only; nothing here decides a test.
 *
 * Each READ_MAX_COST in `--max-cost` (default the aggregator's and 250,000, the bound before) is
 * measured in turn on the same data.
 *
 *   node scripts/run-ts.mjs bench/isolation/run.ts [--samples=300] [--visitors=2000] [--max-cost=60000,250000] [--slice-cost=500,100] [--unsliced]
 */
import { cpus, loadavg } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { deleteKeys, testInfra, uniqueId } from '@sightline/testing';
import { enrichedEvent } from '../../services/bitmap-aggregator/test/events';
import { defaultSettings } from '../../services/bitmap-aggregator/src/domain/range.handler';
import { createBitmapReader, DEFAULT_READ_LIMITS, ReadCostError, type ReadLimits } from '../../services/bitmap-aggregator/src/stores/bitmap-reader.store';
import { createBitmapWriter } from '../../services/bitmap-aggregator/src/stores/bitmap-writer.store';
import { bitmapScripts, createRedisClient } from '../../services/bitmap-aggregator/src/stores/redis-client.store';

const args = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=')).map(([k, v]) => [k, v ?? 'true']));
const SAMPLES = Number(args.samples ?? 300);
const VISITORS = Number(args.visitors ?? 2000);
const DAY = 86_400_000;
const END = Math.floor(Date.now() / DAY) * DAY;
const START = END - 365 * DAY;
/** Each bound is measured in turn, on the same data in the same run. */
const MAX_COSTS = String(args['max-cost'] ?? `${DEFAULT_READ_LIMITS.maxCost},250000`).split(',').map(Number);
const SLICE_COSTS = String(args['slice-cost'] ?? DEFAULT_READ_LIMITS.sliceCost).split(',').map(Number);

const redis = createRedisClient({ REDIS_URL: process.env.REDIS_URL ?? testInfra.redisUrl });
const scripts = bitmapScripts(redis);
const prefix = `${uniqueId('bench_isolation')}:`;

async function load(project: string): Promise<void> {
  const writer = createBitmapWriter(redis, scripts, prefix);
  const events = [];
  for (let v = 1; v <= VISITORS; v++) {
    const first = (v * 7919) % 365;
    for (let d = first; d < 365; d += 1 + ((v * 31 + d) % 23)) {
      events.push(enrichedEvent({ projectId: project, visitorIndex: v, timestamp: new Date(START + d * DAY + (v % 86_000) * 1000).toISOString(), isNewVisitor: d === first, name: ['signup', 'view', 'buy', 'share'][v % 4]!, traits: { plan: v % 3 ? 'free' : 'pro' } }));
    }
  }
  events.sort((a, b) => a.timestamp.localeCompare(b.timestamp));
  for (let i = 0; i < events.length; i += 2000) await writer.applyEvents(project, defaultSettings, 't:0', events.slice(i, i + 2000).map((event, j) => ({ offset: BigInt(i + j), event })));
  console.log(`${project}: ${events.length.toLocaleString('en')} events, ${VISITORS} visitors over 365 days`);
}

const p99 = (samples: number[]) => [...samples].sort((a, b) => a - b)[Math.min(samples.length - 1, Math.floor(samples.length * 0.99))]!;

/** The victim's reads on their own connection, as another aggregator worker's would be. */
const victimRedis = createRedisClient({ REDIS_URL: process.env.REDIS_URL ?? testInfra.redisUrl });
const victimScripts = bitmapScripts(victimRedis);

async function victimP99(limits: ReadLimits): Promise<{ p50: number; p99: number }> {
  const reader = createBitmapReader(victimRedis, victimScripts, prefix, Date.now, limits);
  const q = { from: new Date(END - DAY), to: new Date(END) };
  const samples: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    const started = performance.now();
    await reader.uniques('victim', defaultSettings, q, { dim: '$active' });
    samples.push(performance.now() - started);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  const sorted = [...samples].sort((a, b) => a - b);
  return { p50: sorted[Math.floor(sorted.length / 2)]!, p99: p99(samples) };
}

/** The heaviest reads the bounds allow, looped by the other project until `stop`. */
function heavyLoop(limits: ReadLimits, longest: number, stop: { done: boolean }): Promise<number> {
  const reader = createBitmapReader(redis, scripts, prefix, Date.now, limits);
  const year = { from: new Date(START), to: new Date(END), interval: 'day' as const };
  const filter = { or: [{ dim: 'event:signup' }, { dim: 'event:buy' }, { and: [{ dim: 'event:view' }, { dim: 'trait:plan=pro' }] }] };
  const reads: Array<() => Promise<unknown>> = [
    () => reader.retention('heavy', defaultSettings, 'day', new Date(START), longest),
    () => reader.uniques('heavy', defaultSettings, year, filter),
    () => reader.breakdown('heavy', defaultSettings, { from: new Date(START), to: new Date(END) }, 'event', 1000, filter),
    () => reader.retention('heavy', defaultSettings, 'day', new Date(END - 30 * DAY), 30),
  ];
  let done = 0;
  const loop = async (offset: number) => {
    for (let i = offset; !stop.done; i++) {
      try {
        await reads[i % reads.length]!();
      } catch (err) {
        if (!(err instanceof ReadCostError)) throw err;
      }
      done++;
    }
  };
  return Promise.all([loop(0), loop(1)]).then(() => done);
}

async function main(): Promise<void> {
  console.log(`${new Date().toISOString()} — machine: ${cpus().length} cores (${cpus()[0]?.model.trim()}), load ${loadavg().map((l) => l.toFixed(2)).join(' ')}, shared with other work; Redis ${process.env.REDIS_URL ?? testInfra.redisUrl}`);
  await load('victim');
  await load('heavy');
  // The longest daily retention a bound admits (a refused read reports its cost without touching Redis).
  const probe = createBitmapReader(redis, scripts, prefix, Date.now, { maxCost: 1, sliceCost: 1, buildChunk: Number.MAX_SAFE_INTEGER });
  const costOf = (periods: number) => probe.retention('heavy', defaultSettings, 'day', new Date(START), periods).then(() => 0, (err: ReadCostError) => err.cost);
  const idle = async (when: string) => {
    const { p50, p99: high } = await victimP99(DEFAULT_READ_LIMITS);
    console.log(`victim 1-day uniques, idle (${when}): p50 ${p50.toFixed(2)} ms  p99 ${high.toFixed(2)} ms`);
  };
  await idle('before');
  for (const maxCost of MAX_COSTS) {
    const limits: ReadLimits = { ...DEFAULT_READ_LIMITS, maxCost, sliceCost: SLICE_COSTS[0]! };
    // Binary search: each probe builds a whole program, and a 400-period one takes a while.
    let [low, high] = [1, 400];
    while (low < high) {
      const mid = Math.ceil((low + high) / 2);
      if ((await costOf(mid)) > maxCost) high = mid - 1;
      else low = mid;
    }
    console.log(`READ_MAX_COST ${maxCost.toLocaleString('en')}: heaviest read a daily retention of ${low} periods, cost ${(await costOf(low)).toLocaleString('en')}`);
    const runs: Array<[string, ReadLimits]> = SLICE_COSTS.map((sliceCost) => [`sliced (${sliceCost} operands per script), built in chunks of ${limits.buildChunk} steps`, { ...limits, sliceCost }]);
    runs.push([`sliced (${limits.sliceCost}), built in one go (before the chunks)`, { ...limits, buildChunk: Number.MAX_SAFE_INTEGER }]);
    if (args.unsliced) runs.push(['one script per read (before the slices)', { ...limits, sliceCost: Number.MAX_SAFE_INTEGER, buildChunk: Number.MAX_SAFE_INTEGER }]);
    for (const [name, heavyLimits] of runs) {
      const stop = { done: false };
      const heavy = heavyLoop(heavyLimits, low, stop);
      await new Promise((resolve) => setTimeout(resolve, 200));
      // The heavy reads share this process's event loop with the victim's, as on one aggregator worker.
      const loop = monitorEventLoopDelay({ resolution: 5 });
      loop.enable();
      const busy = await victimP99(DEFAULT_READ_LIMITS);
      loop.disable();
      stop.done = true;
      const reads = await heavy;
      console.log(`  victim 1-day uniques, heavy reads ${name}: p50 ${busy.p50.toFixed(2)} ms  p99 ${busy.p99.toFixed(2)} ms  (${reads} heavy reads meanwhile; event loop delay p99 ${(loop.percentile(99) / 1e6).toFixed(1)} ms, max ${(loop.max / 1e6).toFixed(1)} ms)`);
    }
  }
  await idle('after');
  console.log(`target: p99 < 50 ms under load`);
}

main()
  .finally(async () => {
    await deleteKeys(redis as never, `${prefix}*`);
    redis.disconnect();
    victimRedis.disconnect();
  })
  .catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });
