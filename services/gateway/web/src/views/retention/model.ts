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

const LIGHT = [
  [0xee, 0xf4, 0xff],
  [0x93, 0xb4, 0xf5],
];
const DARK = [
  [0x3b, 0x6f, 0xe0],
  [0x1e, 0x3a, 0x8a],
];

/**
 * Background and text colour of a cell with `share` (0..1): pale blues with dark text below half,
 * deep blues with white text from half, so every cell keeps a 4.5:1 contrast (no mid-tone where
 * neither text colour would).
 */
export function heat(share: number): { background: string; color: string } {
  const t = Math.max(0, Math.min(1, share));
  const [from, to] = t < 0.5 ? LIGHT : DARK;
  const u = t < 0.5 ? t / 0.5 : (t - 0.5) / 0.5;
  const bg = from!.map((c, i) => Math.round(c + (to![i]! - c) * u));
  return { background: `rgb(${bg.join(', ')})`, color: t < 0.5 ? '#111827' : '#ffffff' };
}
