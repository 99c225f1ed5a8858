import { exprLimitError, exprSchema } from './expression.handler';
import { projectKeys } from './keys.handler';
import { ProgramBuilder, sliceProgram } from './program.handler';

const keys = projectKeys('t:', 'p1');
const day = (d: number) => Date.UTC(2026, 10, d);

describe('query programs', () => {
  it('uses a single covering key directly and ORs multi-bucket covers into a temp', () => {
    const b = new ProgramBuilder(keys, 'x');
    const one = b.union('$active', { fromMs: day(1), toMs: day(2) });
    const many = b.union('$active', { fromMs: day(1), toMs: day(3) });
    const program = b.build();
    expect(program.keys[one - 1]).toBe('t:{p:p1}:b:2026-11-01:$active');
    expect(program.steps).toEqual([['or', many, b.key('t:{p:p1}:b:2026-11-01:$active'), b.key('t:{p:p1}:b:2026-11-02:$active')]]);
    expect(program.temps).toEqual([many]);
  });

  it('compiles not as $active AND NOT, and counts exclude merged visitors', () => {
    const b = new ProgramBuilder(keys, 'x');
    const range = { fromMs: day(1), toMs: day(2) };
    const position = b.countPeople(b.expr({ and: [{ dim: 'event:signup' }, { not: { dim: '$new' } }] }, range));
    const { steps, keys: names } = b.build();
    expect(position).toBe(0);
    expect(steps.map((s) => s[0])).toEqual(['andnot', 'and', 'andnot', 'count']);
    const [, , active, isNew] = steps[0] as [string, number, number, number];
    expect([names[active - 1], names[isNew - 1]]).toEqual(['t:{p:p1}:b:2026-11-01:$active', 't:{p:p1}:b:2026-11-01:$new']);
    expect(names[(steps[2] as number[])[3]! - 1]).toBe('t:{p:p1}:merged');
  });

  it('validates expressions and their size', () => {
    expect(exprSchema.safeParse({ and: [{ dim: 'event:a' }, { or: [{ dim: 'source:x' }] }] }).success).toBe(true);
    expect(exprSchema.safeParse({ dim: 'color:red' }).success).toBe(false);
    expect(exprSchema.safeParse({ and: [] }).success).toBe(false);
    expect(exprSchema.safeParse({ dim: '$active', extra: 1 }).success).toBe(false);
    let deep: object = { dim: '$active' };
    for (let i = 0; i < 9; i++) deep = { not: deep };
    expect(exprLimitError(deep as never)).toMatch(/deeper/);
  });
});

describe('program slices', () => {
  it('each temp is deleted once, by the slice of the last step that names it, and every slice stays within its cost', () => {
    const b = new ProgramBuilder(keys, 'x');
    const week = { fromMs: day(1), toMs: day(8) };
    const active = b.union('$active', week);
    for (let d = 1; d < 8; d++) b.countPeople(b.and([active, b.union('event:a', { fromMs: day(d), toMs: day(d + 2) })]));
    const program = b.build();
    const slices = [...sliceProgram(program, 8)];
    expect(slices.length).toBeGreaterThan(3);
    expect(Math.max(...slices.map((s) => s.cost))).toBeLessThanOrEqual(8);
    // Global step index of each slice's first step, and the last step naming each temp (the oracle, from the program itself).
    const firstStep = slices.map((_, i) => slices.slice(0, i).reduce((n, s) => n + s.steps.length, 0));
    const lastUse = new Map(program.temps.map((t) => [t, Math.max(...program.steps.flatMap((step, i) => (step.slice(1).includes(t) ? [i] : [])))]));
    const dropped = slices.flatMap((s, i) => s.drop.map((local) => ({ key: s.keys[local - 1]!, slice: i })));
    expect(dropped.map((d) => d.key).sort()).toEqual(program.temps.map((t) => program.keys[t - 1]!).sort());
    for (const { key, slice } of dropped) {
      const at = lastUse.get(program.keys.indexOf(key) + 1)!;
      expect(at).toBeGreaterThanOrEqual(firstStep[slice]!);
      expect(at).toBeLessThan(firstStep[slice]! + slices[slice]!.steps.length);
    }
  });
});
