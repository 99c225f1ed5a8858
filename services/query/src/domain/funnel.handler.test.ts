import fc from 'fast-check';
import { referenceFunnel, type RefEvent, type RefFunnel } from '../../test/funnel-reference';
import { breakdownOfTallies, evaluateVisitor, newTally, OTHER, percentile, summarize, tally, visitorsAt, type FunnelOrder } from './funnel.handler';
import { forEachPerson, parsePersonValues, parseStepParts, valueAt, type StepPart } from './step-blob.handler';

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

/** Encodes records as the store's SQL does (int4send/timestamptz_send/int4send bits, ids 0-separated). */
function encode(records: Array<[number, number, number, string, (string | null)?]>, withValue = false): StepPart {
  const head = Buffer.alloc(16 * records.length);
  records.forEach(([visitor, us, bits], i) => {
    head.writeInt32BE(visitor, 16 * i);
    head.writeBigInt64BE(BigInt(us) - PG_EPOCH_US, 16 * i + 4);
    head.writeInt32BE(bits, 16 * i + 12);
  });
  const ids = Buffer.from(records.map(([, , , id]) => id).join('\0'), 'utf8');
  const values = withValue
    ? Buffer.concat(
        records.map(([, , , , value]) => {
          const len = Buffer.alloc(4);
          const bytes = value == null ? Buffer.alloc(0) : Buffer.from(value, 'utf8');
          len.writeInt32BE(value == null ? -1 : bytes.length);
          return Buffer.concat([len, bytes]);
        }),
      )
    : null;
  return { bits: null, records: head, ids, values };
}
const PG_EPOCH_US = 946_684_800_000_000n;

/** What the store's SQL returns: one record per stored event (duplicates collapse on id+time) with step bits. */
function blobOf(events: RefEvent[], f: RefFunnel): StepPart[] {
  const unique = new Map<string, RefEvent>();
  for (const e of events) unique.set(`${e.visitor}|${e.id}|${e.t}`, e);
  const records: Array<[number, number, number, string]> = [];
  for (const e of unique.values()) {
    let bits = 0;
    f.steps.forEach((s, k) => {
      if (s.event === e.name && Object.entries(s.where ?? {}).every(([key, v]) => e.props[key] === v)) bits |= 1 << k;
    });
    if (bits) records.push([e.visitor, e.t * 1000, bits, e.id]);
  }
  return [encode(records.reverse())];
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
        const outcomes: ReturnType<typeof evaluateVisitor>[] = [];
        forEachPerson(parseStepParts(blobOf(withDuplicates, f), false), (visitor, start, end, p) => outcomes.push(evaluateVisitor({ visitor, times: p.times, bits: p.bits, start, end }, spec)));
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

  it('parses the binary format: ids and values with any characters, null values, ties by id', () => {
    const buf = encode([[7, 1000500, 3, 'id with \x1e spaces', 'pro plan'], [2, 5000, 1, 'b', null], [7, 1000500, 1, 'a', '']], true);
    const cols = parseStepParts([buf], true);
    expect(cols.count).toBe(3);
    const persons: Array<[number, number[], number[], number[]]> = [];
    forEachPerson(cols, (v, start, end, p) => persons.push([v, [...p.times.slice(start, end)], [...p.bits.slice(start, end)], [...p.records.slice(start, end)]]));
    expect(persons.map(([v, t, b]) => [v, t, b])).toEqual([[2, [5], [1]], [7, [1000.5, 1000.5], [1, 3]]]);
    const records = persons[1]![3];
    expect(records.map((r) => cols.buf.toString('utf8', cols.idStart[r], cols.idEnd[r]))).toEqual(['a', 'id with \x1e spaces']);
    expect(records.map((r) => valueAt(cols, r))).toEqual(['', 'pro plan']);
    expect(valueAt(cols, 1)).toBeNull();
    expect(parseStepParts([], false).count).toBe(0);
  });

  it('parses parts whose step bits follow from the name (12-byte records), ties across parts by id', () => {
    const part = (bits: number, records: Array<[number, number, string]>): StepPart => {
      const head = Buffer.alloc(12 * records.length);
      records.forEach(([visitor, us], i) => {
        head.writeInt32BE(visitor, 12 * i);
        head.writeBigInt64BE(BigInt(us) - PG_EPOCH_US, 12 * i + 4);
      });
      return { bits, records: head, ids: Buffer.from(records.map((r) => r[2]).join('\0'), 'utf8'), values: null };
    };
    const cols = parseStepParts([part(2, [[4, 3000, 'b'], [1, 1000, '']]), part(1, [[4, 3000, 'a']]), part(4, [])], false);
    expect(cols.count).toBe(3);
    const persons: Array<[number, number[], number[]]> = [];
    forEachPerson(cols, (v, start, end, p) => persons.push([v, [...p.times.slice(start, end)], [...p.bits.slice(start, end)]]));
    expect(persons).toEqual([[1, [1], [2]], [4, [3, 3], [1, 2]]]);
  });

  it('uses nearest-rank percentiles', () => {
    expect(percentile([1, 2, 3, 4], 0.5)).toBe(2);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.9)).toBe(9);
    expect(percentile([], 0.5)).toBeNull();
  });

  it('breaks down by value: top values by entries (ties by value, null last), the rest folded into $other', () => {
    const names = ['a', 'b'];
    // Person outcomes (value, depth, reach) and the expected groups computed from them directly.
    const people: Array<[string | null, number, number[]]> = [
      ['x', 2, [0, 5000]], ['x', 1, [0]], ['y', 2, [0, 1000]], ['z', 2, [0, 3000]], [null, 1, [0]], [null, 2, [0, 7000]],
    ];
    const groups = new Map<string | null, ReturnType<typeof newTally>>();
    for (const [v, depth, reach] of people) {
      if (!groups.has(v)) groups.set(v, newTally(2));
      tally(groups.get(v)!, depth, reach);
    }
    const outcome = (list: typeof people) => summarize(list.map(([, depth, reach], i) => ({ visitor: i, depth, reach, entry: 0 })), names);
    expect(breakdownOfTallies(groups, names, 2)).toEqual([
      { value: 'x', steps: outcome(people.filter(([v]) => v === 'x')) },
      { value: null, steps: outcome(people.filter(([v]) => v === null)) },
      { value: OTHER, steps: outcome(people.filter(([v]) => v === 'y' || v === 'z')) },
    ]);
  });

  it('parses one value per person, equal values sharing an id', () => {
    const record = (person: number, value: string | null) => {
      const bytes = value === null ? Buffer.alloc(0) : Buffer.from(value, 'utf8');
      const head = Buffer.alloc(8);
      head.writeInt32BE(person, 0);
      head.writeInt32BE(value === null ? -1 : bytes.length, 4);
      return Buffer.concat([head, bytes]);
    };
    const { ids, values } = parsePersonValues(Buffer.concat([record(3, 'pro'), record(0, null), record(5, 'pro'), record(1, 'été')]));
    expect([0, 1, 2, 3, 4, 5].map((p) => (ids[p]! < 0 ? 'none' : values[ids[p]!]))).toEqual([null, 'été', 'none', 'pro', 'none', 'pro']);
    expect(values.length).toBe(3);
  });
});
