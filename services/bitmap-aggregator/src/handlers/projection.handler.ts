import { expiryOf, type ProjectSettings } from './range.handler';
import { durations, floorTo, GRANULARITIES, labelOf, labelsOfMinute, nextStart, toLocal } from './time-buckets.handler';
import type { ProjectKeys } from './keys.handler';

/** One event of one project, visitor already resolved to its surviving index. */
export interface ProjectedEvent {
  visitor: number;
  utcMs: number;
  dims: string[];
  /** visitorId / userId strings that name this visitor (for erasure lookups). */
  ids: string[];
}

/** Everything one batch of a project writes, grouped by key so each key is one command. */
export interface WritePlan {
  bits: Map<string, Set<number>>;
  totals: Map<string, Map<string, number>>;
  /** key → epoch seconds; minute and hour keys only. */
  expiries: Map<string, number>;
  visitorDims: Map<number, Set<number>>;
  visitorHours: Map<number, Set<number>>;
  ids: Map<string, number>;
}

export function emptyPlan(): WritePlan {
  return { bits: new Map(), totals: new Map(), expiries: new Map(), visitorDims: new Map(), visitorHours: new Map(), ids: new Map() };
}

/** Adds events to a plan; buckets already expired at `nowMs` are not written at all. */
export function planEvents(plan: WritePlan, events: ProjectedEvent[], keys: ProjectKeys, settings: ProjectSettings, dimIds: Map<string, number>, nowMs: number): WritePlan {
  for (const event of events) {
    const local = toLocal(event.utcMs, settings.timeZone);
    const labels = labelsOfMinute(labelOf(local, 'minute'));
    for (const granularity of GRANULARITIES) {
      const label = labels[granularity];
      const endLocal = nextStart(floorTo(local, granularity), granularity);
      const expiry = expiryOf(granularity, event.utcMs + (endLocal - local), settings);
      if (expiry !== null && expiry * 1000 <= nowMs) continue;
      const totalsKey = keys.totals(label);
      const totals = getOr(plan.totals, totalsKey, () => new Map<string, number>());
      if (expiry !== null) plan.expiries.set(totalsKey, expiry);
      for (const dim of event.dims) {
        const bitmapKey = keys.bitmap(dim, label);
        getOr(plan.bits, bitmapKey, () => new Set<number>()).add(event.visitor);
        totals.set(dim, (totals.get(dim) ?? 0) + 1);
        if (expiry !== null) plan.expiries.set(bitmapKey, expiry);
      }
    }
    const dimsOfVisitor = getOr(plan.visitorDims, event.visitor, () => new Set<number>());
    for (const dim of event.dims) dimsOfVisitor.add(dimIds.get(dim)!);
    getOr(plan.visitorHours, event.visitor, () => new Set<number>()).add(Math.floor(local / durations.HOUR));
    for (const id of event.ids) plan.ids.set(id, event.visitor);
  }
  return plan;
}

/**
 * Every bitmap key a visitor can have a bit in, from the dimensions and local hours it
 * touched: hour, day, month, year buckets of each hour, and the hour's minutes while minute
 * buckets are kept. Expired buckets are left out. Bounded work for merges and erasure.
 */
export function keysOfVisitor(dims: string[], hours: number[], keys: ProjectKeys, settings: ProjectSettings, nowMs: number): string[] {
  const labels = new Set<string>();
  for (const hour of hours) {
    const local = hour * durations.HOUR;
    const hourLabel = labelOf(local, 'hour');
    labels.add(hourLabel.slice(0, 4)).add(hourLabel.slice(0, 7)).add(hourLabel.slice(0, 10));
    // Hour numbers are local; the UTC end is within a day of it, so keep a day of slack.
    const approxEndUtc = local + durations.HOUR + durations.DAY;
    if (approxEndUtc + settings.hourBucketDays * durations.DAY > nowMs) labels.add(hourLabel);
    if (approxEndUtc + settings.minuteBucketDays * durations.DAY > nowMs) {
      for (let m = 0; m < 60; m++) labels.add(labelOf(local + m * durations.MINUTE, 'minute'));
    }
  }
  const result: string[] = [];
  for (const dim of dims) for (const label of labels) result.push(keys.bitmap(dim, label));
  return result;
}

function getOr<K, V>(map: Map<K, V>, key: K, create: () => V): V {
  let value = map.get(key);
  if (value === undefined) map.set(key, (value = create()));
  return value;
}
