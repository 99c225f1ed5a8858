/**
 * Calendar buckets in a project's time zone. Everything here works on "local ms": the
 * project's wall-clock time written as if it were UTC, so that a local day is always
 * 86,400,000 ms and labels are slices of `toISOString()`. Bucket labels encode their
 * granularity by length: `2026` year, `2026-11` month, `2026-11-25` day, `2026-11-25T14`
 * hour, `2026-11-25T14:05` minute.
 */
export const GRANULARITIES = ['year', 'month', 'day', 'hour', 'minute'] as const;
export type Granularity = (typeof GRANULARITIES)[number];
export type Interval = Granularity | 'week';

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
const LABEL_LENGTH: Record<Granularity, number> = { year: 4, month: 7, day: 10, hour: 13, minute: 16 };

const formatters = new Map<string, Intl.DateTimeFormat>();
const offsets = new Map<string, Map<number, number>>();

export function isValidTimeZone(timeZone: string): boolean {
  try {
    formatterFor(timeZone);
    return true;
  } catch {
    return false;
  }
}

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric' });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** Offset of the zone at a UTC instant, in ms. Cached per quarter hour: zones only change offset on quarter hours. */
export function zoneOffsetMs(utcMs: number, timeZone: string): number {
  if (timeZone === 'UTC') return 0;
  let cache = offsets.get(timeZone);
  if (!cache) offsets.set(timeZone, (cache = new Map()));
  const slot = Math.floor(utcMs / (15 * MINUTE));
  const hit = cache.get(slot);
  if (hit !== undefined) return hit;
  const parts: Record<string, number> = {};
  for (const part of formatterFor(timeZone).formatToParts(slot * 15 * MINUTE)) if (part.type !== 'literal') parts[part.type] = Number(part.value);
  const wall = Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!);
  const offset = wall - slot * 15 * MINUTE;
  if (cache.size > 200_000) cache.clear();
  cache.set(slot, offset);
  return offset;
}

export function toLocal(utcMs: number, timeZone: string): number {
  return utcMs + zoneOffsetMs(utcMs, timeZone);
}

/** Inverse of `toLocal`; a wall time skipped by a DST jump maps to the instant just after it. */
export function toUtc(localMs: number, timeZone: string): number {
  const guess = localMs - zoneOffsetMs(localMs, timeZone);
  return localMs - zoneOffsetMs(guess, timeZone);
}

export function labelOf(localMs: number, granularity: Granularity): string {
  return new Date(localMs).toISOString().slice(0, LABEL_LENGTH[granularity]);
}

/** Labels of every granularity from the minute label (they are its prefixes). */
export function labelsOfMinute(minuteLabel: string): Record<Granularity, string> {
  return {
    year: minuteLabel.slice(0, 4),
    month: minuteLabel.slice(0, 7),
    day: minuteLabel.slice(0, 10),
    hour: minuteLabel.slice(0, 13),
    minute: minuteLabel,
  };
}

export function floorTo(localMs: number, interval: Interval): number {
  switch (interval) {
    case 'minute':
      return localMs - mod(localMs, MINUTE);
    case 'hour':
      return localMs - mod(localMs, HOUR);
    case 'day':
      return localMs - mod(localMs, DAY);
    case 'week': {
      const day = localMs - mod(localMs, DAY);
      return day - ((new Date(day).getUTCDay() + 6) % 7) * DAY;
    }
    case 'month': {
      const d = new Date(localMs);
      return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
    }
    case 'year':
      return Date.UTC(new Date(localMs).getUTCFullYear(), 0, 1);
  }
}

/** Start of the bucket after the one starting at `startMs` (which must be aligned). */
export function nextStart(startMs: number, interval: Interval, steps = 1): number {
  switch (interval) {
    case 'minute':
      return startMs + steps * MINUTE;
    case 'hour':
      return startMs + steps * HOUR;
    case 'day':
      return startMs + steps * DAY;
    case 'week':
      return startMs + steps * 7 * DAY;
    case 'month': {
      const d = new Date(startMs);
      return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + steps, 1);
    }
    case 'year':
      return Date.UTC(new Date(startMs).getUTCFullYear() + steps, 0, 1);
  }
}

export function ceilTo(localMs: number, interval: Interval): number {
  const floor = floorTo(localMs, interval);
  return floor === localMs ? floor : nextStart(floor, interval);
}

export interface Bucket {
  granularity: Granularity;
  label: string;
  startMs: number;
}

/**
 * The fewest aligned buckets that exactly tile `[fromMs, toMs)` (local ms, both minute-aligned):
 * greedy from the left, always the largest bucket that starts at the cursor and fits. The
 * calendar granularities nest, so greedy is optimal. `largest` leaves out coarser buckets
 * (day-only dimensions have no year keys).
 */
export function cover(fromMs: number, toMs: number, largest: Granularity = 'year'): Bucket[] {
  if (mod(fromMs, MINUTE) !== 0 || mod(toMs, MINUTE) !== 0) throw new Error('cover needs minute-aligned bounds');
  const buckets: Bucket[] = [];
  const granularities = GRANULARITIES.slice(GRANULARITIES.indexOf(largest));
  let cursor = fromMs;
  while (cursor < toMs) {
    for (const granularity of granularities) {
      if (floorTo(cursor, granularity) !== cursor) continue;
      const end = nextStart(cursor, granularity);
      if (end > toMs) continue;
      buckets.push({ granularity, label: labelOf(cursor, granularity), startMs: cursor });
      cursor = end;
      break;
    }
  }
  return buckets;
}

/**
 * Label of the local week (Monday to Sunday) around `localMs`: `w` and its Monday's day label,
 * `w2026-11-30`. The `w` keeps a week's keys out of any match on a day's label prefix.
 */
export function weekLabelOf(localMs: number): string {
  return `w${labelOf(floorTo(localMs, 'week'), 'day')}`;
}

/**
 * The fewest month, week and day buckets that exactly tile the whole local days `[fromMs, toMs)`,
 * weeks only from `weeksFrom` (local ms of a Monday; earlier weeks may be incomplete) on. Weeks
 * do not nest in months, so greedy is not optimal: a shortest path over the range's days (each
 * day an edge to the next; a Monday one to the next Monday, a 1st one to the next month).
 * 90 days are 11–15 buckets instead of month and day buckets' ~31.
 */
export interface DayOnlyBucket {
  granularity: 'month' | 'week' | 'day';
  label: string;
  startMs: number;
}

export function coverDays(fromMs: number, toMs: number, weeksFrom: number): DayOnlyBucket[] {
  if (mod(fromMs, DAY) !== 0 || mod(toMs, DAY) !== 0) throw new Error('coverDays needs whole local days');
  const n = (toMs - fromMs) / DAY;
  // best[i] = fewest buckets tiling the first i days; via[i] = the last of them.
  const best = new Array<number>(n + 1).fill(Infinity);
  const via = new Array<DayOnlyBucket | null>(n + 1).fill(null);
  best[0] = 0;
  for (let i = 0; i < n; i++) {
    const start = fromMs + i * DAY;
    const edges: Array<[DayOnlyBucket, number]> = [[{ granularity: 'day', label: labelOf(start, 'day'), startMs: start }, nextStart(start, 'day')]];
    if (start >= weeksFrom && floorTo(start, 'week') === start) edges.push([{ granularity: 'week', label: weekLabelOf(start), startMs: start }, nextStart(start, 'week')]);
    if (floorTo(start, 'month') === start) edges.push([{ granularity: 'month', label: labelOf(start, 'month'), startMs: start }, nextStart(start, 'month')]);
    for (const [bucket, end] of edges) {
      if (end > toMs) continue;
      const j = (end - fromMs) / DAY;
      if (best[i]! + 1 < best[j]!) [best[j], via[j]] = [best[i]! + 1, bucket];
    }
  }
  const buckets: DayOnlyBucket[] = [];
  for (let j = n; j > 0; ) {
    const bucket = via[j]!;
    buckets.push(bucket);
    j = (bucket.startMs - fromMs) / DAY;
  }
  return buckets.reverse();
}

function mod(a: number, b: number): number {
  return ((a % b) + b) % b;
}

export const durations = { MINUTE, HOUR, DAY };
