/**
 * Issue #16 finding 3 ("one read key can stall every tenant"): every read has a cost bound,
 * checked before any bitmap work, and a big read runs as bounded slices. Against a real Redis,
 * through the count API; the oracle is a brute-force count over the events written.
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type Redis from 'ioredis';
import { createLogger } from '@sightline/telemetry';
import { deleteKeys, testInfra, uniqueId } from '@sightline/testing';
import { enrichedEvent } from '../../test/events';
import { createApp } from '../app';
import { defaultSettings } from '../domain/range.handler';
import { createBitmapReader, type ReadLimits } from './bitmap-reader.store';
import { createBitmapWriter } from './bitmap-writer.store';
import { bitmapScripts, createRedisClient } from './redis-client.store';

const redis = createRedisClient({ REDIS_URL: testInfra.redisUrl });
const scripts = bitmapScripts(redis);
const prefix = `${uniqueId('bounds')}:`;
const writer = createBitmapWriter(redis, scripts, prefix);
const logger = createLogger({ service: 'read-bounds-test', level: 'warn' });
const DAY = 86_400_000;
const START = Date.UTC(2026, 8, 1);
const PERIODS = 30;
const project = 'bounds1';

/** Visitor v is new on day v % PERIODS and comes back on some later days (a fixed pseudo-random pattern). */
const visits: Array<{ v: number; d: number; isNew: boolean }> = [];
for (let v = 1; v <= 90; v++) {
  const first = v % PERIODS;
  visits.push({ v, d: first, isNew: true });
  for (let d = first + 1; d < PERIODS + 5; d++) if ((v * 7 + d * 13) % 5 === 0) visits.push({ v, d, isNew: false });
}

function bruteRetention(periods: number): number[][] {
  const newOn = new Map<number, number>();
  const active = new Map<number, Set<number>>();
  for (const { v, d, isNew } of visits) {
    if (isNew) newOn.set(v, d);
    if (!active.has(d)) active.set(d, new Set());
    active.get(d)!.add(v);
  }
  const rows: number[][] = [];
  for (let i = 0; i < periods; i++) {
    const cohort = [...newOn].filter(([, d]) => d === i).map(([v]) => v);
    const row: number[] = [];
    for (let k = 0; i + k < periods; k++) row.push(k === 0 ? cohort.length : cohort.filter((v) => active.get(i + k)?.has(v)).length);
    rows.push(row);
  }
  return rows;
}

const servers: Server[] = [];
async function serve(limits: ReadLimits) {
  const reader = createBitmapReader(redis, scripts, prefix, Date.now, limits);
  const app = createApp({ reader, settingsOf: () => defaultSettings, checks: {}, logger });
  const server = app.listen(0, '127.0.0.1');
  servers.push(server);
  await new Promise((resolve) => server.once('listening', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/internal/projects/${project}`;
  const retention = (periods: number) =>
    fetch(`${base}/retention`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ cohortInterval: 'day', from: new Date(START).toISOString(), periods }) });
  return { reader, base, retention };
}

/** The cost a refused read reports, read back from its 400. */
async function refusedCost(res: Response, limit: number, field: string): Promise<number> {
  expect(res.status).toBe(400);
  const body = (await res.json()) as { error: { message: string; fields: Array<{ path: string; reason: string }> } };
  expect(body.error.message).toContain(`over the limit of ${limit}`);
  expect(body.error.fields.map((f) => f.path)).toContain(field);
  return Number(/read cost (\d+)/.exec(body.error.message)![1]);
}

beforeAll(async () => {
  const events = visits.map(({ v, d, isNew }, i) => ({ offset: BigInt(i), event: enrichedEvent({ projectId: project, visitorIndex: v, timestamp: new Date(START + d * DAY + 3_600_000 * (1 + (v % 20))).toISOString(), isNewVisitor: isNew }) }));
  for (let i = 0; i < events.length; i += 200) await writer.applyEvents(project, defaultSettings, 't:0', events.slice(i, i + 200));
});

afterAll(async () => {
  for (const s of servers) {
    s.closeAllConnections();
    s.close();
  }
  await deleteKeys(redis as never, `${prefix}*`);
  redis.disconnect();
});

describe('read cost bounds (finding 3)', () => {
  it('refuses an over-limit retention with a 400 naming the limit, its cost and the field, before any script runs', async () => {
    // Built in one go, the refusal reports the whole read's cost.
    const whole = await serve({ maxCost: 5_000, sliceCost: 500, buildChunk: Number.MAX_SAFE_INTEGER });
    const cost = await refusedCost(await whole.retention(400), 5_000, 'periods');
    // 400 daily periods = 80,200 cells: 400 cohort sizes (AND-NOT merged 4 + BITCOUNT 1) and 79,800 returns (AND 2 more).
    expect(cost).toBeGreaterThanOrEqual(400 * 5 + 79_800 * 7);
    expect(whole.reader.stats).toMatchObject({ scriptCalls: 0, refused: 1 });
    // Built in chunks, the build stops at the first chunk over the bound: a cost just past it, said as a lower bound.
    const chunked = await serve({ maxCost: 5_000, sliceCost: 500, buildChunk: 1_000 });
    const res = await chunked.retention(400);
    const { error } = (await res.clone().json()) as { error: { message: string } };
    const partial = await refusedCost(res, 5_000, 'periods');
    expect(error.message).toContain(`read cost ${partial}+ is over`);
    // An early cohort row (≥ 334 cells of 3 steps) is a chunk of its own: the build stops at the end of the row that crosses the bound (≤ 400 cells of 7).
    expect(partial).toBeGreaterThan(5_000);
    expect(partial).toBeLessThanOrEqual(5_000 + 400 * 7);
    expect(chunked.reader.stats).toMatchObject({ scriptCalls: 0, refused: 1 });
  });

  it('refuses an over-limit series with filter leaves on the interval field', async () => {
    const { reader, base } = await serve({ maxCost: 2_000, sliceCost: 500 });
    const expr = JSON.stringify({ or: [{ dim: 'event:a' }, { dim: 'event:b' }, { dim: 'event:c' }, { dim: 'event:d' }] });
    const res = await fetch(`${base}/uniques?from=2025-01-01T00:00:00Z&to=2026-01-01T00:00:00Z&interval=day&expr=${encodeURIComponent(expr)}`);
    await refusedCost(res, 2_000, 'interval');
    expect(reader.stats.scriptCalls).toBe(0);
  });

  it('answers a read exactly at the bound (exact against a brute-force count) and refuses one operand less', async () => {
    const probe = await serve({ maxCost: 1_000, sliceCost: 500 });
    const cost = await refusedCost(await probe.retention(PERIODS), 1_000, 'periods');
    const under = await serve({ maxCost: cost - 1, sliceCost: 500 });
    expect(await refusedCost(await under.retention(PERIODS), cost - 1, 'periods')).toBe(cost);
    const at = await serve({ maxCost: cost, sliceCost: 500 });
    const res = await at.retention(PERIODS);
    expect(res.status).toBe(200);
    const { cohorts } = (await res.json()) as { cohorts: Array<{ start: string; size: number; retained: number[] }> };
    const brute = bruteRetention(PERIODS);
    expect(cohorts.map((c) => c.retained)).toEqual(brute);
    expect(cohorts.map((c) => c.size)).toEqual(brute.map((r) => r[0]));
    expect(brute.flat().reduce((a, b) => a + b, 0)).toBeGreaterThan(90);
  });

  it('reads a breakdown in part when its values would pass the bound: the values with the most events, exact, and says so', async () => {
    // Day 40 (after the retention days): event e<k> by visitors 1001..1001+k, so k + 1 events and uniques each.
    const day = START + 40 * DAY;
    const events = [];
    for (let k = 0; k < 40; k++) for (let v = 0; v <= k; v++) events.push(enrichedEvent({ projectId: project, visitorIndex: 1001 + v, timestamp: new Date(day + 60_000 * (k + 1)).toISOString(), name: `e${k}` }));
    await writer.applyEvents(project, defaultSettings, 't:1', events.map((event, i) => ({ offset: BigInt(i), event })));
    const query = `from=${new Date(day).toISOString()}&to=${new Date(day + DAY).toISOString()}&prefix=event&limit=1000`;
    const brute = (k: number) => ({ value: `e${k}`, uniques: k + 1 });
    const all = await (await fetch(`${(await serve({ maxCost: 100_000, sliceCost: 500 })).base}/breakdown?${query}`)).json();
    expect(all).toEqual({ values: Array.from({ length: 40 }, (_, i) => brute(39 - i)), total: 40 });
    // One day: the filter ($active, one key) costs 5 (a count: AND-NOT merged, BITCOUNT), each value 5 more (its count;
    // no AND with the filter, which is $active): 75 leaves room for 14.
    const { reader, base } = await serve({ maxCost: 75, sliceCost: 500 });
    const res = await fetch(`${base}/breakdown?${query}`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ values: Array.from({ length: 14 }, (_, i) => brute(39 - i)), total: 40, truncated: { valuesRead: 14, valuesInRange: 40 } });
    expect(reader.stats.refused).toBe(0);
  });

  it('runs a heavy read as many script calls of bounded work, seen in MONITOR, and leaves no temp keys', async () => {
    const sliceCost = 64;
    const { reader, retention } = await serve({ maxCost: 250_000, sliceCost });
    const monitor = await (redis as Redis).duplicate().monitor();
    // Per script call (EVAL/EVALSHA of this test's keys): the bitmap commands it ran inside.
    const calls: number[] = [];
    let inside = false;
    monitor.on('monitor', (_time: string, args: string[], source: string) => {
      const command = String(args[0]).toLowerCase();
      if ((command === 'evalsha' || command === 'eval') && args.some((a) => String(a).startsWith(prefix))) {
        calls.push(0);
        inside = true;
      } else if (source.startsWith('lua') && inside && (command === 'bitop' || command === 'bitcount')) calls[calls.length - 1]!++;
      else if (!source.startsWith('lua')) inside = false;
    });
    const res = await retention(PERIODS);
    expect(res.status).toBe(200);
    const { cohorts } = (await res.json()) as { cohorts: Array<{ retained: number[] }> };
    expect(cohorts.map((c) => c.retained)).toEqual(bruteRetention(PERIODS));
    await new Promise((resolve) => setTimeout(resolve, 200));
    monitor.disconnect();
    // 465 cells: 30 sizes (a BITCOUNT: no visitor is merged, so no AND-NOT) and 435 returns (an AND more) ≥ 900 bitmap commands.
    const commands = calls.reduce((a, b) => a + b, 0);
    expect(commands).toBeGreaterThanOrEqual(30 * 1 + 435 * 2);
    expect(calls.length).toBeGreaterThanOrEqual(Math.ceil(commands / sliceCost));
    expect(calls.length).toBe(reader.stats.scriptCalls);
    expect(Math.max(...calls)).toBeLessThanOrEqual(sliceCost);
    expect(reader.stats.maxSliceCost).toBeLessThanOrEqual(sliceCost);
    expect(await redis.keys(`${prefix}*tmp*`)).toEqual([]);
  });
});
