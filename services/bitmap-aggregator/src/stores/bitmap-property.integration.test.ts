import fc from 'fast-check';
import { deleteKeys, testInfra, uniqueId } from '@sightline/testing';
import { enrichedEvent } from '../../test/events';
import { ACTIVE, dimensionsOf, NEW } from '../domain/dimensions.handler';
import { evaluateExpr, type Expr } from '../domain/expression.handler';
import type { ProjectSettings } from '../domain/range.handler';
import { projectKeys } from '../domain/keys.handler';
import { toLocal } from '../domain/time-buckets.handler';
import { createBitmapReader } from './bitmap-reader.store';
import { createBitmapWriter, type PositionedEvent } from './bitmap-writer.store';
import { bitmapScripts, createRedisClient } from './redis-client.store';

/**
 * Random event sets, merges and an erasure against a brute-force model of the same semantics
 * (docs/bitmaps.md): every unique count, total and candidate list must match exactly.
 */
const redis = createRedisClient({ REDIS_URL: testInfra.redisUrl });
const scripts = bitmapScripts(redis);
const prefix = `${uniqueId('aggprop')}:`;
// Real time: Redis expires minute/hour keys by its own clock.
const NOW = Date.now();
const START = Math.floor(NOW / 3_600_000) * 3_600_000 - 5 * 86_400_000;
const SPAN_MIN = 4 * 24 * 60;
// Bits as BITFIELD offsets, as patches ORed in (dense keys), and a mix of both in one batch.
const writers = [0, 1, Infinity].map((patchBytesPerBit) => createBitmapWriter(redis, scripts, prefix, { now: () => NOW, patchBytesPerBit }));
const reader = createBitmapReader(redis, scripts, prefix, () => NOW);

afterAll(async () => {
  await deleteKeys(redis as never, `${prefix}*`);
  redis.disconnect();
});

const eventArb = fc.record({
  visitor: fc.integer({ min: 0, max: 40 }),
  minute: fc.integer({ min: 0, max: SPAN_MIN - 1 }),
  name: fc.constantFrom('a', 'b', 'c'),
  plan: fc.constantFrom(undefined, 'pro', 'free'),
  source: fc.constantFrom(null, 'x', 'y'),
  isNew: fc.boolean(),
  isBot: fc.integer({ min: 0, max: 9 }).map((n) => n === 0),
  merge: fc.option(fc.integer({ min: 0, max: 40 }), { freq: 8 }),
});
const dimArb = fc.constantFrom(ACTIVE, NEW, 'event:a', 'event:b', 'event:c', 'trait:plan=pro', 'source:x', '$bot');
const exprArb: fc.Arbitrary<Expr> = fc.letrec<{ e: Expr }>((tie) => ({
  e: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    dimArb.map((dim) => ({ dim })),
    fc.array(tie('e'), { minLength: 1, maxLength: 3 }).map((and) => ({ and })),
    fc.array(tie('e'), { minLength: 1, maxLength: 3 }).map((or) => ({ or })),
    tie('e').map((not) => ({ not })),
  ),
})).e;
const rangeArb = fc.tuple(fc.integer({ min: 0, max: SPAN_MIN }), fc.integer({ min: 0, max: SPAN_MIN })).map(([a, b]) => (a <= b ? [a, b + 1] : [b, a + 1]));

interface Fact {
  person: number;
  resolved: number;
  utcMs: number;
  dims: string[];
}

/** The brute-force model: union-find merges, erasures, and one fact per projected event. */
function model(events: PositionedEvent[], settings: ProjectSettings, erasedVisitor: number | null) {
  const parent = new Map<number, number>();
  const erased = new Set<number>();
  const find = (v: number): number => (parent.has(v) ? find(parent.get(v)!) : v);
  const facts: Fact[] = [];
  for (const { event } of events) {
    const c = find(event.visitorIndex);
    for (const m of event.mergedVisitorIndexes) {
      const root = find(m);
      if (root !== c && !erased.has(root) && !erased.has(c)) parent.set(root, c);
    }
    if (erased.has(c)) continue;
    facts.push({ person: c, resolved: c, utcMs: Date.parse(event.timestamp), dims: dimensionsOf(event, settings.botFiltering) });
  }
  if (erasedVisitor !== null) {
    const root = find(erasedVisitor);
    if (!erased.has(root)) for (const v of [root, ...[...parent.keys()].filter((k) => find(k) === root)]) erased.add(v);
  }
  const people = (from: number, to: number, dim: string) => {
    const set = new Set<number>();
    for (const f of facts) {
      if (f.utcMs < from || f.utcMs >= to || !f.dims.includes(dim)) continue;
      // `$new` stays with the visitor it was set on; a later merge excludes it (docs/bitmaps.md).
      const person = dim === NEW ? (find(f.resolved) === f.resolved ? f.resolved : -1) : find(f.resolved);
      if (person >= 0 && !erased.has(person) && !erased.has(find(person))) set.add(person);
    }
    return set;
  };
  const totals = (from: number, to: number, dim: string) => facts.filter((f) => f.utcMs >= from && f.utcMs < to && f.dims.includes(dim)).length;
  return { people, totals };
}

describe('bitmap answers equal brute force', () => {
  it('uniques, totals and candidates for random events, merges, an erasure, ranges and expressions', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(eventArb, { minLength: 1, maxLength: 60 }),
        fc.constantFrom('UTC', 'Europe/Paris', 'Asia/Kathmandu', 'America/New_York'),
        fc.boolean(),
        fc.option(fc.integer({ min: 0, max: 40 })),
        fc.array(fc.tuple(rangeArb, exprArb), { minLength: 1, maxLength: 4 }),
        fc.integer({ min: 1, max: 20 }),
        fc.constantFrom(...writers),
        async (raw, timeZone, botFiltering, erasedVisitor, queries, batchSize, writer) => {
          const projectId = `p${run++}`;
          const settings: ProjectSettings = { timeZone, botFiltering, minuteBucketDays: 30, hourBucketDays: 60 };
          const events: PositionedEvent[] = raw.map((r, i) => ({
            offset: BigInt(i),
            event: enrichedEvent({
              projectId,
              visitorIndex: r.visitor,
              timestamp: new Date(START + r.minute * 60_000 + 7_000).toISOString(),
              name: r.name,
              traits: r.plan ? { plan: r.plan } : {},
              source: r.source,
              isNewVisitor: r.isNew,
              isBot: r.isBot,
              mergedVisitorIndexes: r.merge !== null && r.merge !== r.visitor ? [r.merge] : [],
            }),
          }));
          for (let i = 0; i < events.length; i += batchSize) await writer.applyEvents(projectId, settings, 't:0', events.slice(i, i + batchSize));
          if (erasedVisitor !== null) await writer.applyErasure({ requestId: 'r', projectId, visitorIds: [`v-${erasedVisitor}`], requestedAt: new Date(NOW).toISOString() }, settings);
          // A replay of everything changes nothing (watermark for totals, erased bitmap for bits).
          await writer.applyEvents(projectId, settings, 't:0', events);
          // A patch passes through the project's scratch key within one script, never beyond it.
          expect(await redis.exists(projectKeys(prefix, projectId).scratch)).toBe(0);
          const truth = model(events, settings, erasedVisitor !== null && raw.some((r) => r.visitor === erasedVisitor) ? erasedVisitor : null);
          for (const [[a, b], expr] of queries) {
            const from = START + a * 60_000;
            const to = START + b * 60_000;
            const q = { from: new Date(from), to: new Date(to) };
            const expected = evaluateExpr(expr, (dim) => truth.people(from, to, dim));
            expect((await reader.uniques(projectId, settings, q, expr)).total).toBe(expected.size);
            expect((await reader.totals(projectId, settings, q, 'event:a')).total).toBe(truth.totals(from, to, 'event:a'));
            const dims = ['event:b', ACTIVE];
            const candidates = evaluateExpr({ and: dims.map((dim) => ({ dim })) }, (dim) => truth.people(from, to, dim));
            expect(await reader.candidates(projectId, settings, q, dims)).toEqual([...candidates].sort((x, y) => x - y));
          }
          const day = { from: new Date(START), to: new Date(START + SPAN_MIN * 60_000), interval: 'day' as const };
          const series = (await reader.uniques(projectId, settings, day, { dim: ACTIVE })).series!;
          series.forEach((point, i) => {
            const from = Date.parse(point.start);
            const to = i + 1 < series.length ? Date.parse(series[i + 1]!.start) : day.to.getTime();
            if (i > 0) expect(toLocal(from, timeZone) % 86_400_000).toBe(0);
            expect(point.count).toBe(truth.people(from, to, ACTIVE).size);
          });
        },
      ),
      { numRuns: Number(process.env.PROP_RUNS ?? 40) },
    );
  });
});
