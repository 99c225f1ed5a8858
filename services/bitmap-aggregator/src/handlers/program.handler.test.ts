import { exprLimitError, exprSchema } from './expression.handler';
import { projectKeys } from './keys.handler';
import { ProgramBuilder } from './program.handler';

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
