/**
 * Retention with a filter (issue #15 §5): cohort i is the visitors new in period i who match the
 * expression over period i itself; a cell counts those of them active in a later period. Against a
 * real Redis through the count API; the oracle is a brute-force walk over the visits written.
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { createLogger } from '@sightline/telemetry';
import { deleteKeys, testInfra, uniqueId } from '@sightline/testing';
import { enrichedEvent } from '../../test/events';
import { createApp } from '../app';
import { defaultSettings } from '../domain/range.handler';
import { createBitmapReader } from '../stores/bitmap-reader.store';
import { createBitmapWriter } from '../stores/bitmap-writer.store';
import { bitmapScripts, createRedisClient } from '../stores/redis-client.store';

const redis = createRedisClient({ REDIS_URL: testInfra.redisUrl });
const scripts = bitmapScripts(redis);
const prefix = `${uniqueId('retf')}:`;
const writer = createBitmapWriter(redis, scripts, prefix);
const logger = createLogger({ service: 'retention-filter-test', level: 'warn' });
const DAY = 86_400_000;
const START = Date.UTC(2026, 7, 3);
const PERIODS = 8;
const project = 'retf1';
const SOURCES = ['google', 'twitter', 'news'];
const COUNTRIES = ['FR', 'DE'];

interface Visit {
  v: number;
  d: number;
  isNew: boolean;
  source: string;
  country: string;
  plan: string;
}
/** Visitor v is new on day v % PERIODS; source, country and plan change from day to day, so "matches in the cohort's period" differs from "matches ever". */
const visits: Visit[] = [];
/** A fixed pseudo-random pick in [0, n) for (v, d, salt). */
const pick = (v: number, d: number, salt: number, n: number) => (Math.imul(v * 31 + d * 7 + salt, 2654435761) >>> 7) % n;
for (let v = 1; v <= 96; v++) {
  const first = v % PERIODS;
  for (let d = first; d < PERIODS; d++) {
    if (d > first && pick(v, d, 1, 3) === 0) continue;
    visits.push({ v, d, isNew: d === first, source: SOURCES[pick(v, d, 2, 3)]!, country: COUNTRIES[pick(v, d, 3, 2)]!, plan: pick(v, d, 4, 4) === 0 ? 'pro' : 'free' });
  }
}

type Expr = { dim: string } | { and: Expr[] } | { or: Expr[] } | { not: Expr };
/** The leaves visitor v had on day d (brute force, from the visits sent). */
function leavesOn(v: number, d: number): Set<string> {
  const out = new Set<string>();
  for (const x of visits) if (x.v === v && x.d === d) for (const l of [`source:${x.source}`, `country:${x.country}`, `trait:plan=${x.plan}`]) out.add(l);
  return out;
}
function matches(expr: Expr, leaves: Set<string>): boolean {
  if ('dim' in expr) return leaves.has(expr.dim);
  if ('not' in expr) return !matches(expr.not, leaves);
  if ('and' in expr) return expr.and.every((e) => matches(e, leaves));
  return expr.or.some((e) => matches(e, leaves));
}
function bruteRetention(expr: Expr | undefined): number[][] {
  const rows: number[][] = [];
  for (let i = 0; i < PERIODS; i++) {
    const cohort = visits.filter((x) => x.isNew && x.d === i && (!expr || matches(expr, leavesOn(x.v, i)))).map((x) => x.v);
    const row: number[] = [];
    for (let k = 0; i + k < PERIODS; k++) row.push(cohort.filter((v) => visits.some((x) => x.v === v && x.d === i + k)).length);
    rows.push(row);
  }
  return rows;
}

let server: Server;
let base: string;
const retention = (body: Record<string, unknown>) =>
  fetch(`${base}/retention`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ cohortInterval: 'day', from: new Date(START).toISOString(), periods: PERIODS, ...body }) });
const cells = async (expr?: Expr) => {
  const res = await retention(expr ? { expr } : {});
  expect(res.status).toBe(200);
  return ((await res.json()) as { cohorts: Array<{ retained: number[] }> }).cohorts.map((c) => c.retained);
};

beforeAll(async () => {
  const events = visits.map((x, i) => ({
    offset: BigInt(i),
    event: enrichedEvent({ projectId: project, visitorIndex: x.v, timestamp: new Date(START + x.d * DAY + 3_600_000 * (1 + (x.v % 20))).toISOString(), isNewVisitor: x.isNew, source: x.source, country: x.country, traits: { plan: x.plan } }),
  }));
  await writer.applyEvents(project, defaultSettings, 't:0', events);
  const reader = createBitmapReader(redis, scripts, prefix);
  server = createApp({ reader, settingsOf: () => defaultSettings, checks: {}, logger }).listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/internal/projects/${project}`;
});

afterAll(async () => {
  server?.closeAllConnections();
  server?.close();
  await deleteKeys(redis as never, `${prefix}*`);
  redis.disconnect();
});

describe('retention with a filter expression', () => {
  it('without expr is the whole triangle, as before', async () => {
    expect(await cells()).toEqual(bruteRetention(undefined));
  });

  it.each<[string, Expr]>([
    ['a source', { dim: 'source:google' }],
    ['a day-only country', { dim: 'country:FR' }],
    ['a trait or a source', { or: [{ dim: 'trait:plan=pro' }, { dim: 'source:news' }] }],
    ['a negation and a conjunction', { and: [{ not: { dim: 'source:twitter' } }, { dim: 'country:DE' }] }],
  ])('narrows each cohort to the visitors matching %s in the cohort period', async (_, expr) => {
    const expected = bruteRetention(expr);
    // The filter must cut something and keep something, or the test would prove little.
    const sizes = expected.map((r) => r[0]!);
    const all = bruteRetention(undefined).map((r) => r[0]!);
    expect(sizes.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    expect(sizes.reduce((a, b) => a + b, 0)).toBeLessThan(all.reduce((a, b) => a + b, 0));
    expect(await cells(expr)).toEqual(expected);
  });

  it('judges the filter in the cohort period only: a visitor matching only later is not in the cohort', async () => {
    const later = visits.find((x) => x.isNew && x.source !== 'google' && visits.some((y) => y.v === x.v && y.d > x.d && y.source === 'google'))!;
    expect(later).toBeDefined();
    const withoutLater = bruteRetention({ dim: 'source:google' })[later.d]![0]!;
    const everMatching = visits.filter((x) => x.isNew && x.d === later.d && visits.some((y) => y.v === x.v && y.source === 'google')).length;
    expect(withoutLater).toBeLessThan(everMatching);
    expect((await cells({ dim: 'source:google' }))[later.d]![0]).toBe(withoutLater);
  });

  it('refuses a malformed or too complex expr with a 400 on expr', async () => {
    const unknown = await retention({ expr: { dim: 'nope:1' } });
    expect(unknown.status).toBe(400);
    expect(JSON.stringify(await unknown.json())).toContain('expr');
    const deep = (n: number): Expr => (n === 0 ? { dim: 'source:google' } : { not: deep(n - 1) });
    const tooDeep = await retention({ expr: deep(9) });
    expect(tooDeep.status).toBe(400);
    const body = (await tooDeep.json()) as { error: { fields: Array<{ path: string; reason: string }> } };
    expect(body.error.fields).toEqual([{ path: 'expr', reason: 'nested deeper than 8' }]);
  });
});
