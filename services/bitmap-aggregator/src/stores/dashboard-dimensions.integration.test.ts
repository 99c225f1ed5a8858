import type { EnrichedEventParsed } from '@sightline/contracts';
import { deleteKeys, testInfra, uniqueId } from '@sightline/testing';
import { enrichedEvent } from '../../test/events';
import type { Expr } from '../domain/expression.handler';
import { defaultSettings, type ProjectSettings } from '../domain/range.handler';
import { createBitmapReader } from './bitmap-reader.store';
import { createBitmapWriter, type PositionedEvent } from './bitmap-writer.store';
import { bitmapScripts, createRedisClient } from './redis-client.store';

/**
 * The dashboard's dimensions (page, entry page, exit page, referrer, country, utm content/term)
 * and the daily value cap, through the real writer and Lua scripts, against a brute-force count
 * of the same events: sessions cut into batches at random points (so exit pages move across
 * batches), and one batch replayed.
 */
const redis = createRedisClient({ REDIS_URL: testInfra.redisUrl });
const scripts = bitmapScripts(redis);
const prefix = `${uniqueId('aggdash')}:`;
const writer = createBitmapWriter(redis, scripts, prefix);
const reader = createBitmapReader(redis, scripts, prefix);
const DAY = 86_400_000;
const START = Date.UTC(2026, 10, 2);

afterAll(async () => {
  await deleteKeys(redis as never, `${prefix}*`);
  redis.disconnect();
});

function random(seed: number) {
  return (n: number) => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return (seed >>> 8) % n;
  };
}

const PAGES = ['/', '/a', '/b', '/c', '/d'];
const COUNTRIES = ['FR', 'DE', 'US'];

interface Session {
  visitor: number;
  id: string;
  start: number;
  events: EnrichedEventParsed[];
}

/** Sessions of 1-5 events (the first a pageview), several per visitor over four days, in time order. */
function workload(projectId: string, visitors: number, seed: number): { events: EnrichedEventParsed[]; sessions: Session[] } {
  const rand = random(seed);
  const sessions: Session[] = [];
  for (let v = 0; v < visitors; v++) {
    let at = START + rand(DAY);
    for (let s = 0; s < 1 + rand(4); s++) {
      const session: Session = { visitor: v, id: `s-${v}-${s}`, start: at, events: [] };
      const country = COUNTRIES[rand(COUNTRIES.length)]!;
      const referrerDomain = rand(3) === 0 ? null : `ref${rand(3)}.example`;
      const utm = rand(2) === 0 ? `?utm_content=c${rand(2)}&utm_term=t${rand(2)}` : '';
      const entry = PAGES[rand(PAGES.length)]!;
      for (let e = 0; e < 1 + rand(5); e++) {
        const pageview = e === 0 || rand(3) > 0;
        const page = e === 0 ? entry : PAGES[rand(PAGES.length)]!;
        session.events.push(
          enrichedEvent({
            projectId,
            visitorIndex: v,
            timestamp: new Date(at).toISOString(),
            name: pageview ? '$pageview' : 'click',
            sessionId: session.id,
            isNewSession: e === 0,
            isNewVisitor: s === 0 && e === 0,
            entryPage: entry,
            country,
            referrerDomain,
            context: { page: { url: `https://site.example${page}${utm}` } },
          }),
        );
        at += 1000 + rand(600_000);
      }
      sessions.push(session);
      at += 31 * 60_000 + rand(DAY);
    }
  }
  const events = sessions.flatMap((s) => s.events).sort((a, b) => a.timestamp.localeCompare(b.timestamp));
  return { events, sessions };
}

/**
 * Visitors per value of a kind in [from, to), computed from the events and sessions directly.
 * These kinds are day-only: over whole UTC days, among the visitors active in [from, to).
 */
function oracle(w: ReturnType<typeof workload>, rangeFrom: number, rangeTo: number) {
  const per = new Map<string, Set<number>>();
  const active = new Set<number>();
  for (const e of w.events) if (Date.parse(e.timestamp) >= rangeFrom && Date.parse(e.timestamp) < rangeTo) active.add(e.visitorIndex);
  const add = (dim: string, v: number) => active.has(v) && (per.get(dim) ?? per.set(dim, new Set()).get(dim)!).add(v);
  const from = Math.floor(rangeFrom / DAY) * DAY;
  const to = Math.ceil(rangeTo / DAY) * DAY;
  for (const e of w.events) {
    const t = Date.parse(e.timestamp);
    if (t < from || t >= to) continue;
    const url = new URL((e.context.page as { url: string }).url);
    if (e.name === '$pageview') add(`page:${url.pathname}`, e.visitorIndex);
    add(`country:${e.country}`, e.visitorIndex);
    if (e.referrerDomain) add(`referrer:${e.referrerDomain}`, e.visitorIndex);
    if (url.searchParams.get('utm_content')) add(`utmContent:${url.searchParams.get('utm_content')}`, e.visitorIndex);
    if (url.searchParams.get('utm_term')) add(`utmTerm:${url.searchParams.get('utm_term')}`, e.visitorIndex);
  }
  // Entry and exit pages belong to the session's start: the first and the last pageview's page.
  for (const s of w.sessions) {
    if (s.start < from || s.start >= to) continue;
    const pages = s.events.filter((e) => e.name === '$pageview').map((e) => new URL((e.context.page as { url: string }).url).pathname);
    add(`entryPage:${s.events[0]!.entryPage}`, s.visitor);
    add(`exitPage:${pages[pages.length - 1]}`, s.visitor);
  }
  return { per, active };
}

/** Writes the events in batches cut at random places (one partition, offsets in order), replaying one. */
async function project(projectId: string, settings: ProjectSettings, events: EnrichedEventParsed[], seed: number): Promise<void> {
  const rand = random(seed);
  const positioned: PositionedEvent[] = events.map((event, i) => ({ offset: BigInt(i), event }));
  let replay: PositionedEvent[] = [];
  for (let from = 0; from < positioned.length; ) {
    const batch = positioned.slice(from, from + 1 + rand(40));
    await writer.applyEvents(projectId, settings, 't:0', batch);
    if (replay.length === 0 && from > positioned.length / 2) replay = batch;
    from += batch.length;
  }
  await writer.applyEvents(projectId, settings, 't:0', replay);
}

const KINDS = ['page', 'entryPage', 'exitPage', 'referrer', 'country', 'utmContent', 'utmTerm'] as const;

describe('dashboard dimensions', () => {
  const w = workload('dash', 80, 7);
  beforeAll(() => project('dash', defaultSettings, w.events, 11));

  it.each([
    ['the four days', START, START + 8 * DAY],
    ['one day', START + DAY, START + 2 * DAY],
    ['two days and an hour', START + 2 * DAY + 3_600_000, START + 4 * DAY],
    // A year key for $active, twelve month keys for the day-only kinds.
    ['the whole year', Date.UTC(2026, 0, 1), Date.UTC(2027, 0, 1)],
  ])('counts every value of every kind exactly over %s', async (_, from, to) => {
    const expected = oracle(w, from, to);
    const q = { from: new Date(from), to: new Date(to) };
    for (const kind of KINDS) {
      const reply = await reader.breakdown('dash', defaultSettings, q, kind, 100, { dim: '$active' });
      const want = [...expected.per].filter(([dim]) => dim.startsWith(`${kind}:`)).map(([dim, set]) => ({ value: dim.slice(kind.length + 1), uniques: set.size }));
      expect({ kind, values: [...reply.values].sort((a, b) => a.value.localeCompare(b.value)) }).toEqual({ kind, values: want.sort((a, b) => a.value.localeCompare(b.value)) });
      expect(reply.total).toBe(expected.active.size);
      expect(reply.capped).toBeUndefined();
      expect(reply.dayRounded).toBe(from % DAY === 0 && to % DAY === 0 ? undefined : true);
    }
  });

  it('filters by the new kinds like by any dimension', async () => {
    const from = START;
    const to = START + 8 * DAY;
    const { per } = oracle(w, from, to);
    const set = (dim: string) => per.get(dim) ?? new Set<number>();
    const expr: Expr = { and: [{ dim: 'exitPage:/b' }, { or: [{ dim: 'country:FR' }, { dim: 'entryPage:/' }] }, { not: { dim: 'utmTerm:t1' } }] };
    const want = [...set('exitPage:/b')].filter((v) => (set('country:FR').has(v) || set('entryPage:/').has(v)) && !set('utmTerm:t1').has(v));
    const got = await reader.uniques('dash', defaultSettings, { from: new Date(from), to: new Date(to) }, expr);
    expect(got.total).toBe(want.length);
    const segment = await reader.segment('dash', defaultSettings, { from: new Date(from), to: new Date(to) }, expr);
    expect(segment.count).toBe(want.length);
  });

  it("counts the range's own values, however many other values were registered before", async () => {
    const settings = { ...defaultSettings, valueCap: 5000 };
    // 2,000 pages on day 1 fill what a breakdown counts (MAX_BREAKDOWN_VALUES) if it took the first registered.
    const events = Array.from({ length: 2000 }, (_, i) =>
      enrichedEvent({ projectId: 'many', visitorIndex: i, name: '$pageview', sessionId: `m${i}`, timestamp: new Date(START + i * 1000).toISOString(), context: { page: { path: `/old/${i}` } } }),
    );
    for (let v = 0; v < 3; v++) events.push(enrichedEvent({ projectId: 'many', visitorIndex: 5000 + v, name: '$pageview', sessionId: `n${v}`, timestamp: new Date(START + DAY + v * 1000).toISOString(), context: { page: { path: '/new' } } }));
    await writer.applyEvents('many', settings, 't:0', events.map((event, i) => ({ offset: BigInt(i), event })));
    const day2 = await reader.breakdown('many', settings, { from: new Date(START + DAY), to: new Date(START + 2 * DAY) }, 'page', 10, { dim: '$active' });
    expect(day2).toEqual({ values: [{ value: '/new', uniques: 3 }], total: 3 });
  });

  it('folds the values past the daily cap into (other) and says on how many days', async () => {
    const settings = { ...defaultSettings, valueCap: 3 };
    const events: EnrichedEventParsed[] = [];
    const pages = ['/1', '/2', '/3', '/4', '/5'];
    // Day 1: five pages, one visitor each, in this order; day 2: only two pages (under the cap).
    pages.forEach((page, v) => events.push(enrichedEvent({ projectId: 'capped', visitorIndex: v, name: '$pageview', sessionId: `c${v}`, timestamp: new Date(START + v * 60_000).toISOString(), context: { page: { path: page } } })));
    pages.slice(3).forEach((page, i) => events.push(enrichedEvent({ projectId: 'capped', visitorIndex: 10 + i, name: '$pageview', sessionId: `d${i}`, timestamp: new Date(START + DAY + i * 60_000).toISOString(), context: { page: { path: page } } })));
    await writer.applyEvents('capped', settings, 't:0', events.slice(0, 2).map((event, i) => ({ offset: BigInt(i), event })));
    await writer.applyEvents('capped', settings, 't:0', events.slice(2).map((event, i) => ({ offset: BigInt(i + 2), event })));
    const day1 = await reader.breakdown('capped', settings, { from: new Date(START), to: new Date(START + DAY) }, 'page', 10, { dim: '$active' });
    expect(day1).toEqual({
      values: [
        { value: '(other)', uniques: 2 },
        { value: '/1', uniques: 1 },
        { value: '/2', uniques: 1 },
        { value: '/3', uniques: 1 },
      ],
      total: 5,
      capped: { limit: 3, days: 1 },
    });
    const day2 = await reader.breakdown('capped', settings, { from: new Date(START + DAY), to: new Date(START + 2 * DAY) }, 'page', 10, { dim: '$active' });
    expect(day2).toEqual({ values: [{ value: '/4', uniques: 1 }, { value: '/5', uniques: 1 }], total: 2 });
    // The exit page of a folded page is (other) too: the cap bounds every kind derived from pages.
    const exits = await reader.breakdown('capped', settings, { from: new Date(START), to: new Date(START + DAY) }, 'exitPage', 10, { dim: '$active' });
    expect(exits.values).toContainEqual({ value: '(other)', uniques: 2 });
  });
});
