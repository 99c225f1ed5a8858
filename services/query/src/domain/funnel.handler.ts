/**
 * Exact funnel evaluation, pure. The store hands over, per (merged) visitor, the events that
 * match at least one step, sorted by (time, messageId); see docs/funnels.md for the semantics.
 */
export type FunnelOrder = 'strict' | 'sequential' | 'any';

export interface FunnelSpec {
  stepCount: number;
  windowMs: number;
  order: FunnelOrder;
  /** Step 1 must happen in [fromMs, toMs). */
  fromMs: number;
  toMs: number;
}

/**
 * One person's step events in order, `times[start..end)`; `bits[i]` has bit k set when event i
 * matches step k. (Ranges into shared arrays: a funnel evaluates up to millions of persons.)
 */
export interface VisitorEvents {
  visitor: number;
  times: ArrayLike<number>;
  bits: ArrayLike<number>;
  start?: number;
  end?: number;
}

export interface VisitorOutcome {
  visitor: number;
  /** Steps reached by the best attempt (0 when the visitor never entered). */
  depth: number;
  /** Time each step was reached in the best attempt (`reach[0]` = entry). */
  reach: number[];
  /** Position (in the arrays given) of the best attempt's entry event. */
  entry: number;
}

/**
 * Writes the times each step is reached by the attempt entering at `start` into `reach` and
 * returns its depth. (Into a reused scratch array: a funnel runs millions of attempts.)
 */
function attempt(ev: VisitorEvents, start: number, n: number, spec: FunnelSpec, reach: Float64Array): number {
  const t0 = ev.times[start]!;
  reach[0] = t0;
  if (spec.order === 'any') {
    for (let k = 1; k < spec.stepCount; k++) {
      let found = -1;
      for (let j = start + 1; j < n && ev.times[j]! - t0 <= spec.windowMs; j++) {
        if (ev.bits[j]! & (1 << k)) {
          found = j;
          break;
        }
      }
      if (found < 0) return k;
      reach[k] = Math.max(reach[k - 1]!, ev.times[found]!);
    }
    return spec.stepCount;
  }
  let pos = start;
  for (let k = 1; k < spec.stepCount; k++) {
    let next = -1;
    for (let j = pos + 1; j < n && ev.times[j]! - t0 <= spec.windowMs; j++) {
      if (spec.order === 'strict') {
        // The next event that is a step of this funnel must be step k, or the attempt ends.
        if (ev.bits[j]! !== 0) {
          if (ev.bits[j]! & (1 << k)) next = j;
          break;
        }
      } else if (ev.bits[j]! & (1 << k)) {
        next = j;
        break;
      }
    }
    if (next < 0) return k;
    reach[k] = ev.times[next]!;
    pos = next;
  }
  return spec.stepCount;
}

/** A person's best attempt: steps reached, position of its entry, `reach[0..depth)`. */
export interface BestAttempt {
  depth: number;
  entry: number;
  reach: Float64Array;
}

export function newBestAttempt(stepCount: number): BestAttempt {
  return { depth: 0, entry: -1, reach: new Float64Array(stepCount) };
}

let spare: Float64Array = new Float64Array(20);

/**
 * Every occurrence of step 1 in range is an entry; the visitor keeps the best attempt, written
 * into `out` (no allocation: a funnel evaluates up to millions of persons).
 */
export function bestAttempt(ev: VisitorEvents, spec: FunnelSpec, out: BestAttempt): void {
  if (spare.length < spec.stepCount) spare = new Float64Array(spec.stepCount);
  if (out.reach.length < spec.stepCount) out.reach = new Float64Array(spec.stepCount);
  let current = spare;
  let kept = out.reach;
  let depth = 0;
  let entry = -1;
  const end = ev.end ?? ev.times.length;
  for (let i = ev.start ?? 0; i < end; i++) {
    const t = ev.times[i]!;
    if (!(ev.bits[i]! & 1) || t < spec.fromMs || t >= spec.toMs) continue;
    const d = attempt(ev, i, end, spec, current);
    // Deeper wins; at equal depth the faster attempt; at equal speed the earlier entry (kept).
    if (d > depth || (d === depth && current[d - 1]! - current[0]! < kept[d - 1]! - kept[0]!)) {
      const swap = kept;
      kept = current;
      current = swap;
      depth = d;
      entry = i;
    }
    if (depth === spec.stepCount && kept[depth - 1] === kept[0]) break;
  }
  spare = current;
  out.reach = kept;
  out.depth = depth;
  out.entry = entry;
}

export function evaluateVisitor(ev: VisitorEvents, spec: FunnelSpec): VisitorOutcome {
  const out = newBestAttempt(spec.stepCount);
  bestAttempt(ev, spec, out);
  return outcomeOf(ev.visitor, out);
}

export function outcomeOf(visitor: number, b: BestAttempt): VisitorOutcome {
  const reach = new Array<number>(b.depth);
  for (let k = 0; k < b.depth; k++) reach[k] = b.reach[k]!;
  return { visitor, depth: b.depth, reach, entry: b.entry };
}

export interface StepSummary {
  event: string;
  entered: number;
  count: number;
  conversionRate: number;
  overallConversionRate: number;
  medianSecondsToConvert: number | null;
  p90SecondsToConvert: number | null;
}

/** Nearest-rank percentile of a sorted list. */
export function percentile(sorted: number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)]!;
}

/** Step counts and times to convert, added to person by person (no per-person objects kept). */
export interface StepTally {
  counts: number[];
  deltas: number[][];
}

export function newTally(stepCount: number): StepTally {
  return { counts: new Array<number>(stepCount).fill(0), deltas: Array.from({ length: stepCount }, () => []) };
}

export function tally(t: StepTally, depth: number, reach: ArrayLike<number>): void {
  for (let k = 0; k < depth; k++) {
    t.counts[k]!++;
    if (k > 0) t.deltas[k]!.push((reach[k]! - reach[k - 1]!) / 1000);
  }
}

export function summarize(outcomes: VisitorOutcome[], stepNames: string[]): StepSummary[] {
  const t = newTally(stepNames.length);
  for (const o of outcomes) tally(t, o.depth, o.reach);
  return summaryOf(t, stepNames);
}

export function summaryOf(t: StepTally, stepNames: string[]): StepSummary[] {
  const { counts, deltas } = t;
  const ratio = (a: number, b: number) => (b === 0 ? 0 : a / b);
  return stepNames.map((event, k) => {
    const sorted = deltas[k]!.sort((a, b) => a - b);
    const entered = k === 0 ? counts[0]! : counts[k - 1]!;
    return {
      event,
      entered,
      count: counts[k]!,
      conversionRate: ratio(counts[k]!, entered),
      overallConversionRate: ratio(counts[k]!, counts[0]!),
      medianSecondsToConvert: k === 0 ? null : percentile(sorted, 0.5),
      p90SecondsToConvert: k === 0 ? null : percentile(sorted, 0.9),
    };
  });
}

export const OTHER = '$other';

/**
 * The breakdown of persons tallied by value (each tally holds only entered persons): the top
 * `limit` values by step-1 count (ties by value, null last), the rest folded into `$other`.
 */
export function breakdownOfTallies(groups: Map<string | null, StepTally>, stepNames: string[], limit: number): Array<{ value: string | null; steps: StepSummary[] }> {
  const ranked = [...groups.entries()].filter(([, t]) => t.counts[0]! > 0).sort((a, b) => b[1].counts[0]! - a[1].counts[0]! || compareValues(a[0], b[0]));
  const top = ranked.slice(0, limit).map(([value, t]) => ({ value, steps: summaryOf(t, stepNames) }));
  const rest = ranked.slice(limit);
  if (rest.length) {
    const other = newTally(stepNames.length);
    for (const [, t] of rest) {
      t.counts.forEach((c, k) => (other.counts[k]! += c));
      t.deltas.forEach((d, k) => {
        for (const x of d) other.deltas[k]!.push(x);
      });
    }
    top.push({ value: OTHER, steps: summaryOf(other, stepNames) });
  }
  return top;
}

function compareValues(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  return a < b ? -1 : 1;
}

/** Visitors who reached `step` (converted) or reached `step - 1` but not `step` (dropped); 1-based. */
export function visitorsAt(outcomes: VisitorOutcome[], step: number, kind: 'converted' | 'dropped', after: number | null, limit: number) {
  const wanted = outcomes
    .filter((o) => (kind === 'converted' ? o.depth >= step : o.depth === step - 1 && o.depth > 0))
    .map((o) => o.visitor)
    .filter((v) => after === null || v > after)
    .sort((a, b) => a - b);
  const page = wanted.slice(0, limit);
  return { visitors: page, hasMore: wanted.length > limit };
}
