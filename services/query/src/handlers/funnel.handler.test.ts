import fc from 'fast-check';
import { referenceFunnel, type RefEvent, type RefFunnel } from '../../test/funnel-reference';
import { evaluateVisitor, groupRows, percentile, summarize, visitorsAt, type FunnelOrder, type StepRow } from './funnel.handler';

const NAMES = ['a', 'b', 'c'];
const T0 = Date.UTC(2026, 10, 1);

const eventArb = fc.record({
  visitor: fc.integer({ min: 0, max: 2 }),
  id: fc.integer({ min: 0, max: 60 }).map((i) => `m${i}`),
  // Coarse times so that ties are frequent.
  t: fc.integer({ min: 0, max: 12 }).map((m) => T0 + m * 60_000),
  name: fc.constantFrom(...NAMES),
  props: fc.record({ plan: fc.constantFrom('free', 'pro') }),
});

const funnelArb = fc.record({
  steps: fc.array(fc.record({ event: fc.constantFrom(...NAMES), where: fc.option(fc.record({ plan: fc.constantFrom('free', 'pro') }), { nil: undefined }) }), { minLength: 2, maxLength: 4 }),
  windowSeconds: fc.integer({ min: 1, max: 15 }).map((m) => m * 60),
  order: fc.constantFrom<FunnelOrder>('strict', 'sequential', 'any'),
  from: fc.integer({ min: 0, max: 5 }).map((m) => T0 + m * 60_000),
  span: fc.integer({ min: 1, max: 20 }).map((m) => m * 60_000),
});

/** What the store's SQL does: one row per stored event (duplicates collapse on id+time), step bits. */
function rowsOf(events: RefEvent[], f: RefFunnel): StepRow[] {
  const unique = new Map<string, RefEvent>();
  for (const e of events) unique.set(`${e.visitor}|${e.id}|${e.t}`, e);
  const rows: StepRow[] = [];
  for (const e of unique.values()) {
    let bits = 0;
    f.steps.forEach((s, k) => {
      if (s.event === e.name && Object.entries(s.where ?? {}).every(([key, v]) => e.props[key] === v)) bits |= 1 << k;
    });
    if (bits) rows.push({ visitor: e.visitor, time: e.t, id: e.id, bits });
  }
  return rows.reverse();
}

describe('funnel handler against the brute-force reference', () => {
  it('gives the same counts, times and visitor lists in every order mode', () => {
    fc.assert(
      fc.property(fc.array(eventArb, { maxLength: 40 }), funnelArb, (events, g) => {
        // Duplicated deliveries of the same message: the same id and time twice.
        const withDuplicates = [...events, ...events.filter((_, i) => i % 3 === 0)];
        const f: RefFunnel = { steps: g.steps, windowSeconds: g.windowSeconds, order: g.order, from: g.from, to: g.from + g.span };
        const ref = referenceFunnel(withDuplicates, f);
        const spec = { stepCount: f.steps.length, windowMs: f.windowSeconds * 1000, order: f.order, fromMs: f.from, toMs: f.to };
        const outcomes = groupRows(rowsOf(withDuplicates, f)).map((v) => evaluateVisitor(v, spec));
        const summary = summarize(outcomes, f.steps.map((s) => s.event));
        expect(summary.map((s) => ({ count: s.count, median: s.medianSecondsToConvert, p90: s.p90SecondsToConvert }))).toEqual(ref.steps);
        for (let step = 1; step <= f.steps.length; step++) {
          const converted = [...ref.depthByVisitor].filter(([, d]) => d >= step).map(([v]) => v).sort((a, b) => a - b);
          expect(visitorsAt(outcomes, step, 'converted', null, 100).visitors).toEqual(converted);
          const dropped = [...ref.depthByVisitor].filter(([, d]) => d === step - 1).map(([v]) => v).sort((a, b) => a - b);
          if (step > 1) expect(visitorsAt(outcomes, step, 'dropped', null, 100).visitors).toEqual(dropped);
        }
      }),
      { numRuns: 1500 },
    );
  });

  it('counts a visitor once, with the deepest then fastest attempt', () => {
    const spec = { stepCount: 3, windowMs: 600_000, order: 'sequential' as const, fromMs: 0, toMs: 1e12 };
    const v = { visitor: 1, times: [0, 10_000, 100_000, 110_000, 120_000], bits: [1, 2, 1, 2, 4] };
    expect(evaluateVisitor(v, spec)).toMatchObject({ depth: 3, reach: [100_000, 110_000, 120_000], entry: 2 });
  });

  it('strict mode stops at another step event in between', () => {
    const spec = { stepCount: 2, windowMs: 600_000, order: 'strict' as const, fromMs: 0, toMs: 1e12 };
    expect(evaluateVisitor({ visitor: 1, times: [0, 1000, 2000], bits: [1, 1, 2] }, spec)).toMatchObject({ depth: 2, entry: 1 });
    expect(evaluateVisitor({ visitor: 1, times: [0, 1000, 2000], bits: [1, 4, 2] }, { ...spec, stepCount: 3 })).toMatchObject({ depth: 1 });
  });

  it('uses nearest-rank percentiles', () => {
    expect(percentile([1, 2, 3, 4], 0.5)).toBe(2);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.9)).toBe(9);
    expect(percentile([], 0.5)).toBeNull();
  });
});
