import { Pool } from 'pg';
import { createTestDatabase, waitFor, type TestDatabase } from '@sightline/testing';
import { enrichedEvent } from '../../test/enriched-factory';
import { referenceFunnel, type RefEvent, type RefFunnel } from '../../test/funnel-reference';
import { migrationsDir } from '../migrations-dir';
import { runFunnel } from '../routes/funnels.routes';
import { createErasureStore } from './erasure.store';
import { createEventStore } from './event.store';
import { fetchStepParts, type FetchStats } from './funnel.store';
import { invalidateBlocks } from './funnel-block.store';
import { createPartitionStore } from './partition.store';
import { createVisitorStore } from './visitor.store';

// Funnels over closed days read funnel_day_blocks (issue #20): same answers as the reference
// over the events the test sent, and no stale block after late events, erasure or a racing fill.
let db: TestDatabase;
let pool: Pool;

beforeAll(async () => {
  db = await createTestDatabase('query_funnel_blocks', migrationsDir);
  pool = new Pool({ connectionString: db.url, max: 6 });
});
afterAll(async () => {
  await pool.end();
  await db.drop();
});

const DAY = 86_400_000;
// Six closed days across a month boundary (two partitions).
const D0 = Date.UTC(2026, 9, 29);
const DAYS = 6;
const NAMES = ['a', 'b', 'c'];
const FUNNEL: RefFunnel = { steps: NAMES.map((event) => ({ event })), windowSeconds: 86_400, order: 'sequential', from: D0, to: D0 + (DAYS - 1) * DAY };
/** Visitor 59 is merged into 58 (by an event of 18 carrying mergedVisitorIndexes). */
const MERGED: [number, number] = [59, 58];

let seed = 7;
function rand(n: number): number {
  seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
  return (seed >>> 8) % n;
}

/** Events of 60 visitors over the six days; a quarter of them tie in time with the previous one. */
function draw(projectId: string): RefEvent[] {
  const out: RefEvent[] = [];
  for (let i = 0; i < 400; i++) {
    const t = i > 0 && rand(4) === 0 ? out[i - 1]!.t : D0 + rand(DAYS * DAY);
    const visitor = i > 0 && out[i - 1]!.t === t ? out[i - 1]!.visitor : rand(60);
    out.push({ visitor, id: `${projectId}-${String(rand(1000)).padStart(3, '0')}-${i}`, t, name: NAMES[rand(3)]!, props: {} });
  }
  return out;
}

const person = (v: number) => (v === MERGED[0] ? MERGED[1] : v);
const asEvent = (projectId: string, e: RefEvent) => enrichedEvent({ projectId, messageId: e.id, visitorIndex: e.visitor, name: e.name, timestamp: new Date(e.t).toISOString() });

async function setUp(projectId: string): Promise<RefEvent[]> {
  const events = draw(projectId);
  const store = createEventStore(pool, createPartitionStore(pool));
  for (let i = 0; i < events.length; i += 100) await store.insertBatch(events.slice(i, i + 100).map((e) => asEvent(projectId, e)));
  await store.insertBatch([enrichedEvent({ projectId, messageId: `${projectId}-merge`, visitorIndex: MERGED[1], name: 'identify', timestamp: new Date(D0 + DAY / 2).toISOString(), mergedVisitorIndexes: [MERGED[0]] })]);
  return events;
}

async function funnel(projectId: string, stats?: FetchStats): Promise<{ counts: number[]; converted: number[] }> {
  const deps = { pool, visitors: createVisitorStore(pool), shards: 2 };
  const body = { from: new Date(FUNNEL.from).toISOString(), to: new Date(FUNNEL.to).toISOString(), steps: FUNNEL.steps, windowSeconds: FUNNEL.windowSeconds, order: FUNNEL.order, includeVisitors: { step: 3, kind: 'converted' as const, limit: 1000 } };
  if (stats) await fetchStepParts(pool, { projectId, steps: FUNNEL.steps, fromMs: FUNNEL.from, untilMs: FUNNEL.to + DAY }, 2, stats);
  const r = (await runFunnel(deps, projectId, body as never)) as { steps: Array<{ count: number }>; visitors: { visitors: Array<{ visitorIndex: number }> } };
  return { counts: r.steps.map((s) => s.count), converted: r.visitors.visitors.map((v) => v.visitorIndex) };
}

function expected(events: RefEvent[]): { counts: number[]; converted: number[] } {
  const ref = referenceFunnel(events.map((e) => ({ ...e, visitor: person(e.visitor) })), FUNNEL);
  return { counts: ref.steps.map((s) => s.count), converted: [...ref.depthByVisitor].filter(([, d]) => d === 3).map(([v]) => v).sort((a, b) => a - b) };
}

const newStats = (): FetchStats => ({ blockMs: 0, fillMs: 0, eventsMs: 0, blocks: 0, filled: 0, blockRecords: 0 });
const blockCount = async (projectId: string) => Number((await pool.query('SELECT count(*) AS n FROM funnel_day_blocks WHERE project_id = $1', [projectId])).rows[0].n);

/** A person who reached step 2 but not 3, and the time of their b: a late c just after it converts them. */
function droppedAtTwo(events: RefEvent[]): { visitor: number; t: number } {
  const ref = referenceFunnel(events.map((e) => ({ ...e, visitor: person(e.visitor) })), FUNNEL);
  for (const [v, d] of ref.depthByVisitor) {
    if (d !== 2 || v === MERGED[1]) continue;
    const entry = ref.entryEventByVisitor.get(v)!;
    const b = events.filter((e) => e.visitor === v && e.name === 'b' && e.t > entry.t).sort((x, y) => x.t - y.t)[0];
    if (b && b.t + 1000 - entry.t <= DAY) return { visitor: v, t: b.t + 1000 };
  }
  throw new Error('no person stopped at step 2 with room for a late step 3 (change the seed)');
}

describe('funnel day blocks', () => {
  it('fills closed days once, then reuses them, with the answer of the reference (ties and merges included)', async () => {
    const p = 'blocks-reuse';
    const events = await setUp(p);
    const want = expected(events);
    const first = newStats();
    expect(await funnel(p, first)).toEqual(want);
    // Days [D0, D0 + 6): to + window ends at D0 + 6 days; 3 names × 6 days, none read from events.
    expect(first.filled).toBe(NAMES.length * DAYS);
    expect(await blockCount(p)).toBe(NAMES.length * DAYS);
    const again = newStats();
    expect(await funnel(p, again)).toEqual(want);
    expect(again.filled).toBe(0);
    expect(again.eventsMs).toBe(0);
    expect(again.blockRecords).toBe(events.length);
  });

  it('a late event in a closed day deletes that block, and the funnel changes by exactly that event', async () => {
    const p = 'blocks-late';
    const events = await setUp(p);
    const before = await funnel(p);
    expect(before).toEqual(expected(events));
    const late = droppedAtTwo(events);
    const event: RefEvent = { visitor: late.visitor, id: `${p}-late`, t: late.t, name: 'c', props: {} };
    await createEventStore(pool, createPartitionStore(pool)).insertBatch([asEvent(p, event)]);
    const day = new Date(Math.floor(late.t / DAY) * DAY).toISOString().slice(0, 10);
    expect((await pool.query("SELECT count(*) AS n FROM funnel_day_blocks WHERE project_id = $1 AND name = 'c' AND day = $2", [p, day])).rows[0].n).toBe('0');
    expect(await blockCount(p)).toBe(NAMES.length * DAYS - 1);
    const stats = newStats();
    const after = await funnel(p, stats);
    expect(stats.filled).toBe(1);
    expect(after).toEqual(expected([...events, event]));
    expect(after.counts).toEqual([before.counts[0], before.counts[1], before.counts[2]! + 1]);
    expect(after.converted).toEqual([...before.converted, late.visitor].sort((a, b) => a - b));
  });

  it('an erasure deletes the project’s blocks and the person leaves funnels over closed days', async () => {
    const p = 'blocks-erasure';
    const events = await setUp(p);
    const before = await funnel(p);
    const gone = before.converted.find((v) => v !== MERGED[1])!;
    expect(gone).toBeDefined();
    await createErasureStore(pool).erase({ requestId: `${p}-r`, projectId: p, visitorIndexes: [gone], requestedAt: new Date().toISOString() } as never);
    expect(await blockCount(p)).toBe(0);
    const after = await funnel(p);
    expect(after).toEqual(expected(events.filter((e) => e.visitor !== gone)));
    expect(after.converted).not.toContain(gone);
    expect(after.counts[2]).toBe(before.counts[2]! - 1);
  });

  it('a fill racing a late insert never leaves a stale block, whichever takes the lock first', async () => {
    const p = 'blocks-race';
    const events = await setUp(p);
    await funnel(p);
    const store = createEventStore(pool, createPartitionStore(pool));
    const waiting = async () => Number((await pool.query("SELECT count(*) AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())")).rows[0].n) > 0;

    // 1. The late insert first: its transaction has inserted the event and taken the lock but not
    //    committed, while the day's block is missing (deleted by an earlier late event); the fill
    //    waits for it and must read the event. (Were the block there, the read would use it: the
    //    state before the uncommitted insert.)
    const first = droppedAtTwo(events);
    const e1: RefEvent = { visitor: first.visitor, id: `${p}-late1`, t: first.t, name: 'c', props: {} };
    await pool.query("DELETE FROM funnel_day_blocks WHERE project_id = $1 AND name = 'c' AND day = $2", [p, new Date(Math.floor(e1.t / DAY) * DAY).toISOString().slice(0, 10)]);
    const writer = await pool.connect();
    try {
      await writer.query('BEGIN');
      await writer.query(
        `CREATE TEMP TABLE late ON COMMIT DROP AS SELECT * FROM events WHERE project_id = $1 LIMIT 1;
         UPDATE late SET message_id = '${e1.id}', "timestamp" = '${new Date(e1.t).toISOString()}', name = 'c', visitor_index = ${e1.visitor};
         INSERT INTO events SELECT * FROM late;`.replace('$1', `'${p}'`),
      );
      await invalidateBlocks(writer, [{ projectId: p, name: 'c', timestamp: new Date(e1.t).toISOString() }], Date.now());
      const reading = funnel(p);
      await waitFor(waiting, { timeoutMs: 30_000, intervalMs: 20, description: 'the fill waits for the late insert' });
      await writer.query('COMMIT');
      expect(await reading).toEqual(expected([...events, e1]));
    } finally {
      writer.release();
    }

    // 2. The fill first: it holds the lock and stores what it read before the late event; the
    //    consumer's insert waits for it, then deletes that block before committing.
    const withE1 = [...events, e1];
    const second = droppedAtTwo(withE1);
    const e2: RefEvent = { visitor: second.visitor, id: `${p}-late2`, t: second.t, name: 'c', props: {} };
    const day = new Date(Math.floor(e2.t / DAY) * DAY).toISOString().slice(0, 10);
    const filler = await pool.connect();
    try {
      await filler.query('BEGIN');
      await filler.query("SELECT pg_advisory_xact_lock(hashtext('funnel-blocks:' || $1))", [p]);
      const stale = (await filler.query("SELECT records FROM funnel_day_blocks WHERE project_id = $1 AND name = 'c' AND day = $2", [p, day])).rows[0]?.records as Buffer | undefined;
      await filler.query("DELETE FROM funnel_day_blocks WHERE project_id = $1 AND name = 'c' AND day = $2", [p, day]);
      const inserting = store.insertBatch([asEvent(p, e2)]);
      await waitFor(waiting, { timeoutMs: 30_000, intervalMs: 20, description: 'the late insert waits for the fill' });
      await filler.query("INSERT INTO funnel_day_blocks (project_id, name, day, records) VALUES ($1, 'c', $2, $3)", [p, day, stale ?? Buffer.alloc(0)]);
      await filler.query('COMMIT');
      await inserting;
    } finally {
      filler.release();
    }
    expect((await pool.query("SELECT count(*) AS n FROM funnel_day_blocks WHERE project_id = $1 AND name = 'c' AND day = $2", [p, day])).rows[0].n).toBe('0');
    expect(await funnel(p)).toEqual(expected([...withE1, e2]));
  });
});
