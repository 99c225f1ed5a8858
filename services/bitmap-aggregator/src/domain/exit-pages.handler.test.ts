import fc from 'fast-check';
import { decodeOpen, encodeOpen, planExits, type OpenSession, type SessionStep } from './exit-pages.handler';

/** The exit page of every session from all its steps at once (the last pageview by time wins; ties: the later step). */
function oracle(steps: SessionStep[]): Map<string, string> {
  const last = new Map<string, { at: number; page: string }>();
  for (const s of steps) {
    if (s.page === null) continue;
    const key = `${s.visitor}|${s.sessionId}`;
    const seen = last.get(key);
    if (!seen || s.utcMs >= seen.at) last.set(key, { at: s.utcMs, page: s.page });
  }
  return new Map([...last].map(([k, v]) => [k, v.page]));
}

describe('exit pages', () => {
  it('moves the open session exit and ends it when the next session starts', () => {
    const steps: SessionStep[] = [
      { visitor: 1, utcMs: 0, sessionId: 'a', page: '/' },
      { visitor: 1, utcMs: 10, sessionId: 'a', page: '/pricing' },
      { visitor: 1, utcMs: 20, sessionId: 'a', page: null },
      { visitor: 1, utcMs: 5_000, sessionId: 'b', page: '/docs' },
    ];
    const plan = planExits(new Map(), steps);
    expect(plan.ended).toEqual([{ visitor: 1, utcMs: 0, page: '/pricing' }]);
    expect(plan.moved.get(1)).toEqual({ before: null, after: { sessionId: 'b', startMs: 5_000, lastMs: 5_000, page: '/docs' } });
  });

  it('continues from the stored open session, and a late one-off session is its own exit', () => {
    const stored = new Map<number, OpenSession | null>([[2, { sessionId: 's', startMs: 100, lastMs: 150, page: '/a' }]]);
    const plan = planExits(stored, [
      { visitor: 2, utcMs: 140, sessionId: 's', page: '/older' },
      { visitor: 2, utcMs: 50, sessionId: 'late', page: '/late' },
      { visitor: 2, utcMs: 160, sessionId: 's', page: '/b' },
    ]);
    expect(plan.ended).toEqual([{ visitor: 2, utcMs: 50, page: '/late' }]);
    expect(plan.moved.get(2)?.after).toEqual({ sessionId: 's', startMs: 100, lastMs: 160, page: '/b' });
  });

  it('gives every session the page of its last pageview, however the steps are split into batches', () => {
    const step = fc.record({ visitor: fc.integer({ min: 0, max: 3 }), session: fc.integer({ min: 0, max: 3 }), dt: fc.integer({ min: 0, max: 50 }), page: fc.option(fc.constantFrom('/', '/a', '/b'), { nil: null }) });
    fc.assert(
      fc.property(fc.array(step, { maxLength: 40 }), fc.array(fc.integer({ min: 1, max: 10 }), { minLength: 1, maxLength: 5 }), (raw, cuts) => {
        // Sessions in order per visitor with increasing times, as the identity service emits them.
        const clock = new Map<number, { session: number; at: number }>();
        const steps: SessionStep[] = [];
        for (const r of raw) {
          const c = clock.get(r.visitor) ?? { session: 0, at: 0 };
          const session = Math.max(c.session, r.session);
          const at = c.at + r.dt + (session > c.session ? 1000 : 0);
          clock.set(r.visitor, { session, at });
          steps.push({ visitor: r.visitor, utcMs: at, sessionId: `${r.visitor}-${session}`, page: r.page });
        }
        const exits = new Map<string, string>();
        let stored = new Map<number, OpenSession | null>();
        let from = 0;
        let cut = 0;
        while (from < steps.length) {
          const to = Math.min(steps.length, from + cuts[cut++ % cuts.length]!);
          const plan = planExits(stored, steps.slice(from, to));
          for (const e of plan.ended) exits.set(`${e.visitor}|${steps.find((s) => s.visitor === e.visitor && s.utcMs === e.utcMs)!.sessionId}`, e.page);
          stored = new Map(stored);
          for (const [v, m] of plan.moved) stored.set(v, decodeOpen(encodeOpen(m.after)));
          from = to;
        }
        for (const [v, s] of stored) if (s?.page) exits.set(`${v}|${s.sessionId}`, s.page);
        expect(exits).toEqual(oracle(steps));
      }),
    );
  });
});
