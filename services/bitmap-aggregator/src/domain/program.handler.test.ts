import { exprLimitError, exprSchema } from './expression.handler';
import { projectKeys } from './keys.handler';
import { ProgramBuilder, programCost, sliceProgram } from './program.handler';

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
    expect(steps.map((s) => s[0])).toEqual(['andnot', 'and', 'countnot']);
    const [, , active, isNew] = steps[0] as [string, number, number, number];
    expect([names[active - 1], names[isNew - 1]]).toEqual(['t:{p:p1}:b:2026-11-01:$active', 't:{p:p1}:b:2026-11-01:$new']);
    expect(names[(steps[2] as number[])[3]! - 1]).toBe('t:{p:p1}:merged');
    expect(programCost(b.build())).toBe(4 + 2 + 5);
  });

  it('reads a day-only dimension from week keys only from the first complete week on', () => {
    const range = { fromMs: day(2), toMs: day(23) }; // Mon 2 to Sun 22 November 2026
    const sources = (b: ProgramBuilder) => (b.build().steps[0]!.slice(2) as number[]).map((i) => b.build().keys[i - 1]!.slice('t:{p:p1}:b:'.length));
    const noWeeks = new ProgramBuilder(keys, 'x');
    noWeeks.union('page:/a', range);
    expect(sources(noWeeks)).toHaveLength(21);
    const weeks = new ProgramBuilder(keys, 'x', day(9));
    weeks.union('page:/a', range);
    expect(sources(weeks)).toEqual([...Array.from({ length: 7 }, (_, i) => `2026-11-0${i + 2}:page:/a`), 'w2026-11-09:page:/a', 'w2026-11-16:page:/a']);
    // Dimensions with hour keys have no week keys.
    const active = new ProgramBuilder(keys, 'x', 0);
    active.union('$active', range);
    expect(sources(active).some((k) => k.startsWith('w'))).toBe(false);
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
