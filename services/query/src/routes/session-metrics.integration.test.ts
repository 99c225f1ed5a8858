import type { EnrichedEventParsed } from '@sightline/contracts';
import { Pool } from 'pg';
import { listen, type RunningServer } from '@sightline/http';
import { createLogger } from '@sightline/telemetry';
import { createTestDatabase, type TestDatabase } from '@sightline/testing';
import { enrichedEvent } from '../../test/enriched-factory';
import { createApp } from '../app';
import { migrationsDir } from '../migrations-dir';
import { createEventStore } from '../stores/event.store';
import { createPartitionStore } from '../stores/partition.store';

/**
 * Session metrics (visits, pageviews, bounces, duration) against the figures computed from the
 * events sent, stored in shuffled batches; a visitor bitmap restricts them to its people, merged
 * visitors included through their person.
 */
let db: TestDatabase;
let pool: Pool;
let server: RunningServer;
let base: string;
const P = 'proj_sessions';
const HOUR = 3_600_000;
const START = Date.UTC(2026, 10, 10);
const events: EnrichedEventParsed[] = [];
/** visitor → sessions: [start, end, pageviews, events]. */
const sessions: Array<{ visitor: number; start: number; end: number; pageviews: number; events: number }> = [];

function random(seed: number) {
  return (n: number) => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return (seed >>> 8) % n;
  };
}

beforeAll(async () => {
  db = await createTestDatabase('query_session_metrics', migrationsDir);
  pool = new Pool({ connectionString: db.url, max: 4 });
  const rand = random(3);
  for (let v = 0; v < 30; v++) {
    let at = START + rand(48) * HOUR;
    for (let s = 0; s < 1 + rand(3); s++) {
      const n = 1 + rand(4);
      const session = { visitor: v, start: at, end: at, pageviews: 0, events: n };
      for (let e = 0; e < n; e++) {
        const name = rand(3) === 0 ? 'click' : '$pageview';
        if (name === '$pageview') session.pageviews++;
        session.end = at;
        events.push(enrichedEvent({ projectId: P, messageId: `m-${v}-${s}-${e}`, visitorIndex: v, name, timestamp: new Date(at).toISOString(), sessionId: `s-${v}-${s}`, path: '/' }));
        at += 1000 + rand(600_000);
      }
      sessions.push(session);
      at += 2 * HOUR + rand(24) * HOUR;
    }
  }
  // Visitor 29 was merged into visitor 0 (its sessions keep index 29).
  events.push(enrichedEvent({ projectId: P, messageId: 'merge', visitorIndex: 0, name: '$identify', timestamp: new Date(START + 200 * HOUR).toISOString(), sessionId: 'merge-session', mergedVisitorIndexes: [29] }));
  sessions.push({ visitor: 0, start: START + 200 * HOUR, end: START + 200 * HOUR, pageviews: 0, events: 1 });
  const store = createEventStore(pool, createPartitionStore(pool));
  const shuffled = [...events].sort(() => rand(3) - 1);
  for (let i = 0; i < shuffled.length; i += 17) await store.insertBatch(shuffled.slice(i, i + 17));
  const app = createApp({ pool, logger: createLogger({ service: 'query-test', level: 'silent' }), timeZoneOf: () => 'UTC', checks: {} });
  server = await listen(app, 0);
  base = `http://127.0.0.1:${server.port}/internal/projects/${P}`;
});
afterAll(async () => {
  await server.close();
  await pool.end();
  await db.drop();
});

const post = async (path: string, body: unknown) => {
  const res = await fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as any };
};

function expected(from: number, to: number, people?: Set<number>) {
  const chosen = sessions.filter((s) => s.start >= from && s.start < to && (!people || people.has(s.visitor === 29 ? 0 : s.visitor)));
  return {
    visits: chosen.length,
    pageviews: chosen.reduce((n, s) => n + s.pageviews, 0),
    bounces: chosen.filter((s) => s.events === 1).length,
    durationSeconds: chosen.reduce((n, s) => n + (s.end - s.start) / 1000, 0),
  };
}

/** A Redis-style bitmap: bit v is byte v >> 3, most significant bit first. */
function bitmapOf(people: number[]): string {
  const bytes = Buffer.alloc(8);
  for (const v of people) bytes[v >> 3]! |= 0x80 >> (v & 7);
  return bytes.toString('base64');
}

describe('session metrics', () => {
  it('sums the sessions started in the range, per day', async () => {
    const from = START;
    const to = START + 10 * 24 * HOUR;
    const { status, body } = await post('/session-metrics', { from: new Date(from).toISOString(), to: new Date(to).toISOString(), interval: 'day' });
    expect(status).toBe(200);
    const want = expected(from, to);
    expect(body).toMatchObject({ visits: want.visits, pageviews: want.pageviews, bounces: want.bounces });
    expect(body.durationSeconds).toBeCloseTo(want.durationSeconds, 6);
    for (const point of body.series) {
      const day = Date.parse(point.start);
      expect(point).toMatchObject({ visits: expected(day, day + 24 * HOUR).visits, pageviews: expected(day, day + 24 * HOUR).pageviews });
    }
    expect(body.series.reduce((n: number, p: { visits: number }) => n + p.visits, 0)).toBe(want.visits);
  });

  it('keeps only the sessions of the people in the bitmap, merged visitors through their person', async () => {
    const from = START + 12 * HOUR;
    const to = START + 5 * 24 * HOUR;
    const people = [0, 3, 7, 8, 21];
    const { status, body } = await post('/session-metrics', { from: new Date(from).toISOString(), to: new Date(to).toISOString(), visitors: bitmapOf(people) });
    expect(status).toBe(200);
    const want = expected(from, to, new Set(people));
    expect(body).toMatchObject({ visits: want.visits, pageviews: want.pageviews, bounces: want.bounces, series: [] });
    expect(body.durationSeconds).toBeCloseTo(want.durationSeconds, 6);
    expect(want.visits).toBeGreaterThan(expected(from, to, new Set(people.filter((p) => p !== 0))).visits);
  });

  it('refuses a bitmap that is not base64 and a reversed range', async () => {
    expect((await post('/session-metrics', { from: new Date(START).toISOString(), to: new Date(START + HOUR).toISOString(), visitors: '***' })).body.error.field).toBe('visitors');
    expect((await post('/session-metrics', { from: new Date(START + HOUR).toISOString(), to: new Date(START).toISOString() })).status).toBe(400);
  });

  it.each(['constructor', '__proto__', 'toString', 'hasOwnProperty'])('answers breakdown=%s with a 400, not a 500 (issue #16 item 8)', async (field) => {
    const res = await fetch(`${base}/counts?from=${new Date(START).toISOString()}&to=${new Date(START + HOUR).toISOString()}&breakdown=${field}`);
    expect(res.status).toBe(400);
    expect(((await res.json()) as any).error.field).toBe('breakdown');
  });
});
