import { ceilTo, cover, durations, floorTo, nextStart, toLocal, toUtc, type Bucket, type Granularity, type Interval } from './time-buckets.handler';

/** The parts of a project's config that the bitmaps depend on. */
export interface ProjectSettings {
  timeZone: string;
  minuteBucketDays: number;
  hourBucketDays: number;
  botFiltering: boolean;
  /** Distinct values per dimension kind and local day before `(other)`; DEFAULT_VALUE_CAP when unset. */
  valueCap?: number;
}

export const defaultSettings: ProjectSettings = { timeZone: 'UTC', minuteBucketDays: 2, hourBucketDays: 90, botFiltering: true };

/** The finest granularity whose bucket around `utcMs` is still kept at `nowMs`. */
export function finestKept(utcMs: number, settings: ProjectSettings, nowMs: number): Granularity {
  if (utcMs >= nowMs - settings.minuteBucketDays * durations.DAY + durations.MINUTE) return 'minute';
  if (utcMs >= nowMs - settings.hourBucketDays * durations.DAY + durations.HOUR) return 'hour';
  return 'day';
}

/** When a bucket that ends at `bucketEndUtc` expires (epoch seconds), or null when it is kept forever. */
export function expiryOf(granularity: Granularity, bucketEndUtc: number, settings: ProjectSettings): number | null {
  if (granularity === 'minute') return Math.ceil((bucketEndUtc + settings.minuteBucketDays * durations.DAY) / 1000);
  if (granularity === 'hour') return Math.ceil((bucketEndUtc + settings.hourBucketDays * durations.DAY) / 1000);
  return null;
}

export interface LocalRange {
  fromMs: number;
  toMs: number;
}

/** `[from, to)` in local ms, rounded outwards to the finest granularity still kept at each edge. */
export function alignRange(fromUtc: number, toUtc_: number, settings: ProjectSettings, nowMs: number): LocalRange {
  const fromMs = floorTo(toLocal(fromUtc, settings.timeZone), finestKept(fromUtc, settings, nowMs));
  const last = Math.max(fromUtc, toUtc_ - 1);
  const toMs = ceilTo(toLocal(toUtc_, settings.timeZone), finestKept(last, settings, nowMs));
  return { fromMs, toMs: Math.max(fromMs, toMs) };
}

export function coverRange(range: LocalRange, largest: Granularity = 'year'): Bucket[] {
  return cover(range.fromMs, range.toMs, largest);
}

export interface SeriesPiece {
  /** ISO start reported to the caller (the bucket start, or the range start for the first piece). */
  start: string;
  range: LocalRange;
}

/** One piece per `interval` bucket overlapping the range, clipped to it. */
export function seriesPieces(range: LocalRange, interval: Interval, timeZone: string, maxPieces: number): SeriesPiece[] {
  const pieces: SeriesPiece[] = [];
  for (let start = floorTo(range.fromMs, interval); start < range.toMs; start = nextStart(start, interval)) {
    if (pieces.length >= maxPieces) throw new RangeError(`more than ${maxPieces} series points`);
    const from = Math.max(start, range.fromMs);
    const to = Math.min(nextStart(start, interval), range.toMs);
    pieces.push({ start: new Date(toUtc(from, timeZone)).toISOString(), range: { fromMs: from, toMs: to } });
  }
  return pieces;
}
