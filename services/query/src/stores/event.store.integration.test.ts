import fc from 'fast-check';
import { createHash } from 'node:crypto';
import { Pool } from 'pg';
import { DEVELOPMENT_ERASURE_ID_SECRET } from '@sightline/config';
import { erasureIdHash } from '@sightline/contracts';
import { findSchemaDrift } from '@sightline/migrate';
import { createTestDatabase, waitFor, type TestDatabase } from '@sightline/testing';
import { enrichedEvent, type EventSeed } from '../../test/enriched-factory';
import { migrationsDir, schemaPath } from '../migrations-dir';
import { createErasureStore } from './erasure.store';
import { createEventStore, ERASURE_LOCK } from './event.store';
import { createPartitionStore } from './partition.store';

/** The keyed hash the store keeps (createEventStore's default key, the development one). */
const erasedIdHash = (projectId: string, id: string) => erasureIdHash(DEVELOPMENT_ERASURE_ID_SECRET, projectId, id);

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

  it('folds sessions and visitors as a plain reference does, for batches in or out of time order, with ties, duplicates and replays', async () => {
    const store = createEventStore(pool, createPartitionStore(pool));
    const T0 = Date.UTC(2026, 9, 1);
    let run = 0;
    type Seed = EventSeed & { source: string | null; entryPage: string | null; anonymousId: string | null };
    const byTime = (a: Seed, b: Seed) => a.timestamp.localeCompare(b.timestamp) || a.messageId.localeCompare(b.messageId);
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(
          fc.record({
            id: fc.integer({ min: 0, max: 60 }),
            visitor: fc.integer({ min: 0, max: 2 }),
            session: fc.integer({ min: 0, max: 1 }),
            t: fc.integer({ min: 0, max: 8 }),
            page: fc.boolean(),
            path: fc.option(fc.constantFrom('/a', '/b', '/c'), { nil: undefined }),
            entryPage: fc.option(fc.constantFrom('/landing', '/promo'), { nil: null }),
            source: fc.option(fc.constantFrom('google', 'newsletter'), { nil: null }),
            userId: fc.option(fc.constantFrom('u1', 'u2'), { nil: null }),
            anonymous: fc.option(fc.constantFrom('x1', 'x2'), { nil: null }),
            plan: fc.constantFrom('free', 'pro', 'team'),
          }),
          { selector: (e) => e.id, minLength: 1, maxLength: 30 },
        ),
        fc.array(fc.integer({ min: 1, max: 30 }), { minLength: 1, maxLength: 5 }),
        fc.infiniteStream(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true })),
        fc.boolean(),
        async (drawn, cuts, random, inOrder) => {
          const p = `p_fold_${run++}`;
          const seeds: Seed[] = drawn.map((d) => ({
            projectId: p, messageId: `m${String(d.id).padStart(2, '0')}`, visitorIndex: d.visitor, sessionId: `s${d.visitor}-${d.session}`,
            name: d.page ? '$pageview' : 'Clicked', timestamp: new Date(T0 + d.t * 60_000).toISOString(), path: d.path,
            userId: d.userId, anonymousId: d.anonymous, source: d.source, entryPage: d.entryPage, traits: { plan: d.plan },
          }));
          const eventOf = (s: Seed) => ({ ...enrichedEvent(s), anonymousId: s.anonymousId, source: s.source, entryPage: s.entryPage });
          const rnd = () => random.next().value as number;
          const shuffled = <T>(xs: T[]) => xs.map((x) => [rnd(), x] as const).sort((a, b) => a[0] - b[0]).map(([, x]) => x);
          // Batches cut from the events in time order or in any order (a mobile SDK flushing old
          // events after newer ones were stored), ties included, each shuffled with a duplicate.
          const ordered = inOrder ? [...seeds].sort(byTime) : shuffled(seeds);
          const batches: Seed[][] = [];
          let from = 0;
          for (const cut of [...cuts, ordered.length]) {
            if (from >= ordered.length) break;
            const batch = ordered.slice(from, from + cut);
            batches.push(shuffled([...batch, batch[Math.floor(rnd() * batch.length)]!]));
            from += cut;
          }
          for (const batch of batches) await store.insertBatch(batch.map(eventOf));
          // A replay of everything, in any order, changes nothing.
          expect((await store.insertBatch(shuffled(seeds).map(eventOf))).inserted).toBe(0);

          const sessions = (await pool.query('SELECT * FROM sessions WHERE project_id = $1 ORDER BY session_id', [p])).rows;
          const expectedSessions = [...new Set(seeds.map((s) => s.sessionId!))].sort().map((id) => {
            const es = seeds.filter((s) => s.sessionId === id).sort(byTime);
            const first = es[0]!;
            return {
              session_id: id, visitor_index: first.visitorIndex, visitor_id: `v-${first.visitorIndex}`,
              started_at: new Date(first.timestamp), ended_at: new Date(es.at(-1)!.timestamp),
              entry_page: es.map((e) => e.path ?? e.entryPage).find((x) => x != null) ?? null,
              exit_page: [...es].reverse().map((e) => e.path).find((x) => x != null) ?? null,
              page_count: es.filter((e) => e.name === '$pageview').length, event_count: es.length, source: first.source,
            };
          });
          expect(sessions.map((r) => ({ session_id: r.session_id, visitor_index: r.visitor_index, visitor_id: r.visitor_id, started_at: r.started_at, ended_at: r.ended_at, entry_page: r.entry_page, exit_page: r.exit_page, page_count: r.page_count, event_count: r.event_count, source: r.source }))).toEqual(expectedSessions);

          const visitors = (await pool.query('SELECT * FROM visitors WHERE project_id = $1 ORDER BY visitor_index', [p])).rows;
          const expectedVisitors = [...new Set(seeds.map((s) => s.visitorIndex))].sort((a, b) => a - b).map((v) => {
            const es = seeds.filter((s) => s.visitorIndex === v).sort(byTime);
            const last = es.at(-1)!;
            return {
              visitor_index: v, traits: last.traits, first_seen: new Date(es[0]!.timestamp), last_seen: new Date(last.timestamp), event_count: es.length,
              user_id: [...es].reverse().map((e) => e.userId).find((x) => x != null) ?? null,
              anonymous_id: [...es].reverse().map((e) => e.anonymousId).find((x) => x != null) ?? null,
            };
          });
          expect(visitors.map((r) => ({ visitor_index: r.visitor_index, traits: r.traits, first_seen: r.first_seen, last_seen: r.last_seen, event_count: r.event_count, user_id: r.user_id, anonymous_id: r.anonymous_id }))).toEqual(expectedVisitors);
        },
      ),
      { numRuns: 100 },
    );
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
      await erasing.query("INSERT INTO erased_ids (project_id, id, requested_at) VALUES ($1, $2, '2026-11-04T00:00:00Z')", [p, erasedIdHash(p, 'v-1')]);
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
    await partitions.ensureFor([Date.UTC(2031, 0, 10), Date.UTC(2031, 1, 10)], now);
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
    // Issue #16 finding 7: the erased ids are remembered only as hashes.
    const kept = (await pool.query<{ id: string }>('SELECT id FROM erased_ids WHERE project_id = $1', [p])).rows.map((r) => r.id);
    expect(kept).toContain(erasedIdHash(p, 'u-2'));
    expect(kept.every((id) => /^[0-9a-f]{64}$/.test(id))).toBe(true);
    // Replaying the topic after the erasure does not bring the person back.
    expect((await store.insertBatch(events)).inserted).toBe(0);
    // A later event with the same ids (re-identified after the request) is kept.
    const later = enrichedEvent({ projectId: p, messageId: 'e6', visitorIndex: 12, name: 'View', timestamp: t(20), userId: 'u-2' });
    expect((await store.insertBatch([later])).inserted).toBe(1);
  });

  it('issue #16 finding 7c: erases a person named by keyed hash or by index only, keeps no unkeyed hash, and a rebuild that meets the request first refuses the events', async () => {
    const store = createEventStore(pool, createPartitionStore(pool));
    const erasures = createErasureStore(pool);
    const p = 'p_keyed';
    const t = (m: number) => new Date(Date.UTC(2026, 10, 2, 11, m)).toISOString();
    const events = [
      enrichedEvent({ projectId: p, messageId: 'k1', visitorIndex: 5, name: 'View', timestamp: t(0), userId: 'u-5' }),
      enrichedEvent({ projectId: p, messageId: 'k2', visitorIndex: 6, name: 'View', timestamp: t(1), userId: 'u-6' }),
      enrichedEvent({ projectId: p, messageId: 'k3', visitorIndex: 7, name: 'View', timestamp: t(2), userId: 'u-7' }),
    ];
    await store.insertBatch(events);
    const visitorsLeft = async () => (await pool.query<{ visitor_index: number }>('SELECT visitor_index FROM visitors WHERE project_id = $1 ORDER BY 1', [p])).rows.map((r) => r.visitor_index);

    // By keyed hash only (a request made before the store knew the visitor): found by hashing its rows.
    expect(await erasures.erase({ requestId: 'k-r1', projectId: p, idHashes: [erasedIdHash(p, 'u-5')], requestedAt: t(10) })).toBe(1);
    expect(await visitorsLeft()).toEqual([6, 7]);
    // By index (the hash names an id the store never saw).
    expect(await erasures.erase({ requestId: 'k-r2', projectId: p, visitorIndexes: [6], idHashes: [erasedIdHash(p, 'someone-else')], requestedAt: t(10) })).toBe(1);
    expect(await visitorsLeft()).toEqual([7]);

    // Every id of both persons is kept keyed (the ones the requests did not name too), none in plain or as an unkeyed SHA-256.
    const kept = (await pool.query<{ id: string }>('SELECT id FROM erased_ids WHERE project_id = $1', [p])).rows.map((r) => r.id);
    for (const id of ['u-5', 'v-5', 'anon-5', 'u-6', 'v-6', 'anon-6']) {
      expect(kept).toContain(erasedIdHash(p, id));
      expect(kept).not.toContain(id);
      expect(kept).not.toContain(createHash('sha256').update(`${p}\n${id}`).digest('hex'));
    }
    expect((await store.insertBatch(events)).inserted).toBe(0);

    // A rebuilt store meets the requests before the events (another topic): the hashes refuse the
    // person's events, and so does the index where the request named none of the event's ids.
    const q = 'p_keyed_rebuild';
    const rebuilt = events.map((e) => ({ ...e, projectId: q }));
    expect(await erasures.erase({ requestId: 'k-r3', projectId: q, idHashes: [erasedIdHash(q, 'u-5')], requestedAt: t(10) })).toBe(0);
    expect(await erasures.erase({ requestId: 'k-r4', projectId: q, visitorIndexes: [6], idHashes: [erasedIdHash(q, 'an-id-no-event-has')], requestedAt: t(10) })).toBe(0);
    expect((await store.insertBatch(rebuilt)).inserted).toBe(1);
    expect((await pool.query<{ visitor_index: number }>('SELECT visitor_index FROM visitors WHERE project_id = $1 ORDER BY 1', [q])).rows.map((r) => r.visitor_index)).toEqual([7]);
  });
});
