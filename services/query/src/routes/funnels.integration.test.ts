import fc from 'fast-check';
import { Pool } from 'pg';
import { createTestDatabase, type TestDatabase } from '@sightline/testing';
import { enrichedEvent } from '../../test/enriched-factory';
import { referenceFunnel, type RefEvent, type RefFunnel } from '../../test/funnel-reference';
import { migrationsDir } from '../migrations-dir';
import { createEventStore } from '../stores/event.store';
import { createPartitionStore } from '../stores/partition.store';
import { createVisitorStore } from '../stores/visitor.store';
import { runFunnel } from './funnels.routes';

let db: TestDatabase;
let pool: Pool;

beforeAll(async () => {
  db = await createTestDatabase('query_funnels', migrationsDir);
  pool = new Pool({ connectionString: db.url, max: 4 });
});
afterAll(async () => {
  await pool.end();
  await db.drop();
});

const NAMES = ['a', 'b', 'c'];
// Month boundary inside the range: the events span two partitions.
const T0 = Date.UTC(2026, 9, 31, 23, 55);
let run = 0;

/** A trait that changes from event to event, so that only the latest event's value is right. */
const tierOf = (e: { t: number }) => ({ tier: `t${Math.floor(e.t / 1000) % 3}` });

type Drawn = { visitor: number; id: string; t: number; name: string; props: { plan: string } };
type Shape = { steps: RefFunnel['steps']; windowSeconds: number; order: RefFunnel['order']; from: number; span: number };

/** Stores the drawn events (duplicated, reversed, in batches), runs the funnel and compares it with the reference. */
async function matchesReference(raw: Drawn[], g: Shape, candidates: number[] | undefined, batches: number): Promise<void> {
  const store = createEventStore(pool, createPartitionStore(pool));
  const deps = { pool, visitors: createVisitorStore(pool), shards: 2 };
  const projectId = `fp${run++}`;
  // A message id is one message: the same id always carries the same content (as the
  // fingerprint service guarantees); keep the first draw of each id.
  const byId = new Map<string, RefEvent>();
  for (const e of raw) if (!byId.has(e.id)) byId.set(e.id, e);
  const events = [...byId.values()];
  const delivered = [...events, ...events.filter((_, i) => i % 2 === 0)].reverse();
  const size = Math.ceil(delivered.length / batches) || 1;
  for (let i = 0; i < delivered.length; i += size) {
    await store.insertBatch(
      delivered.slice(i, i + size).map((e) => enrichedEvent({ projectId, messageId: e.id, visitorIndex: e.visitor, name: e.name, timestamp: new Date(e.t).toISOString(), properties: e.props, traits: tierOf(e) })),
    );
  }
  const f: RefFunnel = { steps: g.steps, windowSeconds: g.windowSeconds, order: g.order, from: g.from, to: g.from + g.span };
  const ref = referenceFunnel(events, f, candidates ? new Set(candidates) : undefined);
  const result = (await runFunnel(deps, projectId, {
    from: new Date(f.from).toISOString(),
    to: new Date(f.to).toISOString(),
    steps: f.steps,
    windowSeconds: f.windowSeconds,
    order: f.order,
    candidateVisitorIndexes: candidates,
    breakdown: { type: 'property', key: 'plan', limit: 50 },
    includeVisitors: { step: f.steps.length, kind: 'converted', limit: 1000 },
  })) as { steps: Array<{ count: number; medianSecondsToConvert: number | null; p90SecondsToConvert: number | null }>; breakdown: Array<{ value: string | null; steps: Array<{ count: number }> }>; visitors: { visitors: Array<{ visitorIndex: number }> } };
  expect(result.steps.map((s) => ({ count: s.count, median: s.medianSecondsToConvert, p90: s.p90SecondsToConvert }))).toEqual(ref.steps);
  const converted = [...ref.depthByVisitor].filter(([, d]) => d === f.steps.length).map(([v]) => v).sort((a, b) => a - b);
  expect(result.visitors.visitors.map((v) => v.visitorIndex)).toEqual(converted);
  const byPlan = new Map<string, number>();
  for (const e of ref.entryEventByVisitor.values()) byPlan.set(String(e.props.plan), (byPlan.get(String(e.props.plan)) ?? 0) + 1);
  expect(new Map(result.breakdown.map((b) => [b.value, b.steps[0]!.count]))).toEqual(byPlan);
  // By trait: each entered person's traits of its latest event (by time, then message id).
  const latest = new Map<number, RefEvent>();
  for (const e of events) {
    const l = latest.get(e.visitor);
    if (!l || e.t > l.t || (e.t === l.t && e.id > l.id)) latest.set(e.visitor, e);
  }
  const byTier = new Map<string, number[]>();
  for (const [v, depth] of ref.depthByVisitor) {
    if (depth === 0) continue;
    const tier = tierOf(latest.get(v)!).tier;
    const counts = byTier.get(tier) ?? f.steps.map(() => 0);
    for (let k = 0; k < depth; k++) counts[k]!++;
    byTier.set(tier, counts);
  }
  const traits = (await runFunnel(deps, projectId, { from: new Date(f.from).toISOString(), to: new Date(f.to).toISOString(), steps: f.steps, windowSeconds: f.windowSeconds, order: f.order, candidateVisitorIndexes: candidates, breakdown: { type: 'trait', key: 'tier', limit: 50 } })) as typeof result;
  expect(new Map(traits.breakdown.map((b) => [b.value, b.steps.map((s) => s.count)]))).toEqual(byTier);
  // Without breakdown or visitor list the funnel keeps no per-person outcomes: same steps; and
  // the same when candidates are applied while matching instead of in the read.
  for (const sqlCandidatesMax of [undefined, 0]) {
    const plain = (await runFunnel({ ...deps, sqlCandidatesMax }, projectId, { from: new Date(f.from).toISOString(), to: new Date(f.to).toISOString(), steps: f.steps, windowSeconds: f.windowSeconds, order: f.order, candidateVisitorIndexes: candidates })) as typeof result;
    expect(plain.steps.map((s) => ({ count: s.count, median: s.medianSecondsToConvert, p90: s.p90SecondsToConvert }))).toEqual(ref.steps);
  }
}

describe('funnels through Postgres against the brute-force reference', () => {
  it('match in every order mode, with duplicates, out-of-order batches, ties, candidates and breakdown', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            visitor: fc.integer({ min: 0, max: 3 }),
            id: fc.integer({ min: 0, max: 40 }).map((i) => `m${i}`),
            t: fc.integer({ min: 0, max: 15 }).map((m) => T0 + m * 60_000),
            name: fc.constantFrom(...NAMES),
            props: fc.record({ plan: fc.constantFrom('free', 'pro') }),
          }),
          { maxLength: 40 },
        ),
        fc.record({
          steps: fc.array(fc.record({ event: fc.constantFrom(...NAMES), where: fc.option(fc.record({ plan: fc.constantFrom('free', 'pro') }), { nil: undefined }) }), { minLength: 2, maxLength: 4 }),
          windowSeconds: fc.integer({ min: 1, max: 10 }).map((m) => m * 60),
          order: fc.constantFrom('strict' as const, 'sequential' as const, 'any' as const),
          from: fc.integer({ min: 0, max: 4 }).map((m) => T0 + m * 60_000),
          span: fc.integer({ min: 1, max: 12 }).map((m) => m * 60_000),
        }),
        fc.option(fc.subarray([0, 1, 2, 3]), { nil: undefined }),
        fc.integer({ min: 1, max: 4 }),
        matchesReference,
      ),
      { numRuns: 80 },
    );
  });

  it('order events of a person tied in time by messageId (read again with their ids)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            visitor: fc.integer({ min: 0, max: 1 }),
            id: fc.integer({ min: 0, max: 30 }).map((i) => `m${i}`),
            // Three instants only: most events tie with another of their person.
            t: fc.integer({ min: 0, max: 2 }).map((m) => T0 + m * 60_000),
            name: fc.constantFrom(...NAMES),
            props: fc.record({ plan: fc.constantFrom('free', 'pro') }),
          }),
          { minLength: 6, maxLength: 30 },
        ),
        fc.record({
          steps: fc.array(fc.record({ event: fc.constantFrom(...NAMES), where: fc.option(fc.record({ plan: fc.constantFrom('free', 'pro') }), { nil: undefined }) }), { minLength: 2, maxLength: 3 }),
          windowSeconds: fc.integer({ min: 1, max: 3 }).map((m) => m * 60),
          order: fc.constantFrom('strict' as const, 'sequential' as const, 'any' as const),
          from: fc.constant(T0),
          span: fc.integer({ min: 1, max: 3 }).map((m) => m * 60_000),
        }),
        fc.constant(undefined),
        fc.integer({ min: 1, max: 3 }),
        matchesReference,
      ),
      { numRuns: 60 },
    );
  });

  it('count a merged person from a merged index in the candidates, in the read or while matching, and break it down by its latest traits', async () => {
    const store = createEventStore(pool, createPartitionStore(pool));
    const projectId = `fp-merge${run++}`;
    const at = (m: number) => new Date(T0 + m * 60_000).toISOString();
    // v-7 views a page as free, is merged into v-1, who then signs up as pro; v-2 only views.
    await store.insertBatch([
      enrichedEvent({ projectId, messageId: 'p7', visitorIndex: 7, name: 'a', timestamp: at(0), traits: { plan: 'free' } }),
      enrichedEvent({ projectId, messageId: 'p2', visitorIndex: 2, name: 'a', timestamp: at(1), traits: { plan: 'team' } }),
    ]);
    await store.insertBatch([enrichedEvent({ projectId, messageId: 's1', visitorIndex: 1, mergedVisitorIndexes: [7], name: 'b', timestamp: at(2), traits: { plan: 'pro' } })]);
    const body = { from: at(0), to: at(10), steps: [{ event: 'a' }, { event: 'b' }], windowSeconds: 3600, order: 'sequential' as const, breakdown: { type: 'trait' as const, key: 'plan', limit: 10 } };
    for (const sqlCandidatesMax of [undefined, 0]) {
      const deps = { pool, visitors: createVisitorStore(pool), shards: 2, sqlCandidatesMax };
      const only7 = (await runFunnel(deps, projectId, { ...body, candidateVisitorIndexes: [7] })) as { steps: Array<{ count: number }>; breakdown: Array<{ value: string; steps: Array<{ count: number }> }> };
      expect(only7.steps.map((s) => s.count)).toEqual([1, 1]);
      expect(only7.breakdown.map((b) => [b.value, b.steps.map((s) => s.count)])).toEqual([['pro', [1, 1]]]);
      const all = (await runFunnel(deps, projectId, body)) as typeof only7;
      expect(all.breakdown.map((b) => [b.value, b.steps.map((s) => s.count)])).toEqual([['pro', [1, 1]], ['team', [1, 0]]]);
    }
  });
});
