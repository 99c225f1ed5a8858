import { DIMENSION_VALUES_PER_DAY } from '@sightline/contracts';
import { durations, labelOf, toLocal, toUtc } from './time-buckets.handler';

/** The value every value past a kind's daily cap folds into. */
export const OTHER = '(other)';
export const DEFAULT_VALUE_CAP = DIMENSION_VALUES_PER_DAY.default;
/** The bounds a project's own cap must stay within (projects topic `dimensionValuesPerDay`). */
export const MIN_VALUE_CAP = DIMENSION_VALUES_PER_DAY.min;
export const MAX_VALUE_CAP = DIMENSION_VALUES_PER_DAY.max;
/** A day's admitted values are kept this long after the day ends: late events still find them. */
const ADMITTED_KEPT_MS = 2 * durations.DAY;

/**
 * The kind a dimension counts in against the cap: `trait:<key>` for a trait, the part before
 * the colon otherwise; null for dimensions with a fixed, small set of values ($active, $new,
 * $bot, device).
 */
export function capKindOf(dim: string): string | null {
  if (dim.charCodeAt(0) === 36 /* $ */ || dim.startsWith('device:')) return null;
  if (dim.startsWith('trait:')) {
    const eq = dim.indexOf('=');
    return eq < 0 ? null : dim.slice(0, eq);
  }
  const colon = dim.indexOf(':');
  return colon < 0 ? null : dim.slice(0, colon);
}

/** The `(other)` dimension of a kind. */
export function otherOf(kind: string): string {
  return kind.startsWith('trait:') ? `${kind}=${OTHER}` : `${kind}:${OTHER}`;
}

/** The local day label of an instant, looked up per quarter hour (zone offsets change on quarter hours). */
export function dayLabeler(timeZone: string): (utcMs: number) => string {
  const known = new Map<number, string>();
  return (utcMs) => {
    const slot = Math.floor(utcMs / (15 * durations.MINUTE));
    let label = known.get(slot);
    if (label === undefined) known.set(slot, (label = labelOf(toLocal(utcMs, timeZone), 'day')));
    return label;
  };
}

/**
 * When a day's set of admitted values may go (epoch seconds): two days after the day ends, and
 * never within a day from now, so that a replay of old events is capped like the live stream.
 */
export function admittedExpiry(dayLabel: string, timeZone: string, nowMs: number): number {
  const afterDay = toUtc(Date.parse(`${dayLabel}T00:00:00Z`) + durations.DAY, timeZone) + ADMITTED_KEPT_MS;
  return Math.ceil(Math.max(afterDay, nowMs + durations.DAY) / 1000);
}

/**
 * What this process already knows of the admissions: `project \t day \t dim` → admitted or not. Both are
 * final for the day (a value once admitted stays; a full day's set never shrinks), so only
 * unknown pairs go to Redis. Bounded: cleared when it grows past `maxEntries`.
 */
export class AdmissionCache {
  private readonly known = new Map<string, boolean>();
  constructor(private readonly maxEntries = 200_000) {}

  /** `scope` names the project (its key prefix). */
  get(scope: string, day: string, dim: string): boolean | undefined {
    return this.known.get(`${scope}\t${day}\t${dim}`);
  }

  set(scope: string, day: string, dim: string, admitted: boolean): void {
    if (this.known.size >= this.maxEntries) this.known.clear();
    this.known.set(`${scope}\t${day}\t${dim}`, admitted);
  }
}
