import { Pool } from 'pg';
import { listen, type RunningServer } from '@sightline/http';
import { createLogger } from '@sightline/telemetry';
import { createTestDatabase, type TestDatabase } from '@sightline/testing';
import { enrichedEvent } from '../../test/enriched-factory';
import { createApp } from '../app';
import { migrationsDir } from '../migrations-dir';
import { createEventStore } from '../stores/event.store';
import { createPartitionStore } from '../stores/partition.store';
import { MAX_INDEXES } from './views.routes';

/**
 * The compare view's names for a page of visitor indexes: each index's current person (visitor 5
 * was merged into visitor 1, so index 5 answers v-1), null for an index the store never saw, in
 * the order asked; and the bounds of the body.
 */
let db: TestDatabase;
let pool: Pool;
let server: RunningServer;
let base: string;
const P = 'proj_views';
const T = Date.UTC(2026, 10, 10);

beforeAll(async () => {
  db = await createTestDatabase('query_views', migrationsDir);
  pool = new Pool({ connectionString: db.url, max: 2 });
  const events = [0, 1, 2, 5].map((v) => enrichedEvent({ projectId: P, messageId: `m-${v}`, visitorIndex: v, name: '$pageview', timestamp: new Date(T + v * 1000).toISOString(), sessionId: `s-${v}`, path: '/' }));
  events.push(enrichedEvent({ projectId: P, messageId: 'merge', visitorIndex: 1, name: '$identify', timestamp: new Date(T + 10_000).toISOString(), sessionId: 's-1', mergedVisitorIndexes: [5] }));
  const store = createEventStore(pool, createPartitionStore(pool));
  await store.insertBatch(events);
  const app = createApp({ pool, logger: createLogger({ service: 'query-test', level: 'silent' }), timeZoneOf: () => 'UTC', checks: {} });
  server = await listen(app, 0);
  base = `http://127.0.0.1:${server.port}/internal/projects/${P}/visitor-ids`;
});
afterAll(async () => {
  await server.close();
  await pool.end();
  await db.drop();
});

const post = async (body: unknown, url = base) => {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as any }; // eslint-disable-line @typescript-eslint/no-explicit-any
};

it('names each index by its current person, null for an unknown one, in the order asked', async () => {
  const reply = await post({ indexes: [5, 0, 99, 2] });
  expect(reply.status).toBe(200);
  expect(reply.body.visitors).toEqual([
    { visitorIndex: 5, visitorId: 'v-1' },
    { visitorIndex: 0, visitorId: 'v-0' },
    { visitorIndex: 99, visitorId: null },
    { visitorIndex: 2, visitorId: 'v-2' },
  ]);
});

it('answers only for its own project', async () => {
  const other = await post({ indexes: [0, 1] }, base.replace(P, 'proj_other'));
  expect(other.body.visitors).toEqual([
    { visitorIndex: 0, visitorId: null },
    { visitorIndex: 1, visitorId: null },
  ]);
});

it('refuses an empty, oversized or malformed list with a 400 naming the field', async () => {
  for (const body of [{ indexes: [] }, { indexes: Array.from({ length: MAX_INDEXES + 1 }, (_, i) => i) }, { indexes: [-1] }, { indexes: ['1'] }, {}]) {
    const reply = await post(body);
    expect(reply.status).toBe(400);
    expect(reply.body.error.field).toMatch(/^indexes/);
  }
});
