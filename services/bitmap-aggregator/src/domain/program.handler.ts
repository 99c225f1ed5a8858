import { ACTIVE, EXIT_OPEN, isDayOnly } from './dimensions.handler';
import { ceilTo, floorTo } from './time-buckets.handler';

const EXIT_PAGE_PREFIX = 'exitPage:';
import type { Expr } from './expression.handler';
import type { ProjectKeys } from './keys.handler';
import { coverRange, type LocalRange } from './range.handler';
import { coverDays } from './time-buckets.handler';

/**
 * A query compiled to a list of BITOP/BITCOUNT steps that one Lua script runs on the project's
 * shard. Key references are 1-based indexes into the script's KEYS. Step kinds:
 * `or|and dst src…`, `andnot dst a b` (a AND NOT b, via AND then XOR so no NOT-length issue),
 * `count src`, `countnot dst a b` (the count of a AND NOT b: BITCOUNT a alone when b has no bit set,
 * else `andnot dst a b` and its count), `get src`, `hsum field key…`.
 */
export type Step = [op: 'or' | 'and', dst: number, ...src: number[]] | ['andnot', number, number, number] | ['countnot', number, number, number] | ['count', number] | ['get', number] | ['hsum', string, ...number[]];

export interface Program {
  keys: string[];
  temps: number[];
  steps: Step[];
}

/**
 * The read cost model (docs/aggregator-api.md, "Read cost"): the bitmap operands Redis reads.
 * A BITOP OR/AND reads each source once; an and-not is two BITOPs of two operands each; a
 * BITCOUNT or GET reads one; an hsum reads one hash per covering bucket. So a retention cell
 * (AND cohort+active, AND-NOT merged, BITCOUNT) costs 7, a 1-day unique count about 5.
 */
export function stepCost(step: Step): number {
  switch (step[0]) {
    case 'or':
    case 'and':
      return step.length - 2;
    case 'andnot':
      return 4;
    case 'countnot':
      // As the and-not and the count it stands for: the bound does not depend on the data.
      return 5;
    case 'hsum':
      return step.length - 2;
    default:
      return 1;
  }
}

export function programCost(program: Program): number {
  let cost = 0;
  for (const step of program.steps) cost += stepCost(step);
  return cost;
}

/** One script call's share of a program: its own KEYS (only the ones its steps name) and steps re-indexed into them. */
export interface Slice {
  keys: string[];
  steps: Step[];
  cost: number;
  /** The slice's KEYS indexes of the temps no later slice reads: the script deletes them at its end. */
  drop: number[];
}

/** The step that last names each temp (global key index → step index). */
function lastUses(program: Program): Map<number, number> {
  const temps = new Set(program.temps);
  const last = new Map<number, number>();
  program.steps.forEach((step, i) => {
    for (const ref of step[0] === 'hsum' ? [] : (step.slice(1) as number[])) if (temps.has(ref)) last.set(ref, i);
  });
  return last;
}

/**
 * Cuts a program into consecutive slices of at most `maxCost` operands each (a single step
 * costlier than that is a slice of its own), so no one script holds single-threaded Redis for
 * long: between two slices other clients' commands run. A temp written in one slice and read
 * in a later one is an ordinary key in between (same hash tag, same shard). Lazily, one slice
 * at a time, so a big program is not cut up in one go while other requests wait.
 */
export function* sliceProgram(program: Program, maxCost: number): Generator<Slice> {
  const last = lastUses(program);
  let current: { index: Map<number, number>; slice: Slice } | null = null;
  for (const [at, step] of program.steps.entries()) {
    const cost = stepCost(step);
    if (!current || (current.slice.cost > 0 && current.slice.cost + cost > maxCost)) {
      if (current) yield current.slice;
      current = { index: new Map(), slice: { keys: [], steps: [], cost: 0, drop: [] } };
    }
    const { index, slice } = current;
    const local = (global: number): number => {
      let i = index.get(global);
      if (i === undefined) {
        slice.keys.push(program.keys[global - 1]!);
        i = slice.keys.length;
        index.set(global, i);
      }
      return i;
    };
    slice.steps.push(step[0] === 'hsum' ? ['hsum', step[1], ...(step.slice(2) as number[]).map(local)] : ([step[0], ...(step.slice(1) as number[]).map(local)] as Step));
    slice.cost += cost;
    if (step[0] !== 'hsum') for (const ref of new Set(step.slice(1) as number[])) if (last.get(ref) === at) slice.drop.push(local(ref));
  }
  if (current) yield current.slice;
}

export class ProgramBuilder {
  private readonly keyIndex = new Map<string, number>();
  private readonly program: Program = { keys: [], temps: [], steps: [] };
  private readonly unions = new Map<string, number>();
  private tempCount = 0;
  /** Number of values the script will return (one per count/get/hsum step). */
  results = 0;
  /** True once a day-only dimension was read over a range that does not start and end at local midnight. */
  dayRounded = false;

  constructor(
    private readonly keys: ProjectKeys,
    private readonly tempId: string,
    /** Local ms of the first complete week bucket (ProjectKeys.weeksFrom); Infinity reads no weeks. */
    private readonly weeksFrom = Infinity,
  ) {}

  key(name: string): number {
    let index = this.keyIndex.get(name);
    if (index === undefined) {
      this.program.keys.push(name);
      index = this.program.keys.length;
      this.keyIndex.set(name, index);
    }
    return index;
  }

  temp(): number {
    const index = this.key(this.keys.temp(`${this.tempId}:${this.tempCount++}`));
    this.program.temps.push(index);
    return index;
  }

  /**
   * The visitors with `dim` anywhere in the range: OR of the covering buckets (memoised). A
   * day-only dimension (no hour or minute keys) is read over the range's whole local days, among
   * the visitors active in the range itself: `page:/x` over 10:00–12:00 = active then and on
   * /x that day.
   */
  union(dim: string, range: LocalRange): number {
    const memo = `${dim}\u0000${range.fromMs}\u0000${range.toMs}`;
    const known = this.unions.get(memo);
    if (known !== undefined) return known;
    if (isDayOnly(dim)) {
      const days = { fromMs: floorTo(range.fromMs, 'day'), toMs: ceilTo(range.toMs, 'day') };
      if (days.fromMs !== range.fromMs || days.toMs !== range.toMs) {
        this.dayRounded = true;
        const index = this.and([this.union(dim, days), this.union(ACTIVE, range)]);
        this.unions.set(memo, index);
        return index;
      }
    }
    // Day-only dimensions are kept in day, week and month buckets, and read over whole days here (docs/bitmaps.md).
    const buckets = isDayOnly(dim) ? coverDays(range.fromMs, range.toMs, this.weeksFrom) : coverRange(range);
    const sources = buckets.map((b) => this.key(this.keys.bitmap(dim, b.label)));
    // An exit page is the ended sessions' bits and the open sessions' (docs/bitmaps.md, "Exit pages").
    if (dim.startsWith(EXIT_PAGE_PREFIX)) {
      const open = `${EXIT_OPEN}:${dim.slice(EXIT_PAGE_PREFIX.length)}`;
      for (const b of buckets) sources.push(this.key(this.keys.bitmap(open, b.label)));
    }
    let index: number;
    if (sources.length === 1) index = sources[0]!;
    else {
      index = this.temp();
      if (sources.length > 0) this.program.steps.push(['or', index, ...sources]);
    }
    this.unions.set(memo, index);
    return index;
  }

  expr(expr: Expr, range: LocalRange): number {
    if ('dim' in expr) return this.union(expr.dim, range);
    if ('not' in expr) return this.andNot(this.union(ACTIVE, range), this.expr(expr.not, range));
    const parts = ('and' in expr ? expr.and : expr.or).map((e) => this.expr(e, range));
    if (parts.length === 1) return parts[0]!;
    const dst = this.temp();
    this.program.steps.push(['and' in expr ? 'and' : 'or', dst, ...parts]);
    return dst;
  }

  and(parts: number[]): number {
    if (parts.length === 1) return parts[0]!;
    const dst = this.temp();
    this.program.steps.push(['and', dst, ...parts]);
    return dst;
  }

  andNot(a: number, b: number): number {
    const dst = this.temp();
    this.program.steps.push(['andnot', dst, a, b]);
    return dst;
  }

  /** Visitors of `set` that were not merged into someone else. */
  people(set: number): number {
    return this.andNot(set, this.key(this.keys.merged));
  }

  /** Adds a unique count of `set` (merged visitors excluded); returns its result position. */
  countPeople(set: number): number {
    this.program.steps.push(['countnot', this.temp(), set, this.key(this.keys.merged)]);
    return this.results++;
  }

  getPeople(set: number): number {
    this.program.steps.push(['get', this.people(set)]);
    return this.results++;
  }

  /** Adds an exact total of `dim` over the range. */
  total(dim: string, range: LocalRange): number {
    this.program.steps.push(['hsum', dim, ...coverRange(range).map((b) => this.key(this.keys.totals(b.label)))]);
    return this.results++;
  }

  build(): Program {
    return this.program;
  }
}
