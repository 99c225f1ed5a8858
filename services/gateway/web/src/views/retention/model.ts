// Retention arithmetic, pure for the unit tests: how many cohort periods the selected range holds,
// the weighted average row, and the heat-map colour of a share.

export type CohortInterval = 'day' | 'week' | 'month';
/** The aggregator's bound on periods per cohort interval (docs/aggregator-api.md). */
export const MAX_PERIODS: Record<CohortInterval, number> = { day: 400, week: 104, month: 36 };
const DAY = 86_400_000;

/** Cohort intervals that start in [from, to): days and weeks by length, months by calendar. */
export function periodsIn(fromIso: string, toIso: string, interval: CohortInterval): number {
  const from = Date.parse(fromIso);
  const to = Date.parse(toIso);
  if (!(to > from)) return 1;
  let n: number;
  if (interval === 'month') {
    const a = new Date(from);
    const b = new Date(to - 1);
    n = (b.getUTCFullYear() - a.getUTCFullYear()) * 12 + b.getUTCMonth() - a.getUTCMonth() + 1;
  } else n = Math.ceil((to - from) / (interval === 'day' ? DAY : 7 * DAY));
  return Math.max(1, Math.min(MAX_PERIODS[interval], n));
}

export interface Cohort {
  start: string;
  size: number;
  retained: number[];
}

/** Period k of the average: Σ retained[k] / Σ size over the cohorts that have reached period k. */
export function averageRow(cohorts: Cohort[]): { share: number | null; retained: number; size: number }[] {
  const n = Math.max(0, ...cohorts.map((c) => c.retained.length));
  return Array.from({ length: n }, (_, k) => {
    const have = cohorts.filter((c) => c.retained.length > k);
    const size = have.reduce((s, c) => s + c.size, 0);
    const retained = have.reduce((s, c) => s + c.retained[k]!, 0);
    return { share: size ? retained / size : null, retained, size };
  });
}

/** Background and text colour of a cell with `share` (0..1): pale to deep blue, white text when dark. */
export function heat(share: number): { background: string; color: string } {
  const t = Math.max(0, Math.min(1, share));
  const mix = (a: number, b: number) => Math.round(a + (b - a) * t);
  // #eef4ff → #1d4ed8
  const background = `rgb(${mix(0xee, 0x1d)}, ${mix(0xf4, 0x4e)}, ${mix(0xff, 0xd8)})`;
  return { background, color: t > 0.45 ? '#ffffff' : '#111827' };
}
