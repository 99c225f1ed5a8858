import { Pool } from 'pg';
import { listen, type RunningServer } from '@sightline/http';
import { createLogger } from '@sightline/telemetry';
import { createTestDatabase, type TestDatabase } from '@sightline/testing';
import { enrichedEvent } from '../test/enriched-factory';
import { createApp } from './app';
import { migrationsDir } from './migrations-dir';
import { createErasureStore } from './stores/erasure.store';
import { createEventStore } from './stores/event.store';
import { createPartitionStore } from './stores/partition.store';

let db: TestDatabase;
let pool: Pool;
let server: RunningServer;
let base: string;
const P = 'proj_api';
const day = (d: number, h: number, m = 0) => new Date(Date.UTC(2026, 10, d, h, m)).toISOString();

beforeAll(async () => {
  db = await createTestDatabase('query_api', migrationsDir);
  pool = new Pool({ connectionString: db.url, max: 4 });
  const store = createEventStore(pool, createPartitionStore(pool));
  const events = [];
  for (let v = 1; v <= 6; v++) {
    events.push(enrichedEvent({ projectId: P, messageId: `pv-${v}`, visitorIndex: v, name: '$pageview', timestamp: day(10, 8, v), path: '/', category: 'nav', properties: { plan: v % 3 === 0 ? 'pro' : 'free' } }));
    events.push(enrichedEvent({ projectId: P, messageId: `su-${v}`, visitorIndex: v, name: 'Signed Up', timestamp: day(10, 9, v), properties: { plan: v % 3 === 0 ? 'pro' : 'free', qty: 2 }, traits: { plan: v % 2 ? 'odd' : 'even' } }));
    if (v <= 2) events.push(enrichedEvent({ projectId: P, messageId: `buy-${v}`, visitorIndex: v, name: 'Purchased', timestamp: day(11, 10, v), traits: { plan: v % 2 ? 'odd' : 'even' } }));
  }
  // Visitor 7 is anonymous, then identified as visitor 1.
  events.push(enrichedEvent({ projectId: P, messageId: 'anon-pv', visitorIndex: 7, name: '$pageview', timestamp: day(9, 23, 30), path: '/landing' }));
  events.push(enrichedEvent({ projectId: P, messageId: 'ident', visitorIndex: 1, name: '$identify', timestamp: day(11, 11), mergedVisitorIndexes: [7], userId: 'user-1', traits: { plan: 'odd' } }));
  await store.insertBatch(events);
  const app = createApp({ pool, logger: createLogger({ service: 'query-test', level: 'silent' }), timeZoneOf: () => 'Europe/Paris', checks: {} });
  server = await listen(app, 0);
  base = `http://127.0.0.1:${server.port}/internal/projects/${P}`;
});
afterAll(async () => {
  await server.close();
  await pool.end();
  await db.drop();
});

const get = async (path: string) => {
  const res = await fetch(`${base}${path}`);
  return { status: res.status, body: (await res.json()) as any };
};
const post = async (path: string, body: unknown) => {
  const res = await fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as any };
};

describe('internal API', () => {
  it('pages the event log by keyset with filters and a total', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const { status, body }: { status: number; body: any } = await get(`/events?from=${day(10, 0)}&to=${day(11, 0)}&name=Signed%20Up&limit=4&withTotal=true${cursor ? `&cursor=${cursor}` : ''}`);
      expect(status).toBe(200);
      expect(body.total).toBe(6);
      seen.push(...body.events.map((e: any) => e.messageId));
      cursor = body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(['su-6', 'su-5', 'su-4', 'su-3', 'su-2', 'su-1']);
    const pro = await get(`/events?from=${day(1, 0)}&to=${day(30, 0)}&prop.plan=pro&prop.qty=2`);
    expect(pro.body.events.map((e: any) => e.messageId)).toEqual(['su-6', 'su-3']);
    const cat = await get(`/events?from=${day(1, 0)}&to=${day(30, 0)}&category=nav&order=asc&limit=2`);
    expect(cat.body.events.map((e: any) => e.messageId)).toEqual(['pv-1', 'pv-2']);
  });

  it('treats a merged visitor as the person it was merged into', async () => {
    const { body } = await get(`/events?from=${day(1, 0)}&to=${day(30, 0)}&visitorId=v-7`);
    expect(body.events.map((e: any) => e.messageId)).toEqual(['ident', 'buy-1', 'su-1', 'pv-1', 'anon-pv']);
    expect(body.events.at(-1)).toMatchObject({ visitorId: 'v-1', visitorIndex: 1, originalVisitorId: 'v-7', originalVisitorIndex: 7 });
    const profile = await get('/visitors/v-7');
    expect(profile.status).toBe(200);
    expect(profile.body).toMatchObject({ visitorId: 'v-1', visitorIndex: 1, mergedVisitors: [{ visitorId: 'v-7', visitorIndex: 7 }], userId: 'user-1', eventCount: 5, firstSeen: day(9, 23, 30) });
    expect(profile.body.sessions.length).toBe(2);
    const sessions = await get(`/sessions?from=${day(1, 0)}&to=${day(30, 0)}&visitorId=v-1`);
    expect(sessions.body.sessions.map((s: any) => s.sessionId).sort()).toEqual(['s-1', 's-7']);
    expect(sessions.body.sessions.find((s: any) => s.sessionId === 's-7')).toMatchObject({ entryPage: '/landing', pageCount: 1, visitorId: 'v-1' });
  });

  it('counts by day in the project time zone, with a top-N breakdown', async () => {
    const { status, body } = await get(`/counts?from=${day(9, 23)}&to=${day(11, 23)}&interval=day&breakdown=properties.plan&limit=1`);
    expect(status).toBe(200);
    expect(body.total).toBe(16);
    // Paris is UTC+1 in November: days start at 23:00 UTC.
    expect(body.series).toEqual([
      { start: day(9, 23), count: 13 },
      { start: day(10, 23), count: 3 },
    ]);
    expect(body.breakdown).toEqual([{ value: 'free', count: 8 }, { value: '$other', count: 8 }]);
  });

  it('answers a funnel with breakdown by trait and the visitors who dropped', async () => {
    const { status, body } = await post('/funnels', {
      from: day(10, 0), to: day(11, 0), windowSeconds: 2 * 86400, order: 'sequential',
      steps: [{ event: '$pageview' }, { event: 'Signed Up' }, { event: 'Purchased' }],
      breakdown: { type: 'trait', key: 'plan' },
      includeVisitors: { step: 3, kind: 'dropped', limit: 3 },
    });
    expect(status).toBe(200);
    expect(body.steps.map((s: any) => s.count)).toEqual([6, 6, 2]);
    expect(body.steps[1]).toMatchObject({ entered: 6, conversionRate: 1, medianSecondsToConvert: 3600 });
    expect(body.breakdown.map((b: any) => [b.value, b.steps.map((s: any) => s.count)])).toEqual([['even', [3, 3, 1]], ['odd', [3, 3, 1]]]);
    expect(body.visitors.visitors.map((v: any) => v.visitorId)).toEqual(['v-3', 'v-4', 'v-5']);
    const next = await post('/funnels', { from: day(10, 0), to: day(11, 0), windowSeconds: 2 * 86400, order: 'sequential', steps: [{ event: '$pageview' }, { event: 'Signed Up' }, { event: 'Purchased' }], includeVisitors: { step: 3, kind: 'dropped', limit: 3, cursor: body.visitors.nextCursor } });
    expect(next.body.visitors).toMatchObject({ visitors: [{ visitorId: 'v-6', visitorIndex: 6 }], nextCursor: null });
  });

  it('counts a merged person when the candidates name only its merged index', async () => {
    const funnel = { from: day(9, 0), to: day(11, 0), windowSeconds: 2 * 86400, order: 'sequential', steps: [{ event: '$pageview' }, { event: 'Signed Up' }] };
    // v-7 viewed a page before being merged into v-1, who then signed up.
    const all = await post('/funnels', funnel);
    const only7 = await post('/funnels', { ...funnel, candidateVisitorIndexes: [7] });
    expect(only7.body.steps.map((s: any) => s.count)).toEqual([1, 1]);
    expect(all.body.steps.map((s: any) => s.count)).toEqual([6, 6]);
  });

  it('rejects bad input with the field and the reason', async () => {
    const steps = [{ event: 'a' }, { event: 'b' }];
    const cases: Array<[unknown, string]> = [
      [{ from: day(1, 0), to: day(2, 0), steps, windowSeconds: 60, order: 'loose' }, 'order'],
      [{ from: day(1, 0), to: day(2, 0), steps, windowSeconds: 0, order: 'any' }, 'windowSeconds'],
      [{ from: day(1, 0), to: day(2, 0), steps: Array.from({ length: 21 }, () => ({ event: 'a' })), windowSeconds: 60, order: 'any' }, 'steps'],
      [{ from: day(2, 0), to: day(1, 0), steps, windowSeconds: 60, order: 'any' }, 'to'],
    ];
    for (const [body, field] of cases) {
      const res = await post('/funnels', body);
      expect(res.status).toBe(400);
      expect(res.body.error).toMatchObject({ code: 'invalid_request', field });
      expect(res.body.error.fields[0].reason.length).toBeGreaterThan(0);
    }
    const bad = await get(`/events?from=${day(1, 0)}&to=${day(2, 0)}&cursor=not*a*cursor`);
    expect(bad.status).toBe(400);
    expect(bad.body.error.field).toBe('cursor');
    const badCursor = await post('/funnels', { from: day(1, 0), to: day(2, 0), steps, windowSeconds: 60, order: 'any', includeVisitors: { step: 2, kind: 'dropped', cursor: 'eyJ4IjoxfQ' } });
    expect(badCursor.body.error.field).toBe('cursor');
    expect((await get(`/counts?from=${day(1, 0)}&to=${day(30, 0)}&interval=minute`)).body.error.field).toBe('interval');
  });

  it('forgets an erased visitor in the log, the funnels and the profile', async () => {
    await createErasureStore(pool).erase({ requestId: 'r', projectId: P, visitorIds: ['user-1'], requestedAt: day(20, 0) });
    expect((await get('/visitors/v-1')).status).toBe(404);
    expect((await get('/visitors/v-7')).status).toBe(404);
    const log = await get(`/events?from=${day(1, 0)}&to=${day(30, 0)}&limit=1000`);
    expect(log.body.events.some((e: any) => ['v-1', 'v-7'].includes(e.originalVisitorId))).toBe(false);
    const { body } = await post('/funnels', { from: day(10, 0), to: day(11, 0), windowSeconds: 2 * 86400, order: 'sequential', steps: [{ event: '$pageview' }, { event: 'Signed Up' }, { event: 'Purchased' }] });
    expect(body.steps.map((s: any) => s.count)).toEqual([5, 5, 1]);
  });
});
