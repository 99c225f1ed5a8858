import { Pool } from 'pg';
import { findSchemaDrift } from '@sightline/migrate';
import { createTestDatabase, waitFor, type TestDatabase } from '@sightline/testing';
import { enrichedEvent } from '../../test/enriched-factory';
import { migrationsDir, schemaPath } from '../migrations-dir';
import { createErasureStore } from './erasure.store';
import { createEventStore, ERASURE_LOCK } from './event.store';
import { createPartitionStore } from './partition.store';

let db: TestDatabase;
let pool: Pool;

beforeAll(async () => {
  db = await createTestDatabase('query_store', migrationsDir);
  pool = new Pool({ connectionString: db.url, max: 4 });
});
afterAll(async () => {
  await pool.end();
  await db.drop();
});

const count = async (sql: string, values: unknown[]) => Number((await pool.query<{ n: string }>(sql, values)).rows[0]!.n);

describe('event store', () => {
  it('has no drift between schema.prisma and the migrations', async () => {
    expect(await findSchemaDrift(schemaPath, db.url)).toEqual([]);
  });

  it('inserts idempotently across months, and folds only new rows into sessions and visitors', async () => {
    const store = createEventStore(pool, createPartitionStore(pool));
    const p = 'p_idem';
    const batch = [
      enrichedEvent({ projectId: p, messageId: 'a', visitorIndex: 1, name: '$pageview', timestamp: '2026-10-31T23:50:00.000Z', path: '/home', traits: { plan: 'free' } }),
      enrichedEvent({ projectId: p, messageId: 'b', visitorIndex: 1, name: '$pageview', timestamp: '2026-11-01T00:05:00.000Z', path: '/pricing', traits: { plan: 'pro' } }),
      enrichedEvent({ projectId: p, messageId: 'c', visitorIndex: 1, name: 'Signed Up', timestamp: '2026-11-01T00:06:00.000Z' , traits: { plan: 'pro' } }),
    ];
    // The same message twice in one batch, then the whole batch replayed, then out of order.
    expect((await store.insertBatch([...batch, batch[1]!])).inserted).toBe(3);
    expect((await store.insertBatch(batch)).inserted).toBe(0);
    expect((await store.insertBatch([...batch].reverse())).inserted).toBe(0);
    expect(await count('SELECT count(*) AS n FROM events WHERE project_id = $1', [p])).toBe(3);
    const session = (await pool.query('SELECT * FROM sessions WHERE project_id = $1', [p])).rows[0];
    expect(session).toMatchObject({ entry_page: '/home', exit_page: '/pricing', page_count: 2, event_count: 3 });
    expect(session.started_at.toISOString()).toBe('2026-10-31T23:50:00.000Z');
    const visitor = (await pool.query('SELECT * FROM visitors WHERE project_id = $1', [p])).rows[0];
    expect(visitor).toMatchObject({ event_count: 3, traits: { plan: 'pro' } });
    const parts = await count(`SELECT count(*) AS n FROM pg_inherits WHERE inhparent = 'events'::regclass AND inhrelid::regclass::text IN ('events_y2026m10', 'events_y2026m11')`, []);
    expect(parts).toBe(2);
  });

  it('waits for an erasure in progress and then respects it', async () => {
    const store = createEventStore(pool, createPartitionStore(pool));
    const p = 'p_race';
    const erasing = await pool.connect();
    try {
      await erasing.query('BEGIN');
      await erasing.query(ERASURE_LOCK, [p]);
      const insert = store.insertBatch([enrichedEvent({ projectId: p, messageId: 'r1', visitorIndex: 1, name: 'View', timestamp: '2026-11-03T10:00:00.000Z' })]);
      await waitFor(async () => (await count("SELECT count(*) AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted", [])) > 0, { description: 'insert waiting' });
      await erasing.query("INSERT INTO erased_ids (project_id, id, requested_at) VALUES ($1, 'v-1', '2026-11-04T00:00:00Z')", [p]);
      await erasing.query('COMMIT');
      expect((await insert).inserted).toBe(0);
    } finally {
      erasing.release();
    }
  });

  it('creates partitions ahead and drops whole months past retention', async () => {
    const partitions = createPartitionStore(pool);
    const now = new Date(Date.UTC(2031, 5, 15));
    await partitions.ensureAhead(2, now);
    await partitions.ensureFor([Date.UTC(2031, 0, 10), Date.UTC(2031, 1, 10)]);
    const names = async () => (await pool.query<{ name: string }>(`SELECT inhrelid::regclass::text AS name FROM pg_inherits WHERE inhparent = 'events'::regclass AND inhrelid::regclass::text LIKE 'events_y2031%' ORDER BY 1`)).rows.map((r) => r.name);
    expect(await names()).toEqual(['events_y2031m01', 'events_y2031m02', 'events_y2031m06', 'events_y2031m07', 'events_y2031m08']);
    // Keep 4 months back from June: January ended before February 1st, the cutoff.
    const dropped = await partitions.dropOlderThan(4, now);
    expect(dropped.filter((n) => n.startsWith('events_y2031'))).toEqual(['events_y2031m01']);
    expect(await names()).toEqual(['events_y2031m02', 'events_y2031m06', 'events_y2031m07', 'events_y2031m08']);
  });

  it('applies merges transitively and erases the whole person, also on a later replay', async () => {
    const store = createEventStore(pool, createPartitionStore(pool));
    const p = 'p_merge';
    const t = (m: number) => new Date(Date.UTC(2026, 10, 2, 10, m)).toISOString();
    const events = [
      enrichedEvent({ projectId: p, messageId: 'e1', visitorIndex: 3, name: 'View', timestamp: t(0) }),
      enrichedEvent({ projectId: p, messageId: 'e2', visitorIndex: 2, name: 'View', timestamp: t(1) }),
      enrichedEvent({ projectId: p, messageId: 'e3', visitorIndex: 2, name: '$identify', timestamp: t(2), mergedVisitorIndexes: [3], userId: 'u-2' }),
      enrichedEvent({ projectId: p, messageId: 'e4', visitorIndex: 1, name: '$identify', timestamp: t(3), mergedVisitorIndexes: [2] }),
      enrichedEvent({ projectId: p, messageId: 'e5', visitorIndex: 9, name: 'View', timestamp: t(4) }),
    ];
    await store.insertBatch(events);
    const aliases = (await pool.query('SELECT visitor_index, canonical_index FROM visitor_aliases WHERE project_id = $1 ORDER BY 1', [p])).rows;
    expect(aliases).toEqual([{ visitor_index: 2, canonical_index: 1 }, { visitor_index: 3, canonical_index: 1 }]);

    const erasures = createErasureStore(pool);
    expect(await erasures.erase({ requestId: 'r1', projectId: p, visitorIds: ['u-2'], requestedAt: t(10) })).toBe(4);
    expect(await count('SELECT count(*) AS n FROM events WHERE project_id = $1', [p])).toBe(1);
    expect(await count('SELECT count(*) AS n FROM visitors WHERE project_id = $1', [p])).toBe(1);
    expect(await count('SELECT count(*) AS n FROM visitor_aliases WHERE project_id = $1', [p])).toBe(0);
    // Replaying the topic after the erasure does not bring the person back.
    expect((await store.insertBatch(events)).inserted).toBe(0);
    // A later event with the same ids (re-identified after the request) is kept.
    const later = enrichedEvent({ projectId: p, messageId: 'e6', visitorIndex: 12, name: 'View', timestamp: t(20), userId: 'u-2' });
    expect((await store.insertBatch([later])).inserted).toBe(1);
  });
});
