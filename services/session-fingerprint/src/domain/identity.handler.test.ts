import fc from 'fast-check';
import { emptyProjectIdentity, resolveVisitor, type IdentityInput, type ProjectIdentity } from './identity.handler';

const input = (over: Partial<IdentityInput>): IdentityInput => ({ userId: null, anonymousId: null, previousId: null, fingerprint: null, at: 1000, allowReidentify: false, ...over });

function resolve(state: ProjectIdentity, over: Partial<IdentityInput>) {
  const outcome = resolveVisitor(state, input(over));
  if (outcome.kind !== 'visitor') throw new Error('erased');
  return outcome;
}

describe('resolveVisitor', () => {
  it('assigns dense indexes in first-seen order and reuses them', () => {
    const s = emptyProjectIdentity('p', 0);
    expect(resolve(s, { anonymousId: 'a' })).toMatchObject({ index: 0, isNewVisitor: true });
    expect(resolve(s, { anonymousId: 'b' })).toMatchObject({ index: 1, isNewVisitor: true });
    expect(resolve(s, { anonymousId: 'a' })).toMatchObject({ index: 0, isNewVisitor: false });
    expect(s.nextIndex).toBe(2);
  });

  it('lets a new userId join the anonymous visitor without a merge', () => {
    const s = emptyProjectIdentity('p', 0);
    resolve(s, { anonymousId: 'a' });
    expect(resolve(s, { anonymousId: 'a', userId: 'u' })).toEqual({ kind: 'visitor', index: 0, isNewVisitor: false, mergedIndexes: [] });
    expect(resolve(s, { userId: 'u' }).index).toBe(0);
    expect(s.visitors.get(0)!.visitorId).toBe('u');
  });

  it('merges an anonymous visitor into the existing userId visitor', () => {
    const s = emptyProjectIdentity('p', 0);
    resolve(s, { userId: 'u', anonymousId: 'laptop' });
    resolve(s, { anonymousId: 'phone' });
    s.visitors.get(1)!.traits = { plan: 'free', phone: true };
    s.visitors.get(0)!.traits = { plan: 'pro' };
    expect(resolve(s, { userId: 'u', anonymousId: 'phone' })).toEqual({ kind: 'visitor', index: 0, isNewVisitor: false, mergedIndexes: [1] });
    expect(resolve(s, { anonymousId: 'phone' }).index).toBe(0);
    expect(s.visitors.get(1)!.mergedInto).toBe(0);
    expect(s.visitors.get(0)!.traits).toEqual({ plan: 'pro', phone: true });
    expect(s.merges).toEqual([{ absorbed: 1, canonical: 0 }]);
  });

  it('never folds a visitor that belongs to another userId, except through an explicit alias', () => {
    const s = emptyProjectIdentity('p', 0);
    resolve(s, { userId: 'alice', fingerprint: 'office' });
    expect(resolve(s, { userId: 'bob', fingerprint: 'office' })).toMatchObject({ index: 1, isNewVisitor: true, mergedIndexes: [] });
    expect(resolve(s, { fingerprint: 'office' }).index).toBe(0);
    expect(resolve(s, { userId: 'alice-new', previousId: 'alice' })).toMatchObject({ index: 0, isNewVisitor: false });
    expect(resolve(s, { userId: 'bob', previousId: 'alice-new' })).toMatchObject({ index: 1, mergedIndexes: [0] });
  });

  it('alias links the previous anonymous id to the userId', () => {
    const s = emptyProjectIdentity('p', 0);
    resolve(s, { anonymousId: 'anon' });
    resolve(s, { userId: 'u', anonymousId: 'other' });
    expect(resolve(s, { userId: 'u', previousId: 'anon' })).toMatchObject({ index: 1, mergedIndexes: [0] });
  });

  it('refuses erased ids unless the project allows re-identification', () => {
    const s = emptyProjectIdentity('p', 5);
    s.erased.add('a:gone');
    expect(resolveVisitor(s, input({ anonymousId: 'gone' }))).toEqual({ kind: 'erased' });
    expect(resolveVisitor(s, input({ anonymousId: 'gone', allowReidentify: true }))).toMatchObject({ index: 5, isNewVisitor: true });
  });

  it('property: every id resolves to one live visitor, and indexes stay dense', () => {
    const ev = fc.record({
      userId: fc.option(fc.constantFrom('u1', 'u2', 'u3'), { nil: null }),
      anonymousId: fc.option(fc.constantFrom('a1', 'a2', 'a3', 'a4'), { nil: null }),
      previousId: fc.option(fc.constantFrom('a1', 'a2', 'u1'), { nil: null }),
      fingerprint: fc.option(fc.constantFrom('f1', 'f2'), { nil: null }),
    });
    fc.assert(
      fc.property(fc.array(ev, { minLength: 1, maxLength: 40 }), (events) => {
        const s = emptyProjectIdentity('p', 0);
        for (const e of events) {
          if (!e.userId && !e.anonymousId && !e.fingerprint) continue;
          const out = resolve(s, { ...e, previousId: e.userId ? e.previousId : null });
          expect(s.visitors.get(out.index)!.mergedInto).toBeNull();
          for (const m of out.mergedIndexes) expect(s.visitors.get(m)!.mergedInto).toBe(out.index);
        }
        for (const index of s.aliases.values()) expect(s.visitors.get(index)!.mergedInto).toBeNull();
        expect([...s.visitors.keys()].sort((a, b) => a - b)).toEqual(Array.from({ length: s.nextIndex }, (_, i) => i));
        const users = [...s.visitors.values()].filter((v) => v.mergedInto === null && v.userId).map((v) => v.userId);
        expect(new Set(users).size).toBe(users.length);
      }),
    );
  });
});
