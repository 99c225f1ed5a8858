// Date ranges as a person means them ("last 7 days" in the project's time zone), turned into the
// API's exclusive [from, to) instants. Pure: `now` and the time zone are arguments, so the unit
// tests pin them.

export type Interval = 'minute' | 'hour' | 'day' | 'week' | 'month' | 'year';
export const INTERVALS: Interval[] = ['hour', 'day', 'week', 'month'];

export const PRESETS = [
  { id: 'today', label: 'Today', key: 'd' },
  { id: 'yesterday', label: 'Yesterday', key: 'e' },
  { id: '7d', label: 'Last 7 days', key: 'w' },
  { id: '30d', label: 'Last 30 days', key: 't' },
  { id: 'mtd', label: 'Month to date', key: 'm' },
  { id: 'lastmonth', label: 'Last month', key: 'l' },
  { id: '12mo', label: 'Last 12 months', key: 'y' },
  { id: 'all', label: 'All time', key: 'a' },
  { id: 'custom', label: 'Custom range', key: 'c' },
] as const;
export type PresetId = (typeof PRESETS)[number]['id'];
export const DEFAULT_PRESET: PresetId = '30d';

/** A calendar day, month 1..12. */
export interface LocalDate {
  y: number;
  m: number;
  d: number;
}

export interface ResolvedRange {
  preset: PresetId;
  /** ISO instants, `to` exclusive: what the API takes. */
  from: string;
  to: string;
  /** The local calendar days shown to the person, `toDate` inclusive. */
  fromDate: string;
  toDate: string;
  interval: Interval;
  label: string;
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');
export const formatDate = (d: LocalDate) => `${pad(d.y, 4)}-${pad(d.m)}-${pad(d.d)}`;

export function parseDate(text: string | null | undefined): LocalDate | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text ?? '');
  if (!m) return null;
  const date = { y: Number(m[1]), m: Number(m[2]), d: Number(m[3]) };
  const check = new Date(Date.UTC(date.y, date.m - 1, date.d));
  return check.getUTCMonth() === date.m - 1 && check.getUTCDate() === date.d ? date : null;
}

/** Day arithmetic on the calendar (not on instants, so DST days stay whole days). */
export function addDays(date: LocalDate, days: number): LocalDate {
  const t = new Date(Date.UTC(date.y, date.m - 1, date.d + days));
  return { y: t.getUTCFullYear(), m: t.getUTCMonth() + 1, d: t.getUTCDate() };
}

export function addMonths(date: LocalDate, months: number): LocalDate {
  const t = new Date(Date.UTC(date.y, date.m - 1 + months, 1));
  return { y: t.getUTCFullYear(), m: t.getUTCMonth() + 1, d: 1 };
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function partsIn(instant: number, timeZone: string) {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
    formatters.set(timeZone, f);
  }
  const out: Record<string, number> = {};
  for (const p of f.formatToParts(new Date(instant))) if (p.type !== 'literal') out[p.type] = Number(p.value);
  return out as { year: number; month: number; day: number; hour: number; minute: number; second: number };
}

/** The wall-clock offset of `timeZone` at `instant`, in ms (Europe/Paris in summer: +7,200,000). */
export function offsetMs(instant: number, timeZone: string): number {
  const p = partsIn(instant, timeZone);
  const wall = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return wall - Math.floor(instant / 1000) * 1000;
}

/** The calendar day `instant` falls on in `timeZone`. */
export function localDate(instant: number, timeZone: string): LocalDate {
  const p = partsIn(instant, timeZone);
  return { y: p.year, m: p.month, d: p.day };
}

/** The instant local midnight of `date` starts in `timeZone` (two passes settle a DST change). */
export function startOfDay(date: LocalDate, timeZone: string): number {
  const wall = Date.UTC(date.y, date.m - 1, date.d);
  let guess = wall - offsetMs(wall, timeZone);
  guess = wall - offsetMs(guess, timeZone);
  return guess;
}

/** The interval a range is drawn with unless the person picks another (as the API's default). */
export function defaultInterval(days: number): Interval {
  if (days <= 2) return 'hour';
  if (days <= 120) return 'day';
  return 'month';
}

/** Intervals worth offering for a range: not one point, not thousands. */
export function intervalsFor(days: number): Interval[] {
  return INTERVALS.filter((i) => (i === 'hour' ? days <= 14 : i === 'day' ? days >= 2 && days <= 400 : i === 'week' ? days >= 14 : days >= 60));
}

export interface RangeSpec {
  preset: PresetId;
  /** custom only: local dates, `to` inclusive. */
  from?: LocalDate;
  to?: LocalDate;
  interval?: Interval;
}

export interface RangeContext {
  now: number;
  timeZone: string;
  /** The earliest day "all time" reaches back to (the project's creation day). */
  since?: LocalDate;
  maxDays?: number;
}

/** The local days [first, last] a preset covers on the day `today`. */
export function presetDays(spec: RangeSpec, today: LocalDate, since?: LocalDate): [LocalDate, LocalDate] {
  const first = { ...today, d: 1 };
  switch (spec.preset) {
    case 'today':
      return [today, today];
    case 'yesterday':
      return [addDays(today, -1), addDays(today, -1)];
    case '7d':
      return [addDays(today, -6), today];
    case '30d':
      return [addDays(today, -29), today];
    case 'mtd':
      return [first, today];
    case 'lastmonth':
      return [addMonths(first, -1), addDays(first, -1)];
    case '12mo':
      return [addMonths(first, -11), today];
    case 'all':
      return [since && formatDate(since) <= formatDate(today) ? since : addDays(today, -29), today];
    case 'custom': {
      const from = spec.from ?? addDays(today, -29);
      const to = spec.to ?? today;
      return formatDate(from) <= formatDate(to) ? [from, to] : [to, from];
    }
  }
}

const daysBetween = (a: LocalDate, b: LocalDate) => Math.round((Date.UTC(b.y, b.m - 1, b.d) - Date.UTC(a.y, a.m - 1, a.d)) / 86_400_000);

export function resolveRange(spec: RangeSpec, ctx: RangeContext): ResolvedRange {
  const today = localDate(ctx.now, ctx.timeZone);
  let [first, last] = presetDays(spec, today, ctx.since);
  if (ctx.maxDays && daysBetween(first, last) + 1 > ctx.maxDays) first = addDays(last, -(ctx.maxDays - 1));
  const days = daysBetween(first, last) + 1;
  const offered = intervalsFor(days);
  const interval = spec.interval && offered.includes(spec.interval) ? spec.interval : defaultInterval(days);
  const label = spec.preset === 'custom' ? (days === 1 ? formatDate(first) : `${formatDate(first)} – ${formatDate(last)}`) : PRESETS.find((p) => p.id === spec.preset)!.label;
  return {
    preset: spec.preset,
    from: new Date(startOfDay(first, ctx.timeZone)).toISOString(),
    to: new Date(startOfDay(addDays(last, 1), ctx.timeZone)).toISOString(),
    fromDate: formatDate(first),
    toDate: formatDate(last),
    interval,
    label,
  };
}

export type CompareMode = 'off' | 'previous' | 'year' | 'custom';

/** The comparison range: the same number of days just before, the same days a year earlier, or chosen. */
export function comparisonRange(mode: CompareMode, current: ResolvedRange, timeZone: string, custom?: { from?: LocalDate; to?: LocalDate }): ResolvedRange | null {
  if (mode === 'off') return null;
  const first = parseDate(current.fromDate)!;
  const last = parseDate(current.toDate)!;
  const days = daysBetween(first, last) + 1;
  let from: LocalDate;
  let to: LocalDate;
  if (mode === 'previous') [from, to] = [addDays(first, -days), addDays(first, -1)];
  else if (mode === 'year') {
    const back = (d: LocalDate) => (d.m === 2 && d.d === 29 ? { y: d.y - 1, m: 2, d: 28 } : { ...d, y: d.y - 1 });
    [from, to] = [back(first), back(last)];
  } else {
    if (!custom?.from || !custom.to) return null;
    [from, to] = formatDate(custom.from) <= formatDate(custom.to) ? [custom.from, custom.to] : [custom.to, custom.from];
  }
  return {
    preset: 'custom',
    from: new Date(startOfDay(from, timeZone)).toISOString(),
    to: new Date(startOfDay(addDays(to, 1), timeZone)).toISOString(),
    fromDate: formatDate(from),
    toDate: formatDate(to),
    interval: current.interval,
    label: days === 1 && from.d === to.d ? formatDate(from) : `${formatDate(from)} – ${formatDate(to)}`,
  };
}
