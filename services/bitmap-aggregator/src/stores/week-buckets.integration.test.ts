import { deleteKeys, testInfra, uniqueId } from '@sightline/testing';
import { enrichedEvent } from '../../test/events';
import { projectKeys } from '../domain/keys.handler';
import { defaultSettings } from '../domain/range.handler';
import { createBitmapReader } from './bitmap-reader.store';
import { createBitmapWriter, type PositionedEvent } from './bitmap-writer.store';
import { bitmapScripts, createRedisClient } from './redis-client.store';

/**
 * Week buckets of day-only dimensions (docs/bitmaps.md, "Week buckets"), through the real writer
 * and Lua scripts: a breakdown by page over three weeks read from week keys equals a brute-force
 * count of the events sent, with a late event, a merge and an erasure; and a project that had
 * data before week buckets keeps reading its older weeks as days.
 */
const redis = createRedisClient({ REDIS_URL: testInfra.redisUrl });
const scripts = bitmapScripts(redis);
const prefix = `${uniqueId('aggweek')}:`;
const DAY = 86_400_000;
const MONDAY = Date.UTC(2026, 10, 2);
const PAGES = ['/', '/a', '/b', '/c'];

afterAll(async () => {
  await deleteKeys(redis as never, `${prefix}*`);
  redis.disconnect();
});

interface Sent {
  visitor: number;
  day: number;
  page: string;
}

/** Pageviews of 30 visitors on days 0 to `days - 1` (a fixed pseudo-random pattern). */
function pageviews(days = 21): Sent[] {
  const sent: Sent[] = [];
  for (let v = 1; v <= 30; v++) for (let d = v % 4; d < days; d += 1 + ((v * 7 + d) % 5)) sent.push({ visitor: v, day: d, page: PAGES[(v + d) % PAGES.length]! });
  return sent;
}

const event = (projectId: string, s: Sent, extra: object = {}) =>
  enrichedEvent({ projectId, visitorIndex: s.visitor, timestamp: new Date(MONDAY + s.day * DAY + 3_600_000 * (1 + (s.visitor % 20))).toISOString(), name: '$pageview', context: { page: { path: s.page } }, ...extra });

const positioned = (events: ReturnType<typeof event>[], from = 0): PositionedEvent[] => events.map((e, i) => ({ offset: BigInt(from + i), event: e }));

/** Unique visitors per page over days [from, to), merged visitors counted as their survivor, erased ones left out. */
function brute(sent: Sent[], from: number, to: number, merged: Map<number, number>, erased: Set<number>) {
  const per = new Map<string, Set<number>>();
  for (const s of sent) {
    const person = merged.get(s.visitor) ?? s.visitor;
    if (s.day < from || s.day >= to || erased.has(person)) continue;
    if (!per.has(s.page)) per.set(s.page, new Set());
    per.get(s.page)!.add(person);
  }
  return [...per].map(([value, set]) => ({ value, uniques: set.size })).sort((a, b) => b.uniques - a.uniques || (a.value < b.value ? -1 : 1));
}

describe('week buckets of day-only dimensions', () => {
  it('answer a breakdown by page from week keys exactly, after a late event, a merge and an erasure', async () => {
    const project = 'weeks';
    const writer = createBitmapWriter(redis, scripts, prefix);
    const reader = createBitmapReader(redis, scripts, prefix);
    const keys = projectKeys(prefix, project);
    const sent = pageviews();
    // Day 20's events first, then the rest: days 0–19 arrive late.
    const order = [...sent.filter((s) => s.day === 20), ...sent.filter((s) => s.day !== 20)];
    const events = order.map((s) => event(project, s));
    for (let i = 0; i < events.length; i += 25) await writer.applyEvents(project, defaultSettings, 't:0', positioned(events.slice(i, i + 25), i));
    // A fresh project: every week is complete.
    expect(await redis.get(keys.weeksFrom)).toBe('0');
    expect(await redis.exists(keys.bitmap('page:/a', 'w2026-11-09'))).toBe(1);
    // Visitor 2 is merged into 1 (on day 20), visitor 3 is erased.
    const merge = { visitor: 1, day: 20, page: '/c' };
    await writer.applyEvents(project, defaultSettings, 't:0', positioned([event(project, merge, { mergedVisitorIndexes: [2] })], events.length));
    sent.push(merge);
    expect(await writer.applyErasure({ requestId: 'r', projectId: project, visitorIndexes: [3], requestedAt: new Date().toISOString() }, defaultSettings)).toEqual([3]);
    const merged = new Map([[2, 1]]);
    const erased = new Set([3]);
    // Three whole weeks (three week keys per page), and 4–19 November (days, a week, days).
    for (const [from, to] of [[0, 21], [2, 18], [7, 14]] as const) {
      const reply = await reader.breakdown(project, defaultSettings, { from: new Date(MONDAY + from * DAY), to: new Date(MONDAY + to * DAY) }, 'page', 10, { dim: '$active' });
      expect({ from, to, values: reply.values }).toEqual({ from, to, values: brute(sent, from, to, merged, erased) });
    }
    // The erased visitor's bit is gone from the week keys too.
    expect(await redis.getbit(keys.bitmap(`page:${PAGES[(3 + 3) % 4]}`, 'w2026-11-02'), 3)).toBe(0);
  });

  it('reads the weeks before the first complete one from day keys in a project that had data before week buckets', async () => {
    const project = 'upgraded';
    const keys = projectKeys(prefix, project);
    const sent = pageviews(28);
    // The upgraded writer starts on Wednesday 11 November (day 9); an older one wrote the days before.
    const now = MONDAY + 9 * DAY;
    const events = [...sent.filter((s) => s.day < 9), ...sent.filter((s) => s.day >= 9)].map((s) => event(project, s));
    const before = sent.filter((s) => s.day < 9).length;
    await createBitmapWriter(redis, scripts, prefix, { now: () => now }).applyEvents(project, defaultSettings, 't:0', positioned(events.slice(0, before)));
    // As a writer from before week buckets would have left it: no week keys, no weeksFrom.
    await deleteKeys(redis as never, `${prefix}{p:${project}}:[bt]:w*`);
    await redis.del(keys.weeksFrom);
    await createBitmapWriter(redis, scripts, prefix, { now: () => now }).applyEvents(project, defaultSettings, 't:0', positioned(events.slice(before), before));
    // Week keys are trusted from the Monday after next week's (a week of margin for older writers): 23 November.
    expect(Number(await redis.get(keys.weeksFrom))).toBe(MONDAY + 21 * DAY);
    const reader = createBitmapReader(redis, scripts, prefix, () => now);
    // Weeks of 2 and 9 November (incomplete as week keys) from day keys, 16 November's too (the margin), 23 November's week key.
    const reply = await reader.breakdown(project, defaultSettings, { from: new Date(MONDAY), to: new Date(MONDAY + 28 * DAY) }, 'page', 10, { dim: '$active' });
    expect(await redis.exists(keys.bitmap('page:/a', 'w2026-11-23'))).toBe(1);
    expect(reply.values).toEqual(brute(sent, 0, 28, new Map(), new Set()));
  });
});
