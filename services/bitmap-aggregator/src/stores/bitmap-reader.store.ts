import { randomUUID } from 'node:crypto';
import { ACTIVE, isDayOnly, NEW } from '../domain/dimensions.handler';
import type { Expr } from '../domain/expression.handler';
import { projectKeys, type ProjectKeys } from '../domain/keys.handler';
import { programCost, ProgramBuilder, sliceProgram, stepCost, type Program } from '../domain/program.handler';
import { alignRange, coverRange, finestKept, seriesPieces, type LocalRange, type ProjectSettings } from '../domain/range.handler';
import { ceilTo, coverDays, floorTo, labelOf, nextStart, toLocal, toUtc, type Interval } from '../domain/time-buckets.handler';
import { capKindOf, DEFAULT_VALUE_CAP } from '../domain/value-cap.handler';
import type { BitmapScripts, RedisClient } from './redis-client.store';

export interface RangeQuery {
  from: Date;
  to: Date;
  interval?: Interval | undefined;
}

export interface CountSeries {
  total: number;
  series?: Array<{ start: string; count: number }>;
  /** A day-only dimension (page, referrer …) was read over whole local days among the range's visitors. */
  dayRounded?: true;
}

export interface Cohort {
  start: string;
  size: number;
  retained: number[];
}

export const MAX_SERIES_POINTS = 5000;
const MAX_BREAKDOWN_VALUES = 2000;

/** Per-read bounds (config READ_MAX_COST, READ_SLICE_COST; docs/aggregator-api.md "Read cost"). */
export interface ReadLimits {
  /** Most operands (stepCost) one read may cost; a costlier read is a 400 before any bitmap work. */
  maxCost: number;
  /** Most operands one script call runs; a bigger read is several calls, other commands run between them. */
  sliceCost: number;
  /**
   * Steps a read's program may grow by before its build lets the event loop run (other requests
   * of this worker) and checks the bound so far: a long retention's program took ~100 ms to build
   * in one go, and a refused one was built whole before it was refused.
   */
  buildChunk?: number;
}

const DEFAULT_BUILD_CHUNK = 2000;
export const DEFAULT_READ_LIMITS: ReadLimits = { maxCost: 60_000, sliceCost: 200, buildChunk: DEFAULT_BUILD_CHUNK };

/** A read whose cost is over READ_MAX_COST: the count API answers 400 naming `field`. */
export class ReadCostError extends Error {
  constructor(
    readonly field: string,
    readonly cost: number,
    readonly limit: number,
    /** The build stopped once over the limit: the whole read costs more than `cost`. */
    readonly atLeast = false,
  ) {
    super(`read cost ${cost}${atLeast ? '+' : ''} is over the limit of ${limit} (bitmap operands: keys read per bucket cover × cells, see docs/security.md, "Read cost bounds"); narrow the range, the interval, the periods or the filter`);
  }
}

/** What the reader did, for tests and metrics: script calls, the costliest slice, reads refused. */
export interface ReadStats {
  scriptCalls: number;
  maxSliceCost: number;
  maxSliceKeys: number;
  refused: number;
}

/** Answers every count with Lua scripts on the project's shard, a bounded slice of the read per call. */
export function createBitmapReader(client: RedisClient, scripts: BitmapScripts, prefix: string, now: () => number = Date.now, limits: ReadLimits = DEFAULT_READ_LIMITS) {
  const stats: ReadStats = { scriptCalls: 0, maxSliceCost: 0, maxSliceKeys: 0, refused: 0 };
  /** Per project, ProjectKeys.weeksFrom once set (it never changes then); unset: read no week keys. */
  const weeksFromOf = new Map<string, number>();
  async function weeksFrom(projectId: string): Promise<number> {
    const known = weeksFromOf.get(projectId);
    if (known !== undefined) return known;
    const value = await client.get(projectKeys(prefix, projectId).weeksFrom);
    if (value === null) return Infinity;
    weeksFromOf.set(projectId, Number(value));
    if (weeksFromOf.size > 100_000) weeksFromOf.clear();
    return Number(value);
  }

  /**
   * Drives a build that is a generator (a retention, a breakdown, a series yields after each row,
   * value or point): every `buildChunk` steps the event loop runs and the cost so far is checked,
   * so a big read neither blocks this worker while it is built nor is built whole to be refused.
   */
  async function buildInChunks(program: Program, rows: Iterable<unknown>, field: () => string): Promise<void> {
    const chunk = limits.buildChunk ?? DEFAULT_BUILD_CHUNK;
    let [counted, cost] = [0, 0];
    for (const next = rows[Symbol.iterator](); !next.next().done; ) {
      if (program.steps.length - counted < chunk) continue;
      for (; counted < program.steps.length; counted++) cost += stepCost(program.steps[counted]!);
      if (cost > limits.maxCost) {
        stats.refused++;
        throw new ReadCostError(field(), cost, limits.maxCost, true);
      }
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  /** Builds the whole program (no Redis work), refuses it when over the bound, then runs it slice by slice. */
  async function run(projectId: string, fieldOf: string | (() => string), build: (b: ProgramBuilder) => void | Iterable<unknown>): Promise<Array<number | Buffer> & { dayRounded?: boolean }> {
    const field = () => (typeof fieldOf === 'string' ? fieldOf : fieldOf());
    const builder = new ProgramBuilder(projectKeys(prefix, projectId), randomUUID(), await weeksFrom(projectId));
    const program = builder.build();
    const rows = build(builder);
    if (rows) await buildInChunks(program, rows, field);
    const cost = programCost(program);
    if (cost > limits.maxCost) {
      stats.refused++;
      throw new ReadCostError(field(), cost, limits.maxCost);
    }
    const results: Array<number | Buffer> & { dayRounded?: boolean } = [];
    try {
      // Each script deletes the temps no later slice reads: a one-slice read is one round trip.
      for (const slice of sliceProgram(program, limits.sliceCost)) {
        stats.scriptCalls++;
        stats.maxSliceCost = Math.max(stats.maxSliceCost, slice.cost);
        stats.maxSliceKeys = Math.max(stats.maxSliceKeys, slice.keys.length);
        const out = await scripts.query(slice.keys, [JSON.stringify(slice.steps), ...slice.drop]);
        for (const value of out) results.push(value);
      }
    } catch (err) {
      // Temps of the slices that ran (they also expire in a minute).
      const temps = program.temps.map((i) => program.keys[i - 1]!);
      for (let i = 0; i < temps.length; i += 500) await client.del(...temps.slice(i, i + 500)).catch(() => 0);
      throw err;
    }
    if (builder.dayRounded) results.dayRounded = true;
    return results;
  }

  /**
   * The kind's values that occur in the range, most events first, at most MAX_BREAKDOWN_VALUES:
   * from the totals hashes of the buckets that cover the range (the whole local days for a
   * day-only kind), so a breakdown counts the range's values, not the first ones ever registered.
   */
  async function valuesIn(projectId: string, keys: ProjectKeys, range: LocalRange, dimPrefix: string, rankBy: string[]): Promise<string[]> {
    // A day-only kind's totals are in its day, week and month hashes too, and read over whole days.
    const buckets = isDayOnly(dimPrefix) ? coverDays(floorTo(range.fromMs, 'day'), ceilTo(range.toMs, 'day'), await weeksFrom(projectId)) : coverRange(range);
    const hashes = await Promise.all(buckets.map((b) => client.hgetall(keys.totals(b.label))));
    const events = new Map<string, number>();
    for (const hash of hashes) {
      for (const [field, n] of Object.entries(hash)) {
        for (const p of rankBy) if (field.length > p.length && field.startsWith(p)) events.set(field.slice(p.length), (events.get(field.slice(p.length)) ?? 0) + Number(n));
      }
    }
    return [...events]
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
      .slice(0, MAX_BREAKDOWN_VALUES)
      .map(([value]) => value);
  }

  /** Said in a reply when a day-only dimension was read over whole local days (see ProgramBuilder.union). */
  const rounded = (results: { dayRounded?: boolean }) => (results.dayRounded ? { dayRounded: true as const } : {});

  function pieces(q: RangeQuery, settings: ProjectSettings): { range: LocalRange; series?: ReturnType<typeof seriesPieces> } {
    const range = alignRange(q.from.getTime(), q.to.getTime(), settings, now());
    if (q.interval === 'minute' || q.interval === 'hour') {
      const kept = finestKept(q.from.getTime(), settings, now());
      // A series finer than what is kept at `from` would silently show zeros.
      if (kept === 'day' || (kept === 'hour' && q.interval === 'minute')) {
        const days = q.interval === 'minute' ? settings.minuteBucketDays : settings.hourBucketDays;
        throw new RangeError(`${q.interval} buckets are kept for ${days} days; use a coarser interval or a later from`);
      }
    }
    return { range, series: q.interval ? seriesPieces(range, q.interval, settings.timeZone, MAX_SERIES_POINTS) : undefined };
  }

  async function countSeries(projectId: string, q: RangeQuery, settings: ProjectSettings, field: string, add: (b: ProgramBuilder, range: LocalRange) => number): Promise<CountSeries> {
    const { range, series } = pieces(q, settings);
    let total = -1;
    const points: number[] = [];
    const results = await run(projectId, series ? 'interval' : field, function* (b) {
      total = add(b, range);
      for (const piece of series ?? []) {
        points.push(add(b, piece.range));
        yield;
      }
    });
    const at = (i: number) => Number(results[i] ?? 0);
    return series ? { total: at(total), series: series.map((p, i) => ({ start: p.start, count: at(points[i]!) })), ...rounded(results) } : { total: at(total), ...rounded(results) };
  }

  return {
    stats,
    limits,

    uniques(projectId: string, settings: ProjectSettings, q: RangeQuery, expr: Expr): Promise<CountSeries> {
      return countSeries(projectId, q, settings, 'expr', (b, range) => b.countPeople(b.expr(expr, range)));
    },

    totals(projectId: string, settings: ProjectSettings, q: RangeQuery, dim: string = ACTIVE): Promise<CountSeries> {
      return countSeries(projectId, q, settings, 'to', (b, range) => b.total(dim, range));
    },

    async breakdown(projectId: string, settings: ProjectSettings, q: RangeQuery, prefixDim: string, limit: number, expr: Expr): Promise<Breakdown> {
      const keys = projectKeys(prefix, projectId);
      const dimPrefix = prefixDim.startsWith('trait:') ? `${prefixDim}=` : `${prefixDim}:`;
      const { range } = pieces(q, settings);
      // Exit pages of open sessions have no totals; an exit page is a page viewed in the session.
      const [names, cappedDays] = await Promise.all([valuesIn(projectId, keys, range, dimPrefix, prefixDim === 'exitPage' ? [dimPrefix, 'page:'] : [dimPrefix]), client.smembers(keys.capped)]);
      let total = -1;
      // Over the bound with the filter alone, the filter is what to narrow.
      let costly = 'prefix';
      // The values with the most events, as many as the bound leaves room for: each costs what the
      // first did at most (the same cover; unions it shares are memoised), so a kind with thousands
      // of values over a long range is read in part, said in `truncated`, rather than refused.
      let read = names;
      const results = await run(projectId, () => costly, function* (b) {
        const among = b.expr(expr, range);
        total = b.countPeople(among);
        const base = programCost(b.build());
        if (base > limits.maxCost) costly = 'expr';
        // Every bit of a dimension is an event's, which also set `$active` in the same bucket (a
        // day-only one over part of a day is read among `$active` of the range, see union): among
        // the range's active visitors, a value's visitors are its union alone.
        const amongAll = 'dim' in expr && expr.dim === ACTIVE;
        for (const [i, value] of names.entries()) {
          const union = b.union(dimPrefix + value, range);
          b.countPeople(amongAll ? union : b.and([union, among]));
          if (i === 0) read = names.slice(0, Math.max(1, Math.floor((limits.maxCost - base) / (programCost(b.build()) - base))));
          if (i + 1 >= read.length) break;
          yield;
        }
      });
      const rows = read
        .map((value, i) => ({ value, uniques: Number(results[total + 1 + i] ?? 0) }))
        .filter((v) => v.uniques > 0)
        .sort((a, b) => b.uniques - a.uniques || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0))
        .slice(0, limit);
      const days = cappedDaysIn(cappedDays, capKindOf(dimPrefix), range);
      // A day-only kind is read over whole days even when none of its values occur in the range.
      const wholeDays = floorTo(range.fromMs, 'day') === range.fromMs && ceilTo(range.toMs, 'day') === range.toMs;
      if (isDayOnly(dimPrefix) && !wholeDays) results.dayRounded = true;
      const truncated = read.length < names.length ? { truncated: { valuesRead: read.length, valuesInRange: names.length } } : {};
      return { values: rows, total: Number(results[total] ?? 0), ...(days > 0 ? { capped: { limit: settings.valueCap ?? DEFAULT_VALUE_CAP, days } } : {}), ...truncated, ...rounded(results) };
    },

    /** Cohort i = new visitors of period i (matching `expr` in period i, when given); cell k = those of them active in period i + k. */
    async retention(projectId: string, settings: ProjectSettings, cohortInterval: 'day' | 'week' | 'month', from: Date, periods: number, expr?: Expr): Promise<Cohort[]> {
      const first = floorTo(toLocal(from.getTime(), settings.timeZone), cohortInterval);
      const bucket = (i: number): LocalRange => ({ fromMs: nextStart(first, cohortInterval, i), toMs: nextStart(first, cohortInterval, i + 1) });
      const cells: number[][] = [];
      const results = await run(projectId, 'periods', function* (b) {
        for (let i = 0; i < periods; i++) {
          const cohort = expr ? b.and([b.union(NEW, bucket(i)), b.expr(expr, bucket(i))]) : b.union(NEW, bucket(i));
          const row: number[] = [];
          for (let k = 0; i + k < periods; k++) row.push(b.countPeople(k === 0 ? cohort : b.and([cohort, b.union(ACTIVE, bucket(i + k))])));
          cells.push(row);
          yield;
        }
      });
      return cells.map((row, i) => {
        const retained = row.map((r) => Number(results[r] ?? 0));
        return { start: new Date(toUtc(bucket(i).fromMs, settings.timeZone)).toISOString(), size: retained[0] ?? 0, retained };
      });
    },

    /** The people matching `expr` in the range, as a bitmap (for the query service's session metrics). */
    async segment(projectId: string, settings: ProjectSettings, q: RangeQuery, expr: Expr): Promise<{ count: number; bitmap: Buffer; dayRounded?: true }> {
      const { range } = pieces(q, settings);
      let get = -1;
      let count = -1;
      const results = await run(projectId, 'expr', (b) => {
        const set = b.expr(expr, range);
        get = b.getPeople(set);
        count = b.countPeople(set);
      });
      const bitmap = results[get];
      return { count: Number(results[count] ?? 0), bitmap: Buffer.isBuffer(bitmap) ? bitmap : Buffer.from(String(bitmap ?? ''), 'latin1'), ...rounded(results) };
    },

    async candidates(projectId: string, settings: ProjectSettings, q: RangeQuery, dims: string[]): Promise<number[]> {
      const { range } = pieces(q, settings);
      const results = await run(projectId, 'dims', (b) => {
        b.getPeople(b.and(dims.map((d) => b.union(d, range))));
      });
      return bitsOf(results[0] as Buffer | undefined);
    },
  };
}

export type BitmapReader = ReturnType<typeof createBitmapReader>;

export interface Breakdown {
  values: Array<{ value: string; uniques: number }>;
  /** Unique visitors of the whole range and filter (a visitor counts once, not once per value). */
  total: number;
  /** Present when some local day of the range had more values of this kind than the cap: the rest are in `(other)`. */
  capped?: { limit: number; days: number };
  /** Present when READ_MAX_COST left room for only the `valuesRead` values with the most events in the range. */
  truncated?: { valuesRead: number; valuesInRange: number };
  dayRounded?: true;
}

/** Local days of the range on which the kind folded values into `(other)` (members `<kind>\t<day>`). */
function cappedDaysIn(members: string[], kind: string | null, range: LocalRange): number {
  if (!kind) return 0;
  const first = labelOf(floorTo(range.fromMs, 'day'), 'day');
  const last = labelOf(range.toMs - 1, 'day');
  let days = 0;
  for (const m of members) {
    const tab = m.lastIndexOf('\t');
    if (m.slice(0, tab) !== kind) continue;
    const day = m.slice(tab + 1);
    if (day >= first && day <= last) days++;
  }
  return days;
}

/** Positions of the set bits (Redis numbers bits from the most significant bit of byte 0). */
export function bitsOf(bitmap: Buffer | undefined): number[] {
  const out: number[] = [];
  if (!bitmap) return out;
  for (let byte = 0; byte < bitmap.length; byte++) {
    const value = bitmap[byte]!;
    if (value === 0) continue;
    for (let bit = 0; bit < 8; bit++) if (value & (0x80 >> bit)) out.push(byte * 8 + bit);
  }
  return out;
}
