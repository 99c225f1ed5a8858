import { isDayOnly } from './dimensions.handler';
import { expiryOf, type ProjectSettings } from './range.handler';
import { durations, floorTo, labelOf, labelsOfMinute, nextStart, toLocal, weekLabelOf } from './time-buckets.handler';
import type { ProjectKeys } from './keys.handler';

/** One event of one project, visitor already resolved to its surviving index. */
export interface ProjectedEvent {
  visitor: number;
  utcMs: number;
  dims: string[];
  /** The first `fine` dims also go to hour and minute buckets; the rest are day-only (`isDayOnly`). */
  fine: number;
  /** visitorId / userId strings that name this visitor (for erasure lookups). */
  ids: string[];
}

/**
 * Everything one batch of a project writes, grouped by bucket label and dimension so that each
 * key becomes one command (keys are only spelled out when the plan is encoded).
 */
export interface WritePlan {
  /** label → dim → the visitors with a bit in the (dim, label) bitmap and the events it counts. */
  cells: Map<string, Map<string, Cell>>;
  /** label → epoch seconds; minute and hour buckets only. */
  expiries: Map<string, number>;
  /** visitor → touched-set members (see `ProjectKeys.touched`). */
  touched: Map<number, Set<number>>;
  ids: Map<string, number>;
}

export function emptyPlan(): WritePlan {
  return { cells: new Map(), expiries: new Map(), touched: new Map(), ids: new Map() };
}

/**
 * One (label, dimension) of a plan: one bitmap key and one field of the label's totals hash.
 * `visitors` lists each event's visitor, repeats included: a bit set twice is set once, and an
 * array push is a fraction of a Set insert on this path (dimensions × granularities per event).
 */
export interface Cell {
  visitors: number[];
  events: number;
}

/** One bucket label's share of a plan. */
type LabelMaps = Map<string, Cell>;

interface HourBuckets {
  /** The maps of the hour's labels that are still kept (found once per hour, not per event). */
  coarse: LabelMaps[];
  /** The hour's and the year's maps among `coarse` (day-only dimensions skip them). */
  hourMaps: LabelMaps | null;
  yearMaps: LabelMaps | null;
  /** The hour's week label: day-only dimensions alone (docs/bitmaps.md, "Week buckets"). */
  week: string;
  minutesKept: boolean;
}

/** Adds events to a plan; buckets already expired at `nowMs` are not written at all. */
export function planEvents(plan: WritePlan, events: ProjectedEvent[], settings: ProjectSettings, dimIds: Map<string, number>, nowMs: number): WritePlan {
  // Events of a batch cluster in a few hours: the labels and expiries of an hour are computed once.
  const hours = new Map<number, HourBuckets>();
  for (const event of events) {
    const local = toLocal(event.utcMs, settings.timeZone);
    const hour = Math.floor(local / durations.HOUR);
    let buckets = hours.get(hour);
    if (!buckets) hours.set(hour, (buckets = hourBuckets(plan, hour, local, event.utcMs, settings, nowMs)));
    for (const maps of buckets.coarse) addEvent(maps, event, 0, maps === buckets.hourMaps || maps === buckets.yearMaps ? event.fine : event.dims.length);
    // Week buckets, like day and month ones, are kept: no expiry.
    if (event.fine < event.dims.length) addEvent(labelMaps(plan, buckets.week, null), event, event.fine, event.dims.length);
    if (buckets.minutesKept && event.fine > 0) {
      const minuteExpiry = expiryOf('minute', event.utcMs - (local % durations.MINUTE) + durations.MINUTE, settings)!;
      if (minuteExpiry * 1000 > nowMs) addEvent(labelMaps(plan, labelOf(local, 'minute'), minuteExpiry), event, 0, event.fine);
    }
    const touched = getOr(plan.touched, event.visitor, () => new Set<number>());
    for (const dim of event.dims) touched.add(touchedDim(dimIds.get(dim)!));
    touched.add(hour);
    for (const id of event.ids) plan.ids.set(id, event.visitor);
  }
  return plan;
}

/** Dimension ids live in the same integer set as hour numbers, as negatives. */
export const touchedDim = (dimId: number) => -(dimId + 1);

/** Splits a touched set back into dimension ids and hour numbers. */
export function splitTouched(members: number[]): { dimIds: number[]; hours: number[] } {
  return { dimIds: members.filter((m) => m < 0).map((m) => -m - 1), hours: members.filter((m) => m >= 0) };
}

function hourBuckets(plan: WritePlan, hour: number, local: number, utcMs: number, settings: ProjectSettings, nowMs: number): HourBuckets {
  const hourLabel = labelOf(hour * durations.HOUR, 'hour');
  const coarse: LabelMaps[] = [];
  let hourMaps: LabelMaps | null = null;
  let yearMaps: LabelMaps | null = null;
  for (const granularity of ['year', 'month', 'day', 'hour'] as const) {
    const endLocal = nextStart(floorTo(local, granularity), granularity);
    const expiry = expiryOf(granularity, utcMs + (endLocal - local), settings);
    if (expiry !== null && expiry * 1000 <= nowMs) continue;
    const maps = labelMaps(plan, labelsOfMinute(hourLabel)[granularity], expiry);
    coarse.push(maps);
    if (granularity === 'hour') hourMaps = maps;
    if (granularity === 'year') yearMaps = maps;
  }
  // Some minute of the hour may still be kept when the hour's last minute is.
  const hourEndUtc = utcMs + ((hour + 1) * durations.HOUR - local);
  return { coarse, hourMaps, yearMaps, week: weekLabelOf(local), minutesKept: expiryOf('minute', hourEndUtc, settings)! * 1000 > nowMs };
}

/** The plan's maps of a label, created (with its expiry, if any) on first use. */
function labelMaps(plan: WritePlan, label: string, expiry: number | null): LabelMaps {
  let cells = plan.cells.get(label);
  if (!cells) {
    plan.cells.set(label, (cells = new Map()));
    if (expiry !== null) plan.expiries.set(label, expiry);
  }
  return cells;
}

function addEvent(cells: LabelMaps, event: ProjectedEvent, from: number, to: number): void {
  // Hot path (dimensions × granularities per event): one map lookup per dimension, no closures.
  const dims = event.dims;
  for (let i = from; i < to; i++) {
    const dim = dims[i]!;
    const cell = cells.get(dim);
    if (cell) {
      cell.visitors.push(event.visitor);
      cell.events++;
    } else cells.set(dim, { visitors: [event.visitor], events: 1 });
  }
}

/**
 * Every bitmap key a visitor can have a bit in, from the dimensions and local hours it
 * touched: hour, day, week (day-only dimensions), month, year buckets of each hour, and the hour's minutes while minute
 * buckets are kept. Expired buckets are left out. Bounded work for merges and erasure.
 */
export function keysOfVisitor(dims: string[], hours: number[], keys: ProjectKeys, settings: ProjectSettings, nowMs: number): string[] {
  const labels = new Set<string>();
  for (const hour of hours) {
    const local = hour * durations.HOUR;
    const hourLabel = labelOf(local, 'hour');
    labels.add(hourLabel.slice(0, 4)).add(hourLabel.slice(0, 7)).add(hourLabel.slice(0, 10)).add(weekLabelOf(local));
    // Hour numbers are local; the UTC end is within a day of it, so keep a day of slack.
    const approxEndUtc = local + durations.HOUR + durations.DAY;
    if (approxEndUtc + settings.hourBucketDays * durations.DAY > nowMs) labels.add(hourLabel);
    if (approxEndUtc + settings.minuteBucketDays * durations.DAY > nowMs) {
      for (let m = 0; m < 60; m++) labels.add(labelOf(local + m * durations.MINUTE, 'minute'));
    }
  }
  const result: string[] = [];
  // Day-only dimensions have only month, week and day keys (labels of 7, 11 and 10 characters);
  // the others no week keys.
  for (const dim of dims) {
    const dayOnly = isDayOnly(dim);
    for (const label of labels) if (dayOnly ? label.length === 7 || label.length === 10 || label.length === 11 : label.length !== 11) result.push(keys.bitmap(dim, label));
  }
  return result;
}

function getOr<K, V>(map: Map<K, V>, key: K, create: () => V): V {
  let value = map.get(key);
  if (value === undefined) map.set(key, (value = create()));
  return value;
}
