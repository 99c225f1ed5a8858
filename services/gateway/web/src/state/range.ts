// The date range of every view, from the URL (`period`, `from`, `to`, `interval`), resolved in
// the current project's time zone. Views read `range.value.{from,to,interval}` (ISO instants,
// `to` exclusive) and pass them to the API as they are.
import { computed } from '@preact/signals';
import { DEFAULT_PRESET, PRESETS, parseDate, resolveRange, type Interval, type PresetId, type RangeSpec, type ResolvedRange } from './range-presets';
import { currentProject, timeZone } from './session';
import { location, setParams } from './url';

export type { Interval, PresetId, ResolvedRange };
/** The gateway's MAX_RANGE_DAYS default. */
const MAX_DAYS = 800;

export const rangeSpec = computed<RangeSpec>(() => {
  const p = location.value.params;
  const period = p.get('period');
  const preset = (PRESETS.some((x) => x.id === period) ? period : p.get('from') ? 'custom' : DEFAULT_PRESET) as PresetId;
  return { preset, from: parseDate(p.get('from')) ?? undefined, to: parseDate(p.get('to')) ?? undefined, interval: (p.get('interval') as Interval | null) ?? undefined };
});

/** Re-resolved when the URL changes (a tab left open overnight moves "today" on its next change). */
export const range = computed<ResolvedRange>(() => {
  const created = currentProject.value?.createdAt;
  const since = created ? parseDate(new Date(created).toISOString().slice(0, 10)) ?? undefined : undefined;
  return resolveRange(rangeSpec.value, { now: Date.now(), timeZone: timeZone.value, since, maxDays: MAX_DAYS });
});

export function setPreset(preset: PresetId): void {
  if (preset === 'custom') setParams({ period: 'custom', from: range.value.fromDate, to: range.value.toDate });
  else setParams({ period: preset === DEFAULT_PRESET ? null : preset, from: null, to: null, interval: null });
}

export function setCustomRange(from: string, to: string): void {
  setParams({ period: 'custom', from, to });
}

export function setChartInterval(interval: Interval): void {
  setParams({ interval });
}
