import { ACTIVE, EXIT_OPEN, isDayOnly } from './dimensions.handler';
import { ceilTo, floorTo } from './time-buckets.handler';

const EXIT_PAGE_PREFIX = 'exitPage:';
import type { Expr } from './expression.handler';
import type { ProjectKeys } from './keys.handler';
import { coverRange, type LocalRange } from './range.handler';

/**
 * A query compiled to a list of BITOP/BITCOUNT steps that one Lua script runs on the project's
 * shard. Key references are 1-based indexes into the script's KEYS. Step kinds:
 * `or|and dst src…`, `andnot dst a b` (a AND NOT b, via AND then XOR so no NOT-length issue),
 * `count src`, `get src`, `hsum field key…`.
 */
export type Step = [op: 'or' | 'and', dst: number, ...src: number[]] | ['andnot', number, number, number] | ['count', number] | ['get', number] | ['hsum', string, ...number[]];

export interface Program {
  keys: string[];
  temps: number[];
  steps: Step[];
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
    // Day-only dimensions are kept in day and month buckets (docs/bitmaps.md).
    const buckets = coverRange(range, isDayOnly(dim) ? 'month' : 'year');
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
    this.program.steps.push(['count', this.people(set)]);
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
