import fc from 'fast-check';
import { compareQuery, populations } from '../src/views/compare/model';
import { logQuery, parseLogFilters, logFilterParams } from '../src/views/events/model';
import { definition, fromDefinition, parseState, problem, stateParams, type FunnelState } from '../src/views/funnels/model';
import { averageRow, heat, periodsIn } from '../src/views/retention/model';
import { groupTimeline } from '../src/views/visitor/timeline';

const params = (o: Record<string, string | null>) => new URLSearchParams(Object.entries(o).filter((e): e is [string, string] => e[1] !== null));

/** WCAG 2 contrast ratio of two `rgb(r, g, b)` / `#rrggbb` colours. */
function contrast(a: string, b: string): number {
  const rgb = (c: string) => (c.startsWith('#') ? [1, 3, 5].map((i) => parseInt(c.slice(i, i + 2), 16)) : c.match(/\d+/g)!.map(Number));
  const lum = (c: string) => {
    const [r, g, bl] = rgb(c).map((v) => (v / 255 <= 0.03928 ? v / 255 / 12.92 : ((v / 255 + 0.055) / 1.055) ** 2.4));
    return 0.2126 * r! + 0.7152 * g! + 0.0722 * bl!;
  };
  const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p);
  return (x! + 0.05) / (y! + 0.05);
}

describe('funnel builder state in the URL', () => {
  const text = fc.string({ minLength: 1, maxLength: 20 });
  const state = fc.record({
    steps: fc.array(fc.record({ event: text, where: fc.array(fc.tuple(text, fc.string({ maxLength: 10 })), { maxLength: 3 }) }), { minLength: 2, maxLength: 10 }),
    order: fc.constantFrom('strict', 'sequential', 'any'),
    windowSeconds: fc.integer({ min: 1, max: 90 * 86400 }),
    breakdown: fc.option(fc.record({ type: fc.constantFrom('trait', 'property'), key: text }), { nil: null }),
  }) as fc.Arbitrary<FunnelState>;

  it('round-trips any state through the URL, and a saved definition back to the same query', () => {
    fc.assert(
      fc.property(state, (s) => {
        expect(parseState(params(stateParams(s)))).toEqual(s);
        if (!problem(s) && s.steps.every((st) => st.event.trim() === st.event && st.where.every(([k]) => k.trim() === k))) expect(definition(fromDefinition(definition(s)))).toEqual(definition(s));
      }),
    );
  });

  it('gives a usable default for a hostile or malformed URL, never an exception', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.string(), (steps, window, by) => {
        const s = parseState(params({ steps, window, by }));
        expect(s.steps.length).toBeGreaterThanOrEqual(1);
        expect(s.windowSeconds).toBeGreaterThanOrEqual(1);
      }),
    );
    expect(parseState(params({ steps: '[["a"],["b"]]', window: '-5', order: 'sideways' }))).toMatchObject({ order: 'sequential', windowSeconds: 7 * 86400 });
  });

  it('types property values as the API compares them and names what blocks a run', () => {
    const s: FunnelState = { steps: [{ event: 'a', where: [['n', '10'], ['ok', 'true'], ['s', 'x']] }, { event: 'b', where: [] }], order: 'any', windowSeconds: 60, breakdown: { type: 'trait', key: 'plan' } };
    expect(definition(s)).toEqual({ steps: [{ event: 'a', where: { n: 10, ok: true, s: 'x' } }, { event: 'b' }], windowSeconds: 60, order: 'any', breakdown: { type: 'trait', key: 'plan' } });
    expect(problem({ ...s, steps: [s.steps[0]!, { event: ' ', where: [] }] })).toBe('Step 2 needs an event name.');
    expect(problem({ ...s, steps: [{ event: 'a', where: [['', 'x']] }, s.steps[1]!] })).toBe('A condition of step 1 needs a property name.');
  });
});

describe('retention arithmetic', () => {
  it('counts the cohort periods a range holds', () => {
    expect(periodsIn('2026-11-01T00:00:00Z', '2026-11-08T00:00:00Z', 'day')).toBe(7);
    expect(periodsIn('2026-11-01T00:00:00Z', '2026-11-08T00:00:00Z', 'week')).toBe(1);
    expect(periodsIn('2026-11-01T00:00:00Z', '2026-11-09T00:00:00Z', 'week')).toBe(2);
    expect(periodsIn('2026-01-15T00:00:00Z', '2026-04-01T00:00:00Z', 'month')).toBe(3);
    expect(periodsIn('2020-01-01T00:00:00Z', '2026-01-01T00:00:00Z', 'month')).toBe(36);
  });

  it('averages each period over the cohorts that reached it, weighted by size', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 50 }), fc.array(fc.integer({ min: 0, max: 50 }), { maxLength: 6 })), { maxLength: 6 }), (raw) => {
        const cohorts = raw.map(([size, rest], i) => ({ start: String(i), size, retained: [size, ...rest.map((r) => Math.min(r, size))] }));
        const avg = averageRow(cohorts);
        avg.forEach((a, k) => {
          let size = 0;
          let kept = 0;
          for (const c of cohorts) if (c.retained.length > k) (size += c.size), (kept += c.retained[k]!);
          expect(a).toEqual({ share: size ? kept / size : null, retained: kept, size });
        });
      }),
    );
  });

  it('every heat-map cell keeps a 4.5:1 text contrast', () => {
    for (let i = 0; i <= 1000; i++) {
      const { background, color } = heat(i / 1000);
      expect(contrast(background, color)).toBeGreaterThanOrEqual(4.5);
    }
  });
});

describe('event log filters', () => {
  it('become the API query (properties as prop.<key>) and round-trip the URL', () => {
    const f = { name: 'signup', category: '', session: 's1', visitor: '', props: [['plan', 'pro'], ['a b', '=1']] as [string, string][] };
    expect(logQuery(f)).toEqual({ name: 'signup', sessionId: 's1', 'prop.plan': 'pro', 'prop.a b': '=1' });
    expect(parseLogFilters(params(logFilterParams(f)))).toEqual(f);
    expect(parseLogFilters(params({ props: '{"x":1}' })).props).toEqual([]);
  });
});

describe('compare populations', () => {
  const current = { from: '2026-11-08T00:00:00.000Z', to: '2026-11-15T00:00:00.000Z', label: 'this week' };
  const other = { from: '2026-11-01T00:00:00.000Z', to: '2026-11-08T00:00:00.000Z', label: 'last week' };
  const base = { browser: 'Firefox' };

  it('AND the global filters into both segments and both values; periods keep them as they are', () => {
    const seg = populations('segments', params({ a: '[["event","is","signup"]]', b: '[["page","isNot","/docs"]]' }), base, current, other);
    expect(seg).toMatchObject({ a: { filter: { and: [base, { event: 'signup' }] } }, b: { filter: { and: [base, { not: { page: '/docs' } }] } } });
    const values = populations('values', params({ dim: 'trait:plan', va: 'pro', vb: 'free' }), undefined, current, other);
    expect(values).toMatchObject({ a: { filter: { trait: { key: 'plan', value: 'pro' } } }, b: { filter: { trait: { key: 'plan', value: 'free' } } } });
    const periods = populations('periods', params({}), base, current, other);
    expect(typeof periods !== 'string' && compareQuery(periods.a, periods.b)).toEqual({ aFrom: current.from, aTo: current.to, bFrom: other.from, bTo: other.to, aFilter: JSON.stringify(base), bFilter: JSON.stringify(base) });
  });

  it('says what is missing instead of querying an empty comparison', () => {
    expect(populations('segments', params({}), undefined, current, other)).toBe('Give segment A or B at least one condition.');
    expect(populations('values', params({ dim: 'browser', va: 'Firefox' }), undefined, current, other)).toBe('Pick two values to compare.');
  });
});

describe('profile timeline', () => {
  it('puts each event under its session, newest first, and events of no known session on their own', () => {
    const sessions = [
      { sessionId: 's1', startedAt: '2026-11-01T10:00:00Z', endedAt: '2026-11-01T10:05:00Z' },
      { sessionId: 's2', startedAt: '2026-11-02T10:00:00Z', endedAt: '2026-11-02T10:05:00Z' },
    ];
    const e = (id: string, at: string, sessionId: string | null) => ({ messageId: id, name: id, timestamp: at, sessionId });
    const groups = groupTimeline(sessions, [e('a', '2026-11-01T10:01:00Z', 's1'), e('b', '2026-11-01T10:03:00Z', 's1'), e('c', '2026-11-03T09:00:00Z', null), e('d', '2026-11-02T10:02:00Z', 's2')]);
    expect(groups.map((g) => [g.session?.sessionId ?? null, g.events.map((x) => x.messageId)])).toEqual([
      [null, ['c']],
      ['s2', ['d']],
      ['s1', ['b', 'a']],
    ]);
  });
});
