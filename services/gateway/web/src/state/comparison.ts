// Comparison (off by default): the previous period, the same days a year earlier, or a custom
// range, from the URL (`compare`, `cfrom`, `cto`).
import { computed } from '@preact/signals';
import { comparisonRange, parseDate, type CompareMode, type ResolvedRange } from './range-presets';
import { range } from './range';
import { timeZone } from './session';
import { location, setParams } from './url';

export type { CompareMode };
const MODES: CompareMode[] = ['off', 'previous', 'year', 'custom'];

export const compareMode = computed<CompareMode>(() => {
  const m = location.value.params.get('compare') as CompareMode | null;
  return m && MODES.includes(m) ? m : 'off';
});

export const comparison = computed<ResolvedRange | null>(() => {
  const p = location.value.params;
  return comparisonRange(compareMode.value, range.value, timeZone.value, { from: parseDate(p.get('cfrom')) ?? undefined, to: parseDate(p.get('cto')) ?? undefined });
});

export function setCompare(mode: CompareMode, custom?: { from: string; to: string }): void {
  setParams({ compare: mode === 'off' ? null : mode, cfrom: mode === 'custom' ? custom?.from ?? range.value.fromDate : null, cto: mode === 'custom' ? custom?.to ?? range.value.toDate : null });
}

/** `x`: off ↔ the last mode used (previous period by default). */
export function toggleCompare(): void {
  setCompare(compareMode.value === 'off' ? 'previous' : 'off');
}
